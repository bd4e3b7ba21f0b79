// The audit log (issue 18): who did what and when — sign-ins and failed sign-ins, period closes,
// exports and statements downloaded, manual syncs, partner invitations, and a change of the loaded
// config (its hash, actor `config`, at start-up). Recording never fails the action it records: a
// store problem is logged instead.

import { createHash } from 'node:crypto';
import type { LoadedConfig } from '../config/load.ts';
import type { Logger } from '../log.ts';
import type { AuditAction, AuditStore } from '../store/notifications.ts';
import type { Clock } from '../sync/deps.ts';

export interface AuditDeps {
  store: AuditStore;
  clock: Clock;
  logger: Logger;
}

export async function recordAudit(
  deps: AuditDeps,
  action: AuditAction,
  actor: string,
  target: string | null = null,
  detail: Record<string, unknown> = {},
): Promise<void> {
  try {
    await deps.store.appendAudit({ at: deps.clock.now(), actor, action, target, detail });
  } catch (err) {
    deps.logger.error({ err, action, actor, target }, 'audit: the entry could not be recorded');
  }
}

/** SHA-256 of the parsed config (key order and comments do not matter; secrets are never in it). */
export function configHash(config: LoadedConfig): string {
  return createHash('sha256').update(canonicalJson(config.config)).digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object')
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return value === undefined ? 'null' : JSON.stringify(value);
}

/** At start-up: records `config.loaded` when the config's hash differs from the last one recorded. */
export async function recordConfigIfChanged(deps: AuditDeps, config: LoadedConfig): Promise<boolean> {
  const hash = configHash(config);
  const [last] = await deps.store.auditEntries({ action: 'config.loaded', limit: 1 });
  if (last?.detail['hash'] === hash) return false;
  await recordAudit(deps, 'config.loaded', 'config', config.file, {
    hash,
    previousHash: typeof last?.detail['hash'] === 'string' ? last.detail['hash'] : null,
  });
  return true;
}
