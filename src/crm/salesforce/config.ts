// `crm.salesforce`: the Salesforce connector's settings (no secrets: those come from the
// environment, see provider.ts). Shared by the in-process sandbox provider.

import { z } from 'zod';
import { httpUrl } from '../../config/crm-section.ts';
import { defineBlock } from '../provider.ts';

/** The OAuth flows the connector speaks (src/crm/salesforce/auth.ts). */
export const AUTH_FLOWS = ['client_credentials', 'jwt', 'refresh_token'] as const;
export type AuthFlow = (typeof AUTH_FLOWS)[number];

const schema = z
  .strictObject({
    /** Unset: `jwt` when SF_JWT_KEY is set, else `refresh_token` when SF_REFRESH_TOKEN is set, else `client_credentials`. */
    auth: z.enum(AUTH_FLOWS, { error: 'must be client_credentials, jwt or refresh_token' }).optional(),
    loginUrl: httpUrl('https://login.salesforce.com').default('https://login.salesforce.com'),
    instanceUrl: httpUrl('https://example.my.salesforce.com').optional(),
    apiVersion: z
      .string()
      .regex(/^\d+\.0$/, { error: 'must be an API version such as "66.0"' })
      .default('66.0'),
    /** Stop before the org's remaining daily API allocation falls below this share (left for other integrations). */
    dailyReservePercent: z.number().min(0).max(100).default(20),
    /** A read of more rows than this continues through Bulk API 2.0. */
    bulkThreshold: z.number().int().min(1).default(50_000),
    /** Who gets the `partnersync` permission set: usernames, or `profile:<Profile name>` for every active user of a profile. */
    permissionSetAssignees: z
      .array(
        z
          .string()
          .trim()
          .min(1)
          .refine((s) => !s.startsWith('profile:') || s.length > 'profile:'.length, {
            error: 'must be a username or profile:<Profile name>',
          }),
      )
      .default([]),
    /** Rows other users changed this long before the previous read are read again (late commits). */
    lookbackSeconds: z.number().int().min(0).max(3600).default(300),
    /** How long a Bulk API 2.0 query job may take before the run stops (and resumes later). */
    bulkPollTimeoutSeconds: z.number().int().min(30).max(86_400).default(900),
    /** `cdc`: `serve` hears of changes through Change Data Capture (Pub/Sub API); `none`: scheduled syncs only. */
    events: z.enum(['cdc', 'none'], { error: 'must be cdc or none' }).default('none'),
    /** The Pub/Sub API endpoint (host:port). */
    pubsubEndpoint: z
      .string()
      .regex(/^[A-Za-z0-9.-]+:\d{1,5}$/, { error: 'must be host:port, e.g. api.pubsub.salesforce.com:7443' })
      .default('api.pubsub.salesforce.com:7443'),
    /** With `events: cdc`: how often OpportunityPartner (no change events) is polled for changes. */
    influencerPollSeconds: z.number().int().min(5).max(3600).default(60),
  })
  .prefault({});

export type SalesforceConfig = z.output<typeof schema>;

export const salesforceBlock = defineBlock<SalesforceConfig>({
  key: 'salesforce',
  schema,
  reference: [
    { key: '', default: '—', meaning: 'Salesforce settings' },
    {
      key: 'auth',
      default:
        '`jwt` if `SF_JWT_KEY` is set, else `refresh_token` if `SF_REFRESH_TOKEN` is set, else `client_credentials`',
      meaning: 'OAuth flow: `client_credentials` (External Client App), `jwt` (JWT bearer) or `refresh_token`',
    },
    {
      key: 'loginUrl',
      default: '`https://login.salesforce.com`',
      meaning: '`https://test.salesforce.com` for sandbox orgs; your My Domain URL for `client_credentials`',
    },
    { key: 'instanceUrl', default: 'from the token', meaning: 'My Domain URL' },
    {
      key: 'apiVersion',
      default: '`66.0`',
      meaning: 'REST API version (always sent; jsforce would default to 50.0)',
    },
    {
      key: 'dailyReservePercent',
      default: '`20`',
      meaning: "stop cleanly before the org's remaining daily API allocation falls below this share",
    },
    { key: 'bulkThreshold', default: '`50000`', meaning: 'reads larger than this go through Bulk API 2.0' },
    { key: 'bulkPollTimeoutSeconds', default: '`900`', meaning: 'how long a Bulk API 2.0 job may take' },
    {
      key: 'lookbackSeconds',
      default: '`300`',
      meaning: 'incremental reads re-read rows others changed this long before the previous read',
    },
    {
      key: 'events',
      default: '`none`',
      meaning:
        '`cdc`: `serve` syncs changed opportunities and accounts within seconds through Change Data Capture (Pub/Sub API)',
    },
    {
      key: 'pubsubEndpoint',
      default: '`api.pubsub.salesforce.com:7443`',
      meaning: 'the Pub/Sub API endpoint (host:port)',
    },
    {
      key: 'influencerPollSeconds',
      default: '`60`',
      meaning: 'with `events: cdc`, how often OpportunityPartner rows (no change events) are polled',
    },
    {
      key: 'permissionSetAssignees',
      default: '`[]`',
      meaning: 'usernames, or `profile:<Profile name>`, given the `partnersync` permission set',
    },
  ],
});
