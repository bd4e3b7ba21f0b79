// POST /v1/webhooks/hubspot: HubSpot's webhook deliveries, verified with signature v3 on the
// raw body (https://developers.hubspot.com/docs/api/webhooks/validating-requests), answered at
// once (HubSpot retries after 5 s), and turned into a debounced targeted sync of the notified
// deals and companies. A retried delivery (same eventId) is recognised and not queued again.

import express, { Router, type Request } from 'express';
import { z } from 'zod';
import type { AppDeps } from '../app.ts';
import { HttpError } from '../errors.ts';
import { verifyV3 } from '../hubspot-signature.ts';

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

type HubspotEvent = z.output<typeof eventSchema>;

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

/** Remembers recent event ids so retried deliveries are not queued twice. */
class RecentIds {
  private readonly ids = new Set<string>();
  private readonly max: number;

  constructor(max: number) {
    this.max = max;
  }

  /** True the first time an id is seen. */
  add(id: string): boolean {
    if (this.ids.has(id)) return false;
    this.ids.add(id);
    if (this.ids.size > this.max) {
      const oldest = this.ids.values().next().value;
      if (oldest !== undefined) this.ids.delete(oldest);
    }
    return true;
  }
}

/** The URI HubSpot called: the configured public URL, else what this request says. */
function calledUri(req: Request, publicUrl: string | undefined): string {
  const base = publicUrl ?? `${req.protocol}://${req.get('host') ?? 'localhost'}`;
  return `${base.replace(/\/+$/, '')}${req.originalUrl}`;
}

export function webhookRoutes(deps: AppDeps): Router {
  const router = Router();
  const recent = new RecentIds(20_000);
  router.post('/hubspot', express.raw({ type: () => true, limit: '2mb' }), (req, res) => {
    const secret = deps.webhookSecret;
    if (secret === undefined)
      throw new HttpError(
        404,
        'not_found',
        'webhooks are not enabled: set HUBSPOT_CLIENT_SECRET (the app secret that signs deliveries)',
      );
    const body = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '';
    const check = verifyV3(
      {
        clientSecret: secret,
        method: req.method,
        uri: calledUri(req, deps.config.config.server.publicUrl),
        body,
        timestamp: req.get('x-hubspot-request-timestamp'),
        signature: req.get('x-hubspot-signature-v3'),
      },
      deps.clock.now(),
    );
    if (!check.ok) {
      deps.metrics.webhookEvents.inc({ outcome: `refused_${check.reason}` });
      throw new HttpError(
        401,
        'invalid_signature',
        check.reason === 'stale'
          ? 'the request timestamp is more than 5 minutes away from now'
          : check.reason === 'missing'
            ? 'X-HubSpot-Signature-v3 and X-HubSpot-Request-Timestamp are required'
            : 'the signature does not match this request',
      );
    }
    let events: HubspotEvent[];
    try {
      events = deliverySchema.parse(JSON.parse(body));
    } catch {
      // signed but unreadable: answer 400 so HubSpot shows the failure; nothing is queued
      deps.metrics.webhookEvents.inc({ outcome: 'invalid_body' });
      throw new HttpError(400, 'invalid_request', 'the body is not a list of HubSpot webhook events');
    }
    const deals: string[] = [];
    const partners: string[] = [];
    let fresh = 0;
    for (const e of events) {
      if (!recent.add(e.eventId)) {
        deps.metrics.webhookEvents.inc({ outcome: 'duplicate' });
        continue;
      }
      fresh++;
      const r = recordsOf(e);
      deals.push(...r.deals);
      partners.push(...r.partners);
    }
    deps.metrics.webhookEvents.inc({ outcome: 'accepted' }, fresh);
    if (deals.length + partners.length > 0) deps.syncs.enqueue({ deals, partners });
    res.status(204).end();
  });
  return router;
}
