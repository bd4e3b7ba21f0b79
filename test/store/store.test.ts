// The store on SQLite and PostgreSQL: migrations (fresh database, re-open is a no-op), what a
// write-back leaves in the cache, and the per-account lock (a second sync is refused while one runs; a dead holder's SQLite lock file is
// taken over).

import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { LockBusyError, lockFilePath } from '../../src/store/account-lock.ts';
import { MIGRATIONS } from '../../src/store/migrations.ts';
import { openStore, sqliteFileOf } from '../../src/store/open-store.ts';
import { runSync } from '../../src/sync/run-sync.ts';
import { deal, makeWorld, partner, PG_URL, seedCrm, storeTargets } from '../sync/helpers.ts';

/** A fresh, empty PostgreSQL database for migration tests (dropped afterwards). */
async function freshPgDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `partnersync_mig_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(PG_URL ?? '');
  url.pathname = `/${name}`;
  // a database of its own: the run's schema (test/setup/postgres-schema.ts) is not in it
  url.searchParams.delete('options');
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: PG_URL });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

describe.each(storeTargets())('store on $name', (target) => {
  it('migrates an empty database to the latest version, and re-opening applies nothing', async () => {
    const fresh =
      target.name === 'postgres' ? await freshPgDatabase() : { url: target.url(), drop: () => Promise.resolve() };
    try {
      const store = await openStore(fresh.url);
      expect(await store.migrations()).toEqual(Object.keys(MIGRATIONS));
      await store.ensureAccount('a', 'fake', 1);
      await store.close();
      const again = await openStore(fresh.url);
      expect(await again.migrations()).toEqual(Object.keys(MIGRATIONS));
      expect(await again.listAccounts()).toEqual([{ account: 'a', provider: 'fake' }]);
      await again.close();
    } finally {
      await fresh.drop();
    }
  });

  it('keeps money exact beyond 32 bits and round-trips entries', async () => {
    const w = await makeWorld(target);
    const big = 9_007_199_254_740_000n;
    const account = `acct-big-${randomUUID()}`;
    const lock = await w.store.lock(account, 0);
    await w.store.postEntries(
      lock.fence,
      'run-1',
      [
        {
          key: 'd:p:2026-01',
          kind: 'accrual',
          period: '2026-01',
          originalPeriod: '2026-01',
          partnerId: 'p',
          partnerName: 'P',
          dealId: 'd',
          dealName: 'D',
          amount: big,
          payableAt: 1,
          payableOn: '2026-01-01',
          reason: 'r',
          inputs: {
            recipe: 'r',
            plan: 'p',
            planType: 'percent',
            basis: null,
            rateBps: 1,
            tier: null,
            wonDealsForTier: null,
            dealAmount: null,
            dealCurrency: null,
            exchangeRate: null,
            baseAmount: null,
            attributionModel: 'sourced',
            role: null,
            commission: '0',
            instalment: 1,
            instalments: 1,
            capped: false,
            target: '0',
            dealClosedAt: null,
            clawbackDays: 0,
          },
        },
      ],
      5,
      { seq: 0, closes: 0 },
    );
    await lock.release();
    const [e] = await w.store.ledgerEntries(account, {});
    expect(e?.amount).toBe(big);
    expect(e?.seq).toBe(1);
    await w.store.close();
  });

  it('remembers what a write-back wrote, across chunks, and expires registrations', async () => {
    const w = await makeWorld(target);
    const account = `acct-written-${randomUUID()}`;
    const state = { cursor: null, pullId: 'pull-1', mode: 'full' as const, done: false, pages: 0 };
    const registration = {
      partnerId: 'p1',
      status: 'approved' as const,
      submittedAt: '2026-02-01T00:00:00Z',
      decidedAt: '2026-02-02T00:00:00Z',
      expiresAt: '2026-03-01T00:00:00Z',
    };
    const deals = Array.from({ length: 450 }, (_, i) =>
      deal(`d${i}`, { written: { attributionSummary: 'old' }, ...(i === 7 ? { registration } : {}) }),
    );
    const lock = await w.store.lock(account, 0);
    await w.store.beginPull(account, state, 1, lock.fence);
    await w.store.applyPage(
      account,
      state,
      {
        partners: [partner('p1', { written: { healthScore: '10', tierEarned: 'silver' } }), partner('p2')],
        deals,
        links: [],
        removedDealIds: [],
        removedPartnerIds: [],
        cursor: {},
      },
      2,
      lock.fence,
    );
    await w.store.updateWritten(
      account,
      {
        partners: [
          { id: 'p1', fields: { healthScore: '55' } },
          { id: 'gone', fields: { healthScore: '1' } },
        ],
        deals: [
          { id: 'd3', fields: { attributionSummary: 'new' }, expireRegistration: false }, // twice in one chunk
          ...deals.map((d, i) => ({ id: d.id, fields: { commissionAmount: `${i}.00` }, expireRegistration: i === 7 })),
          { id: 'gone', fields: { commissionAmount: '1.00' }, expireRegistration: false },
        ],
      },
      3,
      lock.fence,
    );
    await lock.release();
    const cache = await w.store.loadCache(account);
    const p1 = cache.partners.find((p) => p.id === 'p1');
    expect(p1?.written).toEqual({ healthScore: '55', tierEarned: 'silver' });
    expect(cache.partners.find((p) => p.id === 'p2')?.written).toEqual({});
    expect(cache.partners.map((p) => p.id).sort()).toEqual(['p1', 'p2']);
    expect(cache.deals).toHaveLength(450);
    const byId = new Map(cache.deals.map((d) => [d.id, d]));
    expect(byId.get('d0')?.written).toEqual({ attributionSummary: 'old', commissionAmount: '0.00' });
    expect(byId.get('d449')?.written).toEqual({ attributionSummary: 'old', commissionAmount: '449.00' });
    expect(byId.get('d3')?.written).toEqual({ attributionSummary: 'new', commissionAmount: '3.00' });
    expect(byId.get('d7')?.registration).toEqual({ ...registration, status: 'expired' });
    expect(byId.get('d8')?.registration).toBeNull();
    expect(byId.get('d8')?.name).toBe('Deal d8');
    await w.store.close();
  });

  it('loads the cache a page at a time: every record once, in id order, past several pages', async () => {
    // issue 21 memory: loadCache reads 5,000 rows at a time after the last id read
    const w = await makeWorld(target);
    const account = `acct-pages-${randomUUID()}`;
    const state = { cursor: null, pullId: 'pull-1', mode: 'full' as const, done: false, pages: 0 };
    const deals = Array.from({ length: 12_001 }, (_, i) => deal(`d${(i * 7919) % 12_001}`, { amount: `${i}.00` }));
    const lock = await w.store.lock(account, 0);
    await w.store.beginPull(account, state, 1, lock.fence);
    const page = { partners: [partner('p1')], deals, links: [], removedDealIds: [], removedPartnerIds: [], cursor: {} };
    await w.store.applyPage(account, state, page, 2, lock.fence);
    await lock.release();
    const cache = await w.store.loadCache(account);
    expect(cache.partners.map((p) => p.id)).toEqual(['p1']);
    expect(cache.deals).toHaveLength(12_001);
    const ids = cache.deals.map((d) => d.id);
    expect(new Set(ids).size).toBe(12_001);
    // the ids are of one shape (d and digits), so the store's order is the code-unit order
    expect(ids).toEqual([...ids].sort());
    const byId = new Map(deals.map((d) => [d.id, d]));
    expect(cache.deals.every((d) => d.amount === byId.get(d.id)?.amount)).toBe(true);
    await w.store.close();
  });

  it('settles write intents and resolves alert episodes by id, in chunks, leaving the others as they were', async () => {
    // issue 21: these updates find rows by id (the primary key), not through the account's other indexes
    const w = await makeWorld(target);
    const account = `acct-settle-${randomUUID()}`;
    const lock = await w.store.lock(account, 0);
    const intents = Array.from({ length: 1203 }, (_, i) => ({
      id: randomUUID(),
      object: 'deal' as const,
      recordId: `d${i}`,
      fields: { commission: i },
    }));
    await w.store.recordWrites(account, 'run-1', intents, 1, lock.fence);
    await w.store.settleWrites(
      account,
      intents.slice(0, 1100).map((x) => x.id),
      [{ id: intents[1100]?.id ?? '', reason: 'refused' }],
      2,
      lock.fence,
    );
    const rows = await w.store.db
      .selectFrom('write_state')
      .select(['status', (eb) => eb.fn.countAll<string | number>().as('n')])
      .where('account', '=', account)
      .groupBy('status')
      .orderBy('status')
      .execute();
    expect(rows.map((r) => [r.status, Number(r.n)])).toEqual([
      ['done', 1100],
      ['failed', 1],
      ['pending', 102],
    ]);
    const episode = (i: number) => ({
      id: `ep-${account}-${i}`,
      alertKey: `k${i}`,
      code: 'STALE_PARTNER',
      severity: 'warning',
      partnerId: `p${i}`,
      dealId: null,
      recipe: null,
      message: `m${i}`,
      detail: {},
    });
    const changes = { runId: 'run-1', at: 3, update: [], partnerStates: [], tasks: [] };
    await w.store.applyAlerts(
      account,
      { ...changes, open: Array.from({ length: 600 }, (_, i) => episode(i)), resolve: [] },
      lock.fence,
    );
    await w.store.applyAlerts(
      account,
      { ...changes, at: 4, open: [], resolve: Array.from({ length: 598 }, (_, i) => episode(i).id) },
      lock.fence,
    );
    expect((await w.store.openEpisodes(account)).map((e) => e.alertKey).sort()).toEqual(['k598', 'k599']);
    await lock.release();
    await w.store.close();
  });

  it('refuses a second sync of the same account while one holds the lock, then runs', async () => {
    const w = await makeWorld(target);
    seedCrm(w.crm);
    const lock = await w.store.lock(w.crm.account, 0);
    await expect(runSync(w.deps)).rejects.toBeInstanceOf(LockBusyError);
    expect(await w.store.listRuns(w.crm.account, 10)).toEqual([]);
    await lock.release();
    expect((await runSync(w.deps)).status).toBe('succeeded');
    await w.store.close();
  });

  it('runs two syncs at once: one runs, the other is refused, nothing is posted twice', async () => {
    const w = await makeWorld(target);
    seedCrm(w.crm);
    const results = await Promise.allSettled([runSync(w.deps), runSync(w.deps)]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'rejected' && r.reason instanceof LockBusyError)).toHaveLength(1);
    const keys = (await w.store.ledgerEntries(w.crm.account, {})).map((e) => e.key);
    expect(new Set(keys).size).toBe(keys.length);
    await w.store.close();
  });
});

describe('SQLite lock file', () => {
  it('takes over a lock file left by a dead process', async () => {
    const [sqlite] = storeTargets();
    if (!sqlite) throw new Error('no sqlite target');
    const url = sqlite.url();
    const w = await makeWorld(sqlite, { url });
    seedCrm(w.crm);
    const file = lockFilePath(sqliteFileOf(url, process.cwd()), w.crm.account);
    // pid 2^22 + 1 is above Linux's pid_max default: no such process
    writeFileSync(
      file,
      JSON.stringify({ pid: 4_194_305, host: (await import('node:os')).hostname(), since: '2026-01-01T00:00:00Z' }),
    );
    expect((await runSync(w.deps)).status).toBe('succeeded');
    // a live holder (this process, another "run") is respected
    writeFileSync(
      file,
      JSON.stringify({ pid: process.ppid, host: (await import('node:os')).hostname(), since: '2026-01-01T00:00:00Z' }),
    );
    await expect(runSync(w.deps)).rejects.toBeInstanceOf(LockBusyError);
    await w.store.close();
  });
});
