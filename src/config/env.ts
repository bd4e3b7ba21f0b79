// The environment: the only place partnersync reads process variables (architecture.md).
// Secrets come only from here; they are never written to config files or logs.

import { z } from 'zod';
import { ConfigError, fromZodIssues } from './errors.ts';

const optional = z.string().trim().min(1).optional();

const envSchema = z.object({
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
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional(),
  NODE_ENV: optional,
  HUBSPOT_ACCESS_TOKEN: optional,
  HUBSPOT_CLIENT_ID: optional,
  HUBSPOT_CLIENT_SECRET: optional,
  HUBSPOT_REFRESH_TOKEN: optional,
  SF_CLIENT_ID: optional,
  SF_CLIENT_SECRET: optional,
  SF_REFRESH_TOKEN: optional,
  SF_USERNAME: optional,
  SF_JWT_KEY: optional,
});

export type Env = z.output<typeof envSchema>;

/** Names of variables whose values must never appear in logs or errors. */
export const SECRET_ENV = [
  'PARTNERSYNC_TOKENS',
  'PARTNERSYNC_SESSION_SECRET',
  'DATABASE_URL',
  'HUBSPOT_ACCESS_TOKEN',
  'HUBSPOT_CLIENT_SECRET',
  'HUBSPOT_REFRESH_TOKEN',
  'SF_CLIENT_SECRET',
  'SF_REFRESH_TOKEN',
  'SF_JWT_KEY',
] as const;

export function readEnv(raw: Readonly<Record<string, string | undefined>>): Env {
  const picked: Record<string, string> = {};
  for (const key of Object.keys(envSchema.shape)) {
    const v = raw[key];
    if (v !== undefined && v !== '') picked[key] = v;
  }
  const result = envSchema.safeParse(picked);
  if (!result.success) throw new ConfigError('environment', fromZodIssues(result.error.issues));
  return result.data;
}
