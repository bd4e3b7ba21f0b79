// The ledger is safe by itself (issue 16): every lock acquisition raises the account's lease epoch
// (the fence), and a run holding an older epoch — or whose PostgreSQL lock session died — posts
// nothing and writes nothing more; it is recorded `failed` with "lost the account". A lock that
// grants twice (as a broken lock did) is simulated with a store whose lock always grants: only the
// fence then keeps the two runs apart.

import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { AccountLostError, LedgerMovedError } from '../../src/ledger/errors.ts';
import { raiseEpoch, type AccountLock } from '../../src/store/account-lock.ts';
import { KyselyStore } from '../../src/store/kysely-store.ts';
import type { PausePoint, SyncDeps } from '../../src/sync/deps.ts';
import { runSync, type SyncResult } from '../../src/sync/run-sync.ts';
import { makeWorld, PG_URL, seedCrm, storeTargets, type StoreTarget, type World } from './helpers.ts';

/** The same store, but its lock grants every request (each still raises the lease epoch). */
function doubleGrantingStore(w: World): KyselyStore {
  const db = w.store.db;
  return new KyselyStore(db, {
    kind: w.store.kind === 'postgres' ? 'postgres' : 'sqlite',
    lock: async (account) => ({
      fence: { account, epoch: await raiseEpoch(db, account, Date.now()), session: null },
      lost: () => null,
      release: () => Promise.resolve(),
    }),
    destroy: () => Promise.resolve(),
  });
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = (): void => undefined;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

const postedCount = (r: SyncResult): number => Object.values(r.report.ledger.posted).reduce((s, n) => s + n, 0);

async function ledgerOf(w: World): Promise<string[]> {
  return (await w.store.ledgerEntries(w.crm.account, {}))
    .map((e) => `${e.key} ${e.kind} ${e.period} ${e.amount}`)
    .sort();
}

/** The ledger one undisturbed run posts for the seeded CRM. */
async function cleanLedger(target: StoreTarget): Promise<string[]> {
  const clean = await makeWorld(target);
  try {
    seedCrm(clean.crm);
    expect((await runSync(clean.deps)).status).toBe('succeeded');
    return await ledgerOf(clean);
  } finally {
    await clean.store.close();
  }
}

describe.each(storeTargets())('fenced ledger on $name', (target) => {
  it('two syncs forced to plan from the same ledger: one posts, the other posts nothing', async () => {
    const w = await makeWorld(target);
    seedCrm(w.crm);
    const store = doubleGrantingStore(w);
    // a barrier between planning and posting: neither posts before both have planned
    const planned = [deferred(), deferred()] as const;
    const both = Promise.all(planned.map((d) => d.promise));
    const deps = (i: 0 | 1): SyncDeps => ({
      ...w.deps,
      store,
      pause: async (point: PausePoint) => {
        if (point !== 'ledger-planned') return;
        planned[i].resolve();
        await both;
      },
    });
    const first = runSync(deps(0));
    await planned[0].promise; // the first has planned before the second takes the account
    const [a, b] = await Promise.all([first, runSync(deps(1))]);

    expect(a.status).toBe('failed');
    expect(a.report.error).toMatch(/^lost the account/);
    expect(postedCount(a)).toBe(0);
    expect(b.status).toBe('succeeded');
    expect(postedCount(b)).toBeGreaterThan(0);
    expect(await ledgerOf(w)).toEqual(await cleanLedger(target));
    const run = await w.store.getRun(a.runId);
    expect(run?.status).toBe('failed');
    expect(run?.report['error']).toMatch(/^lost the account/);
    await w.store.close();
  });

  for (const point of ['write-batch', 'tasks'] as const) {
    it(`a run that loses the account before ${point === 'tasks' ? 'creating tasks' : 'a CRM write batch'} stops without writing`, async () => {
      const w = await makeWorld(target);
      seedCrm(w.crm);
      const store = doubleGrantingStore(w);
      const before = w.crm.writtenState();
      const result = await runSync({
        ...w.deps,
        store,
        pause: async (p) => {
          // another process takes the account at this moment
          if (p === point) await store.lock(w.crm.account, 0);
        },
      });
      expect(result.status).toBe('failed');
      expect(result.report.error).toMatch(/^lost the account/);
      expect(w.crm.tasks).toHaveLength(0);
      if (point === 'write-batch') {
        expect(w.crm.writtenState()).toEqual(before);
        expect(result.report.writeBack.partners + result.report.writeBack.deals).toBe(0);
      }
      await w.store.close();
    });
  }

  it('refuses a posting or a period close with an old fence, and a posting planned from an older ledger', async () => {
    const w = await makeWorld(target);
    const account = w.crm.account;
    const store = doubleGrantingStore(w);
    const old = await store.lock(account, 0);
    const current = await store.lock(account, 0);
    const close = { period: '2026-01', closedAt: 1, closedBy: 'test' };
    await expect(store.closePeriod(old.fence, close)).rejects.toBeInstanceOf(AccountLostError);
    await expect(store.postEntries(old.fence, 'r', [], 1, { seq: 0, closes: 0 })).rejects.toBeInstanceOf(
      AccountLostError,
    );
    await store.closePeriod(current.fence, close);
    await expect(store.postEntries(current.fence, 'r', [], 1, { seq: 0, closes: 0 })).rejects.toBeInstanceOf(
      LedgerMovedError,
    );
    expect((await store.ledgerView(account)).version).toEqual({ seq: 0, closes: 1 });
    await w.store.close();
  });

  it('refuses to record or clear write refusals with an old fence (issue 21)', async () => {
    const w = await makeWorld(target);
    const account = w.crm.account;
    const store = doubleGrantingStore(w);
    const refusal = (recordId: string, runId: string) => ({
      object: 'partner' as const,
      ...{ recordId, fields: { tier: 'gold' }, properties: ['tier'], message: 'refused', runId, at: 1 },
    });
    const old = await store.lock(account, 0);
    await store.saveRefusals(account, [refusal('p1', 'old')], [], old.fence);
    const current = await store.lock(account, 0);
    // the run that lost the account neither adds a refusal nor clears the one the new holder relies on
    await expect(store.saveRefusals(account, [refusal('p2', 'old')], [], old.fence)).rejects.toBeInstanceOf(
      AccountLostError,
    );
    await expect(
      store.saveRefusals(account, [], [{ object: 'partner', recordId: 'p1' }], old.fence),
    ).rejects.toBeInstanceOf(AccountLostError);
    expect((await store.writeRefusals(account)).map((r) => `${r.recordId} ${r.runId}`)).toEqual(['p1 old']);
    await store.saveRefusals(account, [refusal('p2', 'new')], [{ object: 'partner', recordId: 'p1' }], current.fence);
    expect((await store.writeRefusals(account)).map((r) => `${r.recordId} ${r.runId}`)).toEqual(['p2 new']);
    await w.store.close();
  });
});

describe.skipIf(PG_URL === undefined)('PostgreSQL lock session lost mid-run', () => {
  const [, postgres] = storeTargets();

  it('the first run stops with "lost the account", the second completes, the ledger equals a clean run’s', async () => {
    if (postgres === undefined) throw new Error('no PostgreSQL target');
    const w = await makeWorld(postgres);
    seedCrm(w.crm);
    // remember the locks the runs take, to end the first one's session as a server restart would
    const locks: AccountLock[] = [];
    const lockOf = w.store.lock.bind(w.store);
    w.store.lock = async (account, waitMs) => {
      const lock = await lockOf(account, waitMs);
      locks.push(lock);
      return lock;
    };
    const planned = deferred();
    const resume = deferred();
    const first = runSync({
      ...w.deps,
      pause: async (point) => {
        if (point !== 'ledger-planned') return;
        planned.resolve();
        await resume.promise;
      },
    });
    await planned.promise;
    const session = locks[0]?.fence.session ?? null;
    expect(session).not.toBeNull();
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    try {
      await admin.query('select pg_terminate_backend($1, 10000)', [session]);
    } finally {
      await admin.end();
    }
    // (with a timeout, pg_terminate_backend waits until the session has ended) the server released
    // the advisory lock with the session: the second sync takes it
    const second = await runSync(w.deps, { lockWaitMs: 10_000 });
    resume.resolve();
    const a = await first;

    expect(second.status).toBe('succeeded');
    expect(postedCount(second)).toBeGreaterThan(0);
    expect(a.status).toBe('failed');
    expect(a.report.error).toMatch(/^lost the account/);
    expect(postedCount(a)).toBe(0);
    expect(locks[0]?.lost()).toMatch(/lock session ended/);
    expect(await ledgerOf(w)).toEqual(await cleanLedger(postgres));
    expect((await w.store.getRun(a.runId))?.status).toBe('failed');
    await w.store.close();
  });

  it('a run whose lock session died stops at its next fenced step even when nobody took the account', async () => {
    if (postgres === undefined) throw new Error('no PostgreSQL target');
    const w = await makeWorld(postgres);
    seedCrm(w.crm);
    const locks: AccountLock[] = [];
    const lockOf = w.store.lock.bind(w.store);
    w.store.lock = async (account, waitMs) => {
      const lock = await lockOf(account, waitMs);
      locks.push(lock);
      return lock;
    };
    const result = await runSync({
      ...w.deps,
      pause: async (point) => {
        if (point !== 'ledger-planned') return;
        const admin = new pg.Client({ connectionString: PG_URL });
        await admin.connect();
        await admin.query('select pg_terminate_backend($1, 10000)', [locks[0]?.fence.session]);
        await admin.end();
      },
    });
    // the run is recorded failed, and releasing its dead lock did not throw out of runSync
    expect(result.status).toBe('failed');
    expect(result.report.error).toMatch(/^lost the account/);
    expect(await w.store.ledgerEntries(w.crm.account, {})).toEqual([]);
    // the account is free again: the next run posts everything
    const next = await runSync(w.deps, { lockWaitMs: 10_000 });
    expect(next.status).toBe('succeeded');
    expect(await ledgerOf(w)).toEqual(await cleanLedger(postgres));
    await w.store.close();
  });
});
