// zod schema of the whole config file (product.md "Config file"). Secrets never live here:
// they come from the environment (env.ts).

import cron from 'node-cron';
import { z } from 'zod';
import { authSchema } from './auth-schema.ts';
import { notificationsSchema } from './notifications-schema.ts';
import { programSchema } from './program-schema.ts';

export const CRM_PROVIDERS = ['hubspot', 'salesforce', 'sandbox-hubspot', 'sandbox-salesforce'] as const;
export type CrmProvider = (typeof CRM_PROVIDERS)[number];

const url = (example: string) =>
  z
    .string()
    .refine((s) => URL.canParse(s) && /^https?:/.test(s), { error: `must be an http(s) URL such as ${example}` });

const cronExpression = (fallback: string) =>
  z
    .string()
    .refine((s) => cron.validate(s), { error: 'must be a cron expression of 5 or 6 fields, e.g. "*/15 * * * *"' })
    .default(fallback);

const mappingSchema = z.strictObject({
  field: z.string({ error: 'is required: the CRM field (property or API name) holding this value' }).min(1),
  values: z
    .record(z.string(), z.string(), {
      error: 'must map CRM values to canonical values, e.g. { "Partner referral": referral }',
    })
    .optional(),
});

export const crmSchema = z.strictObject({
  provider: z.enum(CRM_PROVIDERS, { error: `must be one of: ${CRM_PROVIDERS.join(', ')}` }),
  hubspot: z
    .strictObject({
      basePath: url('https://api.hubapi.com').default('https://api.hubapi.com'),
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
    })
    .default({
      basePath: 'https://api.hubapi.com',
      searchLagSeconds: 10,
      rateLimitPer10s: 190,
      searchPerSecond: 5,
      searchOverlapSeconds: 60,
      requestTimeoutSeconds: 30,
    }),
  salesforce: z
    .strictObject({
      loginUrl: url('https://login.salesforce.com').default('https://login.salesforce.com'),
      instanceUrl: url('https://example.my.salesforce.com').optional(),
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
    })
    .default({
      loginUrl: 'https://login.salesforce.com',
      apiVersion: '66.0',
      dailyReservePercent: 20,
      bulkThreshold: 50_000,
      permissionSetAssignees: [],
      lookbackSeconds: 300,
      bulkPollTimeoutSeconds: 900,
    }),
  partners: z
    .strictObject({
      where: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
    })
    .optional(),
  mappings: z.record(z.string(), mappingSchema).default({}),
  stages: z
    .strictObject({
      overrides: z
        .record(z.string(), z.enum(['open', 'won', 'lost'], { error: 'must be open, won or lost' }))
        .default({}),
    })
    .default({ overrides: {} }),
  sandbox: z
    .strictObject({
      seed: z.number().int().default(1),
      partners: z.number().int().min(0).default(50),
      deals: z.number().int().min(0).default(2000),
      stateFile: z.string().optional(),
    })
    .optional(),
});

export const configSchema = z.strictObject({
  program: programSchema,
  crm: crmSchema.optional(),
  sync: z
    .strictObject({
      schedule: cronExpression('*/15 * * * *'),
      fullRefresh: cronExpression('0 3 * * *'),
    })
    .default({ schedule: '*/15 * * * *', fullRefresh: '0 3 * * *' }),
  store: z
    .strictObject({
      url: z
        .string()
        .regex(/^(sqlite:|postgres:|postgresql:)/, { error: 'must start with sqlite: or postgres://' })
        .default('sqlite:./data/partnersync.db'),
      /** How long a sync waits for another sync of the same CRM account; 0 refuses at once. */
      lockWaitSeconds: z.number().int().min(0).max(3600).default(0),
      /** Records per write-back call to the adapter (the adapter batches further to the CRM's limits). */
      // a multiple of HubSpot's 100 and Salesforce's 200 per call, so no call goes out half full
      writeBatchSize: z.number().int().min(1).max(10_000).default(1000),
    })
    .default({ url: 'sqlite:./data/partnersync.db', lockWaitSeconds: 0, writeBatchSize: 1000 }),
  server: z
    .strictObject({
      port: z.number().int().min(0).max(65535).default(8080),
      /** The URL HubSpot calls (protocol and host), when a proxy stands in front: webhook signatures sign it. */
      publicUrl: url('https://partnersync.example.com')
        .transform((u) => u.replace(/\/+$/, ''))
        .optional(),
      /** express "trust proxy": hops to trust for X-Forwarded-* (client address, protocol). */
      trustProxy: z.union([z.boolean(), z.number().int().min(0)]).default(false),
      rateLimitPerMinute: z.number().int().min(1).max(100_000).default(600),
    })
    .default({ port: 8080, trustProxy: false, rateLimitPerMinute: 600 }),
  notifications: notificationsSchema.optional(),
  auth: authSchema.default({ tokenSignIn: true }),
});

export type ConfigFile = z.output<typeof configSchema>;
export type CrmConfig = z.output<typeof crmSchema>;
