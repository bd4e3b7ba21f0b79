// Raw shapes of HubSpot's webhooks journal (2026-03), in our words, parsed at the boundary.
// https://developers.hubspot.com/docs/api-reference/latest/webhooks-journal/guide
// https://developers.hubspot.com/docs/api-reference/latest/webhooks-journal/journal-entries/guide

import { z } from 'zod';

/** The client-credentials grant's answer (/oauth/v1/token): no refresh token, the app asks again. */
export const clientCredentialsRaw = z.object({
  access_token: z.string().min(1),
  expires_in: z.number().positive(),
  token_type: z.string().optional(),
});

/** One journal entry as the read endpoints hand it out: its offset and a short-lived link to its events. */
export const journalFetchRaw = z.object({
  currentOffset: z.string().min(1),
  url: z.string().min(1),
  expiresAt: z.string(),
});
export type JournalFetchRaw = z.infer<typeof journalFetchRaw>;

/** The batch read endpoints (`batch/earliest|latest/{count}`, `batch/{offset}/next/{count}`, `batch/read`). */
export const journalBatchRaw = z.object({
  status: z.string(),
  results: z.array(journalFetchRaw),
  startedAt: z.string(),
  completedAt: z.string(),
});

// Numeric CRM ids, as numbers or digit strings.
const crmId = z.union([z.number().int().nonnegative(), z.string().regex(/^\d{1,20}$/)]).transform(String);

/**
 * One event of an entry's file. HubSpot's OpenAPI document does not describe the file: we read
 * only what names the records (object type and id, the linked object for association changes)
 * and let anything else through (docs/crm-notes.md, "Webhooks journal").
 */
export const journalEventRaw = z.looseObject({
  objectTypeId: z.string(),
  objectId: crmId,
  action: z.string().optional(),
  associatedObjectTypeId: z.string().optional(),
  associatedObjectId: crmId.optional(),
});
export type JournalEventRaw = z.infer<typeof journalEventRaw>;

/** A file: a list of events (or an object holding them under `events`). */
export const journalFileRaw = z.union([
  z.array(journalEventRaw),
  z.looseObject({ events: z.array(journalEventRaw) }).transform((f) => f.events),
]);

/** A subscription as the subscription API answers it (only what partnersync compares). */
export const journalSubscriptionRaw = z.looseObject({
  id: z.union([z.number(), z.string()]).transform(String),
  subscriptionType: z.string(),
  objectTypeId: z.string(),
  portalId: z.union([z.number(), z.string()]).transform(String).optional(),
  actions: z.array(z.string()),
  properties: z.array(z.string()).optional(),
  associatedObjectTypeIds: z.array(z.string()).optional(),
  objectIds: z.array(z.union([z.number(), z.string()])).optional(),
});
export type JournalSubscriptionRaw = z.infer<typeof journalSubscriptionRaw>;

export const journalSubscriptionsRaw = z.object({ results: z.array(journalSubscriptionRaw) });
