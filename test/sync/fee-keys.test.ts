// Fixed-fee keys moved from "-:{partnerId}:{period}" to "fee:{partnerId}:{period}" (docs/finance-rules.md §4,
// issue 16 finding 4). A ledger posted before the change keeps its keys: an upgrade posts
// nothing, closed months export byte for byte as before, and a later difference is posted under
// the new key against the balance of the old one (one key, never an accrual-plus-reversal pair).

import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { commissionExport, commissionExportCsv } from '../../src/ledger/exports.ts';
import { closePeriod } from '../../src/ledger/periods.ts';
import { runSync } from '../../src/sync/run-sync.ts';
import { makeWorld, seedCrm, storeTargets, type World } from './helpers.ts';

async function lines(w: World, partnerId: string): Promise<string[]> {
  const all = await w.store.ledgerEntries(w.crm.account, { partnerId });
  return all.map((e) => `${e.key} ${e.kind} ${e.period}<-${e.originalPeriod} ${e.amount}`);
}

/** Rewrites the fixed-fee keys as the code before fee: posted them. */
async function postedBeforeTheChange(w: World): Promise<number> {
  const r = await w.store.db
    .updateTable('ledger_entries')
    .set({ key: sql<string>`'-:' || substr(key, 5)` })
    .where('account', '=', w.crm.account)
    .where('key', 'like', 'fee:%')
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}

describe.each(storeTargets())('fixed-fee keys on $name', (target) => {
  it('an upgrade posts nothing against fixed fees posted under -: keys; later differences use fee: keys', async () => {
    const w = await makeWorld(target);
    seedCrm(w.crm);
    expect((await runSync(w.deps)).status).toBe('succeeded');
    // p3 (comarketing, a fixed fee from 2026-01) as the old code posted it
    expect(await postedBeforeTheChange(w)).toBe(3);
    expect(await lines(w, 'p3')).toEqual([
      '-:p3:2026-01 accrual 2026-01<-2026-01 50000',
      '-:p3:2026-02 accrual 2026-02<-2026-02 50000',
      '-:p3:2026-03 accrual 2026-03<-2026-03 50000',
    ]);
    await closePeriod(w.deps, w.crm.account, '2026-01', 'finance');
    const january = commissionExportCsv(await commissionExport(w.deps, w.crm.account, '2026-01'));
    expect(january).toContain('-:p3:2026-01');

    // the upgrade: the engine now targets fee: keys, the ledger holds -: keys for the same entries
    const upgrade = await runSync(w.deps);
    expect(upgrade.status).toBe('succeeded');
    expect(upgrade.report.ledger.posted).toEqual({ accrual: 0, adjustment: 0, clawback: 0 });
    expect(await lines(w, 'p3')).toHaveLength(3);
    expect(commissionExportCsv(await commissionExport(w.deps, w.crm.account, '2026-01'))).toBe(january);

    // p3 now onboarded in February: January's fee is reversed once, under the new key, in the
    // oldest open month; February and March stay as they are
    w.crm.updatePartner('p3', { onboardedAt: '2026-02-15T00:00:00Z' });
    await runSync(w.deps);
    expect(await lines(w, 'p3')).toEqual([
      '-:p3:2026-01 accrual 2026-01<-2026-01 50000',
      '-:p3:2026-02 accrual 2026-02<-2026-02 50000',
      '-:p3:2026-03 accrual 2026-03<-2026-03 50000',
      'fee:p3:2026-01 adjustment 2026-02<-2026-01 -50000',
    ]);
    // a new month accrues under the new key; nothing else moves
    w.clock.set('2026-04-02T12:00:00Z');
    await runSync(w.deps);
    const after = await lines(w, 'p3');
    expect(after.slice(4)).toEqual(['fee:p3:2026-04 accrual 2026-04<-2026-04 50000']);
    const again = await runSync(w.deps);
    expect(again.report.ledger.posted).toEqual({ accrual: 0, adjustment: 0, clawback: 0 });
    expect(commissionExportCsv(await commissionExport(w.deps, w.crm.account, '2026-01'))).toBe(january);
    await w.store.close();
  });
});
