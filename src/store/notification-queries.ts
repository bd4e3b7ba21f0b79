// The notification outbox over Kysely (SQLite and PostgreSQL alike). Events and deliveries are
// queued in the caller's transaction when there is one (a sync's alert step), so an alert episode
// and its notifications commit together; the dispatcher leases due deliveries with one UPDATE …
// RETURNING, whose WHERE re-checks the lease so two instances never take the same row.

import { PostgresAdapter, type Insertable, type Kysely, type Selectable, type Transaction } from 'kysely';
import type { Database, NotificationDeliveryRow, NotificationEventRow } from './schema.ts';
import type {
  ClaimKind,
  ClaimedDelivery,
  DeliveryOutcome,
  DeliveryRecord,
  NewDelivery,
  NotificationEventRecord,
  NotificationFilter,
  QueuedEvent,
} from './notifications.ts';
import { toNum } from './row-values.ts';

type Db = Kysely<Database> | Transaction<Database>;

const numOrNull = (v: bigint | number | string | null): number | null => (v === null ? null : toNum(v));

function eventFromRow(r: Selectable<NotificationEventRow>): NotificationEventRecord {
  return {
    id: r.id,
    account: r.account,
    key: r.key,
    type: r.type,
    data: JSON.parse(r.data) as Record<string, unknown>,
    runId: r.run_id,
    createdAt: toNum(r.created_at),
  };
}

function deliveryFromRow(r: Selectable<NotificationDeliveryRow>): DeliveryRecord {
  return {
    id: r.id,
    account: r.account,
    eventId: r.event_id,
    channel: r.channel,
    recipient: r.recipient,
    mode: r.mode,
    status: r.status,
    attempts: r.attempts,
    nextAttemptAt: toNum(r.next_attempt_at),
    lastError: r.last_error,
    sentAt: numOrNull(r.sent_at),
    messageId: r.message_id,
    parentId: r.parent_id,
    createdAt: toNum(r.created_at),
  };
}

const deliveryRow = (
  account: string,
  eventId: string,
  d: NewDelivery,
  at: number,
  parentId: string | null,
): Insertable<NotificationDeliveryRow> => ({
  id: d.id,
  account,
  event_id: eventId,
  channel: d.channel,
  recipient: d.recipient,
  mode: d.mode,
  status: 'pending',
  attempts: 0,
  next_attempt_at: d.dueAt,
  locked_until: null,
  last_error: null,
  sent_at: null,
  message_id: null,
  parent_id: parentId,
  created_at: at,
});

/** Inserts events (keys not queued before) and their deliveries; answers how many events were new. */
export async function insertQueued(db: Db, account: string, events: readonly QueuedEvent[]): Promise<number> {
  // a few statements per 200 events rather than two per event: a first sync may queue hundreds
  const known = new Set<string>();
  const keys = [...new Set(events.map((q) => q.event.key))];
  for (let i = 0; i < keys.length; i += 500) {
    const rows = await db
      .selectFrom('notification_events')
      .select('key')
      .where('account', '=', account)
      .where('key', 'in', keys.slice(i, i + 500))
      .execute();
    for (const r of rows) known.add(r.key);
  }
  const fresh: QueuedEvent[] = [];
  for (const q of events) {
    if (known.has(q.event.key)) continue;
    known.add(q.event.key);
    fresh.push(q);
  }
  for (let i = 0; i < fresh.length; i += 200) {
    const part = fresh.slice(i, i + 200);
    await db
      .insertInto('notification_events')
      .values(
        part.map((q) => ({
          id: q.event.id,
          account,
          key: q.event.key,
          type: q.event.type,
          data: JSON.stringify(q.event.data),
          run_id: q.event.runId,
          created_at: q.event.createdAt,
        })),
      )
      .execute();
    const deliveries = part.flatMap((q) =>
      q.deliveries.map((d) => deliveryRow(account, q.event.id, d, q.event.createdAt, null)),
    );
    for (let j = 0; j < deliveries.length; j += 200)
      await db
        .insertInto('notification_deliveries')
        .values(deliveries.slice(j, j + 200))
        .execute();
  }
  return fresh.length;
}

export async function setState(
  db: Db,
  account: string,
  values: readonly { name: string; value: string }[],
  at: number,
): Promise<void> {
  for (const v of values) {
    await db
      .insertInto('notification_state')
      .values({ account, name: v.name, value: v.value, updated_at: at })
      .onConflict((oc) => oc.columns(['account', 'name']).doUpdateSet({ value: v.value, updated_at: at }))
      .execute();
  }
}

export async function getState(db: Db, account: string, name: string): Promise<string | null> {
  const row = await db
    .selectFrom('notification_state')
    .select('value')
    .where('account', '=', account)
    .where('name', '=', name)
    .executeTakeFirst();
  return row?.value ?? null;
}

/** Recipients the CRM must name before anything is sent (expanded by the dispatcher). */
const INDIRECT = ['owner', 'partner-contacts'];

