// The audit log as CSV (the dashboard's export and GET /v1/audit?format=csv): one row per entry,
// times in ISO 8601 UTC, cells neutralised for spreadsheets like every export.

import type { AuditEntry } from '../store/notifications.ts';
import { toCsv } from '../sync/csv.ts';

export function auditCsv(entries: readonly AuditEntry[]): string {
  return toCsv(
    ['at', 'actor', 'action', 'target', 'detail'],
    entries.map((e) => [new Date(e.at).toISOString(), e.actor, e.action, e.target, JSON.stringify(e.detail)]),
  );
}

export const auditJson = (e: AuditEntry): Record<string, unknown> => ({
  id: e.id,
  at: new Date(e.at).toISOString(),
  actor: e.actor,
  action: e.action,
  target: e.target,
  detail: e.detail,
});
