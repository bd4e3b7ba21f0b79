// Issue 21 item 3: the running total per ledger key (migration 012) that lets a run read balances
// only for keys whose target moved. It must equal the sum of the posted entries per current key
// (fixed fees under both spellings, manual entries left out), whoever posted them, and the
// migration must fill it from entries posted before it existed.

import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { financeAudit } from '../../src/audit/finance-audit.ts';
import { balancesByCurrentKey, isManualKey } from '../../src/ledger/keys.ts';
import { approveAdjustment, proposeAdjustment } from '../../src/ledger/manual.ts';
import { silentLogger } from '../../src/log.ts';
import { fillLedgerKeyTotals } from '../../src/store/migrations.ts';
import { runSync } from '../../src/sync/run-sync.ts';
import { deal, makeWorld, seedCrm, storeTargets, type World } from '../sync/helpers.ts';

async function totals(w: World): Promise<Record<string, string>> {
  const rows = await w.store.db
    .selectFrom('ledger_key_totals')
    .select(['key', 'posted'])
    .where('account', '=', w.crm.account)
    .where('posted', '<>', 0)
    .orderBy('key')
    .execute();
  return Object.fromEntries(rows.map((r) => [r.key, String(r.posted)]));
}

/** What the planner sums per key from every entry (src/ledger/keys.ts), zero totals left out. */
async function fromEntries(w: World): Promise<Record<string, string>> {
  const balances = new Map(
    [...(await w.store.keyBalances(w.crm.account))].filter(([, b]) => b.last.kind !== 'manual' && !isManualKey(b.key)),
  );
  return Object.fromEntries(
    [...balancesByCurrentKey(balances)]
      .filter(([, b]) => b.posted !== 0n)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([k, b]) => [k, b.posted.toString()]),
  );
}

describe.each(storeTargets())('ledger key totals on $name', (target) => {
  it('follow every posting (sync and manual) and are rebuilt from the entries by the fill of migration 012', async () => {
    const w = await makeWorld(target);
    seedCrm(w.crm);
    expect((await runSync(w.deps)).status).toBe('succeeded');
    // fixed fees posted under the old spelling, as fee-keys.test.ts does
    await w.store.db
      .updateTable('ledger_entries')
      .set({ key: sql<string>`'-:' || substr(key, 5)` })
      .where('account', '=', w.crm.account)
      .where('key', 'like', 'fee:%')
      .execute();
    w.crm.updateDeal('d1', { amount: '12000.00' });
    w.crm.deleteDeal('d2');
    w.crm.upsertDeal(deal('d9', { amount: '700.00', closedAt: '2026-03-11T00:00:00Z' }));
    w.clock.set('2026-04-02T08:00:00Z'); // a new month: another fixed fee, now under fee:
    expect((await runSync(w.deps)).status).toBe('succeeded');
    const fd = {
      ...w.deps,
      store: w.store,
      audit: financeAudit({ store: w.store, clock: w.clock, logger: silentLogger() }, 'cli'),
    };
    const a = await proposeAdjustment(
      fd,
      w.crm.account,
      { partnerId: 'p1', amount: '250.00', reason: 'goodwill', description: 'Goodwill', period: '2026-03' },
      'ana',
    );
    await approveAdjustment(fd, w.crm.account, a.id, 'ben');

    const expected = await fromEntries(w);
    expect(Object.keys(expected)).toContain('fee:p3:2026-01');
    expect(Object.keys(expected)).toContain('fee:p3:2026-04');
    expect(Object.keys(expected).some((k) => k.startsWith('manual:'))).toBe(false);
    expect(await totals(w)).toEqual(expected);

    // the migration's fill, from the entries alone
    // (this account's rows only: PostgreSQL test files share the database)
    await w.store.db.deleteFrom('ledger_key_totals').where('account', '=', w.crm.account).execute();
    expect(await totals(w)).toEqual({});
    await fillLedgerKeyTotals(w.store.db, w.crm.account);
    expect(await totals(w)).toEqual(expected);

    // and a run after it posts nothing new
    const again = await runSync(w.deps);
    expect(again.report.ledger.posted).toEqual({ accrual: 0, adjustment: 0, clawback: 0 });
    expect(again.report.ledger.keys?.planned).toBe(0);
    await w.store.close();
  });
});
