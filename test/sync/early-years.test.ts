// The ledger in years 0000–0099 (issue 16, finding 5): a deal won on 0001-01-01 is booked in
// 0001-01 (not 1900-12), and losing it weeks later is a clawback inside its window; the same at
// 0099-12-31. The fake CRM hands the dates over as written (the CRM adapters refuse such dates
// on deals; see the adapters' tests).

import { describe, expect, it } from 'vitest';
import { runSync } from '../../src/sync/run-sync.ts';
import { deal, makeWorld, partner, storeTargets } from './helpers.ts';

describe.each(storeTargets())('ledger in years 0000–0099 on $name', (target) => {
  it.each([
    ['0001-01-01T00:00:00Z', '0001-01', '0001-01-20T12:00:00Z', '0001-02-15T12:00:00Z'],
    ['0099-12-31T12:00:00Z', '0099-12', '0100-01-05T12:00:00Z', '0100-02-20T12:00:00Z'],
  ])('a deal won %s is booked in %s and clawed back inside its window', async (closedAt, month, first, later) => {
    const w = await makeWorld(target, { at: first });
    w.crm.upsertPartner(partner('p1', { onboardedAt: '0000-06-01T00:00:00Z' }));
    w.crm.upsertDeal(deal('d1', { createdAt: closedAt.replace(/T.*/, 'T00:00:00Z'), closedAt, amount: '10000.00' }));
    expect((await runSync(w.deps)).status).toBe('succeeded');
    const posted = await w.store.ledgerEntries(w.crm.account, {});
    expect(posted.map((e) => `${e.key} ${e.kind} ${e.period} ${e.amount}`)).toEqual([
      `d1:p1:${month} accrual ${month} 100000`,
    ]);
    w.clock.set(later);
    w.crm.updateDeal('d1', { stage: 'lost', closedAt: later });
    const r = await runSync(w.deps);
    expect(r.status).toBe('succeeded');
    expect(r.report.ledger.posted).toEqual({ accrual: 0, adjustment: 0, clawback: 1 });
    const all = await w.store.ledgerEntries(w.crm.account, {});
    expect(all.map((e) => `${e.key} ${e.kind} ${e.originalPeriod} ${e.amount}`)).toEqual([
      `d1:p1:${month} accrual ${month} 100000`,
      `d1:p1:${month} clawback ${month} -100000`,
    ]);
    const open = await w.store.openEpisodes(w.crm.account);
    expect(open.find((e) => e.code === 'CLAWBACK_WINDOW_PASSED')).toBeUndefined();
    await w.store.close();
  });
});