export async function claimDeliveries(
  db: Kysely<Database>,
  now: number,
  limit: number,
  leaseMs: number,
  kind: ClaimKind,
  account: string | undefined,
): Promise<ClaimedDelivery[]> {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  const rows = await db
    .updateTable('notification_deliveries')
    .set({ locked_until: now + leaseMs })
    .where('id', 'in', (eb) => {
      let q = eb
        .selectFrom('notification_deliveries')
        .select('id')
        .where('status', '=', 'pending')
        .where('next_attempt_at', '<=', now)
        .where((w) => w.or([w('locked_until', 'is', null), w('locked_until', '<=', now)]));
      if (account !== undefined) q = q.where('account', '=', account);
      q =
        kind === 'indirect'
          ? q.where('recipient', 'in', INDIRECT)
          : q.where('recipient', 'not in', INDIRECT).where('mode', '=', kind);
      q = q.orderBy('next_attempt_at').orderBy('id').limit(limit);
      // PostgreSQL: rows another dispatcher (another `serve` on the same database) is claiming at
      // this moment are passed over, not waited for — a claimer that waited would then find them
      // leased and come away with nothing while other deliveries were due (issue 21). SQLite's
      // writes are one at a time already.
      return postgres ? q.forUpdate().skipLocked() : q;
    })
    .where('status', '=', 'pending')
    .where((w) => w.or([w('locked_until', 'is', null), w('locked_until', '<=', now)]))
    .returningAll()
    .execute();
  if (rows.length === 0) return [];
  const events = new Map<string, NotificationEventRecord>();
  const ids = [...new Set(rows.map((r) => r.event_id))];
  for (let i = 0; i < ids.length; i += 500) {
    const found = await db
      .selectFrom('notification_events')
      .selectAll()
      .where('id', 'in', ids.slice(i, i + 500))
      .execute();
    for (const e of found) events.set(e.id, eventFromRow(e));
  }
  return rows
    .map(deliveryFromRow)
    .sort((a, b) => a.nextAttemptAt - b.nextAttemptAt || a.id.localeCompare(b.id))
    .flatMap((d) => {
      const event = events.get(d.eventId);
      return event === undefined ? [] : [{ ...d, event }];
    });
}

export async function expandDelivery(
  db: Kysely<Database>,
  parentId: string,
  children: readonly NewDelivery[],
  at: number,
  reason: string,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const parent = await trx
      .selectFrom('notification_deliveries')
      .selectAll()
      .where('id', '=', parentId)
      .executeTakeFirst();
    if (parent?.status !== 'pending') return;
    for (const child of children) {
      // a re-expansion after a crash derives the same ids: nothing is added twice
      await trx
        .insertInto('notification_deliveries')
        .values(deliveryRow(parent.account, parent.event_id, child, at, parentId))
        .onConflict((oc) => oc.doNothing())
        .execute();
    }
    await trx
      .updateTable('notification_deliveries')
      .set({
        status: children.length === 0 ? 'skipped' : 'expanded',
        locked_until: null,
        last_error: children.length === 0 ? reason : null,
      })
      .where('id', '=', parentId)
      .execute();
  });
}

export async function settleDeliveries(
  db: Kysely<Database>,
  outcomes: readonly DeliveryOutcome[],
  at: number,
): Promise<void> {
  if (outcomes.length === 0) return;
  await db.transaction().execute(async (trx) => {
    for (const o of outcomes) {
      const q = trx.updateTable('notification_deliveries').where('id', '=', o.id);
      if (o.status === 'sent') {
        await q
          .set((eb) => ({
            status: 'sent',
            sent_at: at,
            message_id: o.messageId,
            attempts: eb('attempts', '+', 1),
            locked_until: null,
            last_error: null,
          }))
          .execute();
      } else if (o.status === 'pending') {
        await q
          .set((eb) => ({
            next_attempt_at: o.nextAttemptAt,
            attempts: eb('attempts', '+', 1),
            locked_until: null,
            last_error: o.error,
          }))
          .execute();
      } else {
        await q
          .set((eb) => ({
            status: o.status,
            attempts: o.status === 'failed' ? eb('attempts', '+', 1) : eb.ref('attempts'),
            locked_until: null,
            last_error: o.error,
          }))
          .execute();
      }
    }
  });
}

export async function listNotifications(
  db: Kysely<Database>,
  f: NotificationFilter,
): Promise<{ event: NotificationEventRecord; deliveries: DeliveryRecord[] }[]> {
  let q = db.selectFrom('notification_events').selectAll();
  if (f.account !== undefined) q = q.where('account', '=', f.account);
  if (f.type !== undefined) q = q.where('type', '=', f.type);
  if (f.before !== undefined) q = q.where('created_at', '<', f.before);
  const status = f.status;
  if (status !== undefined)
    q = q.where('id', 'in', (eb) =>
      eb.selectFrom('notification_deliveries').select('event_id').where('status', '=', status),
    );
  const events = (await q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(f.limit).execute()).map(
    eventFromRow,
  );
  if (events.length === 0) return [];
  const rows = await db
    .selectFrom('notification_deliveries')
    .selectAll()
    .where(
      'event_id',
      'in',
      events.map((e) => e.id),
    )
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  const byEvent = new Map<string, DeliveryRecord[]>();
  for (const r of rows) byEvent.set(r.event_id, [...(byEvent.get(r.event_id) ?? []), deliveryFromRow(r)]);
  return events.map((event) => ({ event, deliveries: byEvent.get(event.id) ?? [] }));
}
