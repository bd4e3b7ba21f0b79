// `crm.hubspot`: the HubSpot connector's settings (no secrets: those come from the environment,
// see provider.ts). Shared by the in-process sandbox provider, which points basePath elsewhere.

import { z } from 'zod';
import { httpUrl } from '../../config/crm-section.ts';
import { defineBlock } from '../provider.ts';
import { API_VERSIONS } from './api-paths.ts';

const schema = z
  .strictObject({
    basePath: httpUrl('https://api.hubapi.com').default('https://api.hubapi.com'),
    searchLagSeconds: z.number().int().min(0).default(10),
    rateLimitPer10s: z.number().int().min(1).max(1000).default(190),
    searchPerSecond: z.number().int().min(1).max(50).default(5),
    /** The HubSpot account id; without it the adapter asks HubSpot's account-info API once. */
    portalId: z
      .union([z.string().regex(/^\d+$/), z.number().int().positive()], {
        error: 'must be the HubSpot account (portal) id, digits only',
      })
      .transform(String)
      .optional(),
    /** Each incremental search window starts this long before the previous one ended (late-indexed records). */
    searchOverlapSeconds: z.number().int().min(0).max(86_400).default(60),
    /** A request without an answer after this long is abandoned and retried. */
    requestTimeoutSeconds: z.number().int().min(1).max(600).default(30),
    /**
     * Where change events come from (journal-mode.ts): signed webhooks, HubSpot's webhooks journal
     * (polled; no public URL), or none. Unset: `webhooks` when HUBSPOT_CLIENT_SECRET is set, else `none`.
     */
    events: z.enum(['webhooks', 'journal', 'none'], { error: 'must be webhooks, journal or none' }).optional(),
    /** How often `serve` asks the webhooks journal for new entries (events: journal). */
    journalPollSeconds: z.number().min(0.1).max(60).default(1),
    /**
     * The HubSpot API generation: date-versioned paths (`/crm/objects/2026-09/…`), or `legacy` for
     * the v3/v4 paths HubSpot stops supporting in 2027 (docs/crm-notes.md).
     */
    apiVersion: z
      .enum(API_VERSIONS, { error: `must be one of ${API_VERSIONS.join(', ')} (the HubSpot API generation)` })
      .default('2026-09'),
  })
  .prefault({});

export type HubspotConfig = z.output<typeof schema>;

export const hubspotBlock = defineBlock<HubspotConfig>({
  key: 'hubspot',
  schema,
  reference: [
    { key: '', default: '—', meaning: 'HubSpot settings' },
    {
      key: 'basePath',
      default: '`https://api.hubapi.com`',
      meaning: 'API origin (a sandbox started apart: `http://127.0.0.1:PORT`)',
    },
    {
      key: 'searchLagSeconds',
      default: '`10`',
      meaning: 'incremental search windows end this long before the run starts (search indexes lag writes)',
    },
    {
      key: 'searchOverlapSeconds',
      default: '`60`',
      meaning: 'each window starts this long before the previous one ended',
    },
    {
      key: 'rateLimitPer10s',
      default: '`190`',
      meaning: 'our limiter: Free/Starter 100, Professional/Enterprise 190, API add-on 250',
    },
    {
      key: 'searchPerSecond',
      default: '`5`',
      meaning: "search requests per second (HubSpot's account-wide search limit)",
    },
    {
      key: 'requestTimeoutSeconds',
      default: '`30`',
      meaning: 'a request without an answer after this long is retried',
    },
    {
      key: 'events',
      default: '`webhooks` with `HUBSPOT_CLIENT_SECRET`, else `none`',
      meaning:
        "change events: `webhooks` (signed deliveries to `/v1/webhooks/hubspot`), `journal` (polls HubSpot's webhooks journal; no public URL) or `none`",
    },
    {
      key: 'journalPollSeconds',
      default: '`1`',
      meaning: 'events: journal — how often `serve` asks the journal for new entries',
    },
    {
      key: 'portalId',
      default: 'asked once',
      meaning: 'the account id (links from the dashboard, the sync lock)',
    },
    {
      key: 'apiVersion',
      default: '`2026-09`',
      meaning:
        'HubSpot API generation: `2026-09`, `2026-03` (date-versioned paths) or `legacy` (v3/v4 paths; unsupported from 2027)',
    },
  ],
});
