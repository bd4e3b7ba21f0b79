// zod schema of the whole config file (docs/product.md "Config file"). Secrets never live here:
// they come from the environment (env.ts). The `crm:` section takes its provider blocks from the
// provider registry (src/crm/registry.ts), so the schema is built for a registry.

import cron from 'node-cron';
import { z } from 'zod';
import type { ProviderRegistry } from '../crm/registry.ts';
import { crmCommonShape, httpUrl, type CrmSection } from './crm-section.ts';
import { authSchema } from './auth-schema.ts';
import { financeSchema } from './finance-schema.ts';
import { notificationsSchema } from './notifications-schema.ts';
import { programSchema } from './program-schema.ts';
import { registrationsSchema } from './registrations-schema.ts';

const cronExpression = (fallback: string) =>
  z
    .string()
    .refine((s) => cron.validate(s), { error: 'must be a cron expression of 5 or 6 fields, e.g. "*/15 * * * *"' })
    .default(fallback);

const crmSchemas = new WeakMap<ProviderRegistry, z.ZodType<CrmSection>>();

/** `crm:`: the provider, the shared keys, and every registered provider's block. */
export function crmSchema(providers: ProviderRegistry): z.ZodType<CrmSection> {
  const cached = crmSchemas.get(providers);
  if (cached !== undefined) return cached;
  const names = providers.names();
  const blockKeys = new Set(providers.blocks().map((b) => b.key));
  const schema = z
    .strictObject({
      provider: z.enum(names as [string, ...string[]], { error: `must be one of: ${names.join(', ')}` }),
      ...crmCommonShape,
      ...Object.fromEntries(providers.blocks().map((b) => [b.key, b.schema])),
    })
    .transform((v): CrmSection => {
      const blocks: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
      for (const [k, value] of Object.entries(v)) if (blockKeys.has(k)) blocks[k] = value;
      return { provider: v.provider, partners: v.partners, mappings: v.mappings, stages: v.stages, blocks };
    });
  crmSchemas.set(providers, schema);
  return schema;
}

const coreShape = {
  program: programSchema,
  sync: z
    .strictObject({
      schedule: cronExpression('*/15 * * * *'),
      fullRefresh: cronExpression('0 3 * * *'),
      /**
       * `serve`'s sync worker thread: its JS heap limit (V8 old generation, MiB). A run that needs
       * more fails alone — recorded failed, its lock freed — instead of growing the service (issue 21).
       */
      workerMaxHeapMb: z.number().int().min(128).max(262_144).optional(),
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
      /** The address `serve` binds: loopback by default; `0.0.0.0` (every interface) in containers. */
      host: z.string().trim().min(1).default('127.0.0.1'),
      /** The URL HubSpot calls (protocol and host), when a proxy stands in front: webhook signatures sign it. */
      publicUrl: httpUrl('https://partnersync.example.com')
        .transform((u) => u.replace(/\/+$/, ''))
        .optional(),
      /** express "trust proxy": hops to trust for X-Forwarded-* (client address, protocol). */
      trustProxy: z.union([z.boolean(), z.number().int().min(0)]).default(false),
      rateLimitPerMinute: z.number().int().min(1).max(100_000).default(600),
    })
    .default({ port: 8080, host: '127.0.0.1', trustProxy: false, rateLimitPerMinute: 600 }),
  notifications: notificationsSchema.optional(),
  auth: authSchema.default({ tokenSignIn: true }),
  registrations: registrationsSchema.optional(),
  finance: financeSchema.optional(),
};

const configSchemas = new WeakMap<ProviderRegistry, z.ZodType<ConfigFile>>();

/** The whole config file, with the `crm:` blocks of the given providers. */
export function configSchema(providers: ProviderRegistry): z.ZodType<ConfigFile> {
  let schema = configSchemas.get(providers);
  if (schema === undefined) {
    schema = z.strictObject({ ...coreShape, crm: crmSchema(providers).optional() }).superRefine((c, ctx) => {
      // the partner pages send their e-mail through one of the notification channels
      const id = c.registrations?.emailChannel;
      if (id === undefined || c.notifications?.channels[id]?.type === 'email') return;
      ctx.addIssue({
        code: 'custom',
        path: ['registrations', 'emailChannel'],
        message: `names no e-mail channel; define notifications.channels.${id} with type: email, or use one of: ${
          Object.entries(c.notifications?.channels ?? {})
            .filter(([, ch]) => ch.type === 'email')
            .map(([k]) => k)
            .join(', ') || '(none defined)'
        }`,
      });
    });
    configSchemas.set(providers, schema);
  }
  return schema;
}

type CoreConfig = z.output<z.ZodObject<typeof coreShape>>;

export type ConfigFile = CoreConfig & { crm?: CrmSection | undefined };
