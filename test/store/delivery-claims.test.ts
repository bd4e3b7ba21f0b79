// Issue 21: two `serve` processes on one PostgreSQL database both run a notification dispatcher.
// A dispatcher claims due deliveries (leases them) in one statement; the rows another
// dispatcher's statement holds at that moment are passed over (FOR UPDATE SKIP LOCKED), so the
// second claimer takes the other due rows instead of waiting for the first and then coming away
// with nothing. Two real connections: a transaction holding rows as a claim in progress does,
// and a store claiming beside it (its lock_timeout turns a wait into an error instead of a hang).

import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { syncFailed } from '../../src/notify/events.ts';
import { queueEvents } from '../../src/notify/plan.ts';
import { openStore } from '../../src/store/open-store.ts';
import { PG_URL, PROGRAM_YAML, testConfig } from '../sync/helpers.ts';

const NOTIFY = `
notifications:
  channels:
    hook: { type: webhook, url: "http://127.0.0.1:9/hooks/a", secretEnv: TEST_HOOK_SECRET }
  routes:
    - { events: [sync.failed], channel: hook }
`;

/** The test database's URL with a lock timeout added to its session options. */
function withLockTimeout(url: string): string {
  const u = new URL(url);
  u.searchParams.set('options', `${u.searchParams.get('options') ?? ''} -c lock_timeout=10000`.trim());
  return u.toString();
}

describe.skipIf(PG_URL === undefined)('claiming notification deliveries from two processes (PostgreSQL)', () => {
  it('a claim passes over the rows another claim holds and takes the other due ones', async () => {
    const url = withLockTimeout(PG_URL ?? '');
    const store = await openStore(url);
    const other = new pg.Client({ connectionString: url });
    await other.connect();
    try {
      const account = `acct-claims-${randomUUID()}`;
      const config = testConfig(PROGRAM_YAML + NOTIFY);
      const at = Date.parse('2026-03-20T12:00:00Z');
      const events = Array.from({ length: 30 }, (_, i) =>
        syncFailed({ runId: `r${String(i)}`, account, mode: 'full', startedAt: 0, finishedAt: 0, error: 'e' }),
      );
      const queued = queueEvents(config.config.notifications, events, {
        at,
        timezone: 'UTC',
        newId: randomUUID,
        runId: null,
      });
      await store.queueNotifications(account, queued, [], at);
      const now = at + 60_000;

      // the other process's claim is under way: it holds the first 20 due rows
      await other.query('begin');
      const held = await other.query<{ id: string }>(
        `select id from notification_deliveries where account = $1 and status = 'pending'
         order by next_attempt_at, id limit 20 for update`,
        [account],
      );
      expect(held.rows).toHaveLength(20);
      const heldIds = new Set(held.rows.map((r) => r.id));

      const mine = await store.claimDeliveries(now, 20, 60_000, 'immediate', account);
      expect(mine).toHaveLength(10);
      expect(mine.filter((d) => heldIds.has(d.id))).toEqual([]);
      await other.query('commit');

      // the rows the other process let go are due and free again; the claimed ones are leased
      const next = await store.claimDeliveries(now, 50, 60_000, 'immediate', account);
      expect(new Set(next.map((d) => d.id))).toEqual(heldIds);

      // two claims at once from two connections never take the same row
      const later = now + 60_000;
      const second = await openStore(url);
      try {
        const [a, b] = await Promise.all([
          store.claimDeliveries(later, 15, 60_000, 'immediate', account),
          second.claimDeliveries(later, 15, 60_000, 'immediate', account),
        ]);
        const ids = [...a, ...b].map((d) => d.id);
        expect(new Set(ids).size).toBe(ids.length);
        expect(ids.length).toBeGreaterThan(0);
      } finally {
        await second.close();
      }
    } finally {
      await other.end();
      await store.close();
    }
  });
});
