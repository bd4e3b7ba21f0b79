// The audit log over Kysely: append-only rows (who, what, when), read newest first.

import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { Database } from './schema.ts';
import type { AuditAction, AuditEntry, AuditFilter } from './notifications.ts';

export async function appendAudit(db: Kysely<Database>, entry: Omit<AuditEntry, 'id'>): Promise<AuditEntry> {
  const row = { ...entry, id: randomUUID() };
  await db
    .insertInto('audit_log')
    .values({
      id: row.id,
      // the next number in the log (two instances recording at once may tie: their order is then by id)
      seq: sql<number>`(select coalesce(max(seq), 0) + 1 from audit_log)`,
      at: row.at,
      actor: row.actor,
      action: row.action,
      target: row.target,
      detail: JSON.stringify(row.detail),
    })
    .execute();
  return row;
}

export async function auditEntries(db: Kysely<Database>, f: AuditFilter): Promise<AuditEntry[]> {
  let q = db.selectFrom('audit_log').selectAll();
  if (f.action !== undefined) q = q.where('action', '=', f.action);
  if (f.actor !== undefined) q = q.where('actor', '=', f.actor);
  if (f.from !== undefined) q = q.where('at', '>=', f.from);
  if (f.to !== undefined) q = q.where('at', '<', f.to);
  const rows = await q.orderBy('at', 'desc').orderBy('seq', 'desc').orderBy('id', 'desc').limit(f.limit).execute();
  return rows.map((r) => ({
    id: r.id,
    at: typeof r.at === 'number' ? r.at : Number(r.at),
    actor: r.actor,
    action: r.action as AuditAction,
    target: r.target,
    detail: JSON.parse(r.detail) as Record<string, unknown>,
  }));
}
