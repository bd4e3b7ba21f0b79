// HubSpot's webhook deliveries (POST /v1/webhooks/hubspot): verified with signature v3 over the
// raw body (docs/crm-notes.md §1.9; https://developers.hubspot.com/docs/api/webhooks/validating-requests)
// and read as the deals and companies they name. Core mounts it, answers at once (HubSpot retries
// after 5 s), drops retried deliveries by event id, and queues a debounced targeted sync.

import { z } from 'zod';
import { ReceiverPayloadError, type ChangedRecords, type HttpReceiver, type ReceiverVerdict } from '../events.ts';
import { verifyV3 } from './signature.ts';

// HubSpot sends numeric ids; any short id text is accepted (the adapter reads it back by id)
const id = z.union([z.number().int().nonnegative(), z.string().regex(/^[A-Za-z0-9_-]{1,64}$/)]).transform(String);

const eventSchema = z.looseObject({
  eventId: z.union([z.number(), z.string()]).transform(String),
  subscriptionType: z.string(),
  objectId: id.optional(),
  objectTypeId: z.string().optional(),
  fromObjectId: id.optional(),
  fromObjectTypeId: z.string().optional(),
  toObjectId: id.optional(),
  toObjectTypeId: z.string().optional(),
});
const deliverySchema = z.array(eventSchema).max(1000);

export type HubspotEvent = z.output<typeof eventSchema>;

const DEAL_TYPE = '0-3';
const COMPANY_TYPE = '0-2';

/** Which records an event is about: deals and companies (partners); others are ignored. */
export function recordsOf(e: HubspotEvent): { deals: string[]; partners: string[] } {
  const deals: string[] = [];
  const partners: string[] = [];
  const [object = ''] = e.subscriptionType.split('.');
  const add = (typeId: string | undefined, objectName: string, value: string | undefined): void => {
    if (value === undefined) return;
    if (typeId === DEAL_TYPE || objectName === 'deal') deals.push(value);
    else if (typeId === COMPANY_TYPE || objectName === 'company') partners.push(value);
  };
  if (e.subscriptionType.endsWith('associationChange')) {
    // a deal's company link changed: re-reading the deal re-reads its associations
    add(e.fromObjectTypeId, object, e.fromObjectId);
    if (e.toObjectTypeId === DEAL_TYPE) add(e.toObjectTypeId, '', e.toObjectId);
  } else {
    add(e.objectTypeId, object, e.objectId);
  }
  return { deals, partners };
}

const refused = (reason: 'missing' | 'stale' | 'mismatch'): ReceiverVerdict => ({
  ok: false,
  status: 401,
  code: 'invalid_signature',
  metric: `refused_${reason}`,
  message:
    reason === 'stale'
      ? 'the request timestamp is more than 5 minutes away from now'
      : reason === 'missing'
        ? 'X-HubSpot-Signature-v3 and X-HubSpot-Request-Timestamp are required'
        : 'the signature does not match this request',
});

/** The receiver; without the app's client secret it answers 404 (webhooks not enabled, `disabled` says why). */
export function hubspotWebhookReceiver(clientSecret: string | undefined, disabled?: string): HttpReceiver {
  return {
    name: 'hubspot-webhooks',
    path: 'hubspot',
    verify(rawBody, headers, url, now) {
      if (clientSecret === undefined) {
        return {
          ok: false,
          status: 404,
          code: 'not_found',
          metric: 'disabled',
          message:
            disabled ?? 'webhooks are not enabled: set HUBSPOT_CLIENT_SECRET (the app secret that signs deliveries)',
        };
      }
      const check = verifyV3(
        {
          clientSecret,
          method: 'POST',
          uri: url,
          body: rawBody.toString('utf8'),
          timestamp: headers['x-hubspot-request-timestamp'],
          signature: headers['x-hubspot-signature-v3'],
        },
        now,
      );
      return check.ok ? { ok: true } : refused(check.reason);
    },
    parse(rawBody) {
      let events: HubspotEvent[];
      try {
        events = deliverySchema.parse(JSON.parse(rawBody.toString('utf8')));
      } catch {
        // signed but unreadable: answered 400 so HubSpot shows the failure; nothing is queued
        throw new ReceiverPayloadError('the body is not a list of HubSpot webhook events');
      }
      return events.map((e): { eventIds: string[]; records: ChangedRecords } => ({
        eventIds: [e.eventId],
        records: recordsOf(e),
      }));
    },
  };
}
