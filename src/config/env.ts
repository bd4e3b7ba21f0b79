// The environment: the only place partnersync reads process variables (docs/architecture.md).
// Secrets come only from here; they are never written to config files or logs. Core variables
// are declared below; each CRM provider declares its own (src/crm/provider.ts), and the
// registry lists them.

import { z } from 'zod';
import type { EnvVariable } from '../crm/provider.ts';
import type { ProviderRegistry } from '../crm/registry.ts';
import { builtInProviders } from '../providers.ts';
import { ConfigError, fromZodIssues } from './errors.ts';

const optional = z.string().trim().min(1).optional();

const coreSchema = z.object({
  PARTNERSYNC_CONFIG: optional,
  PARTNERSYNC_TOKENS: optional,
  /** Signs dashboard session cookies; set it when several instances serve /ui (default: random per process). */
  PARTNERSYNC_SESSION_SECRET: z
    .string()
    .trim()
    .min(32, { error: 'must be at least 32 characters (e.g. openssl rand -hex 32)' })
    .optional(),
  DATABASE_URL: z
    .string()
    .trim()
    .regex(/^(sqlite:|postgres:|postgresql:)/, { error: 'must start with sqlite: or postgres:// (the store URL)' })
    .optional(),
  PORT: z.coerce.number().int().min(0).max(65535).optional(),
  HOST: z.string().trim().min(1).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional(),
  NODE_ENV: optional,
});

/** Core variables, documented in the README's environment table (generated, see reference.ts). */
export const CORE_ENV: readonly EnvVariable[] = [
  {
    name: 'PARTNERSYNC_TOKENS',
    secret: true,
    meaning: 'API tokens: `viewer:TOKEN,finance:TOKEN,admin:TOKEN`, optionally named: `finance:ana:TOKEN`',
  },
  {
    name: 'PARTNERSYNC_SESSION_SECRET',
    secret: true,
    meaning:
      'signs dashboard session cookies (at least 32 characters); set it when several instances serve `/ui` (default: random per process)',
  },
  { name: 'DATABASE_URL', secret: true, meaning: 'PostgreSQL store (overrides `store.url`)' },
  { name: 'PARTNERSYNC_CONFIG', secret: false, meaning: 'config file (default `config/partnersync.yaml`)' },
  { name: 'PORT', secret: false, meaning: 'listen port (overrides `server.port`)' },
  { name: 'HOST', secret: false, meaning: 'address to bind (overrides `server.host`, default `127.0.0.1`)' },
  { name: 'LOG_LEVEL', secret: false, meaning: '`fatal` … `trace`, or `silent` (default `info`)' },
  { name: 'NODE_ENV', secret: false, meaning: '`production` for production mode' },
];

export type CoreEnv = z.output<typeof coreSchema>;

export interface Env extends CoreEnv {
  /** Every declared variable that is set (core and providers'): what providers read. */
  readonly raw: Readonly<Record<string, string>>;
  /** The values logs must never show (secret variables, and each API token). */
  readonly secrets: readonly string[];
}

/** Reads the core variables and every registered provider's; ConfigError on a bad value. */
export function readEnv(
  raw: Readonly<Record<string, string | undefined>>,
  providers: ProviderRegistry = builtInProviders,
): Env {
  const declared = [...CORE_ENV.map((v) => v.name), ...Object.keys(coreSchema.shape)];
  const variables = [...CORE_ENV, ...providers.envVariables()];
  const picked: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const key of new Set([...declared, ...variables.map((v) => v.name)])) {
    const v = raw[key];
    if (v !== undefined && v !== '') picked[key] = v;
  }
  const result = coreSchema.safeParse(picked);
  if (!result.success) throw new ConfigError('environment', fromZodIssues(result.error.issues));
  return { ...result.data, raw: picked, secrets: secretValues(picked, variables) };
}

/** Secrets shorter than this are not redacted by value (they would blank out ordinary text). */
const MIN_REDACTED_LENGTH = 6;

function secretValues(picked: Readonly<Record<string, string>>, variables: readonly EnvVariable[]): string[] {
  const out = new Set<string>();
  for (const v of variables) {
    const value = picked[v.name]?.trim();
    if (!v.secret || value === undefined) continue;
    out.add(value);
    // a token list and a URL with a password also leak piece by piece
    if (v.name === 'PARTNERSYNC_TOKENS')
      for (const entry of value.split(',')) out.add(entry.split(':').at(-1)?.trim() ?? '');
    if (URL.canParse(value)) {
      const password = new URL(value).password;
      if (password !== '') out.add(decodeURIComponent(password));
    }
  }
  return [...out].filter((s) => s.length >= MIN_REDACTED_LENGTH);
}
