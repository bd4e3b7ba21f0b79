// Finance exports: a closed period exports byte-identically before and after later changes,
// export totals reconcile with statements, CSV is safe for spreadsheets.

import { describe, expect, it } from 'vitest';
import {
  commissionExport,
  commissionExportCsv,
  statements,
  statementsCsv,
  toJsonText,
} from '../../src/ledger/exports.ts';
import { closePeriod, listPeriods } from '../../src/ledger/periods.ts';
import { runSync } from '../../src/sync/run-sync.ts';
import { kpis, listPartners, listRuns } from '../../src/sync/queries.ts';
import { makeWorld, partner, seedCrm, storeTargets } from './helpers.ts';

const toMinor = (s: string): bigint => BigInt(s.replace('.', ''));

describe.each(storeTargets())('exports on $name', (target) => {
  it('a closed period exports byte-identically after later changes; totals reconcile with statements', async () => {
    const w = await makeWorld(target);
    seedCrm(w.crm);
    await runSync(w.deps);
    await closePeriod(w.deps, w.crm.account, '2026-02', 'finance');
    const csvBefore = commissionExportCsv(await commissionExport(w.deps, w.crm.account, '2026-02'));
    const jsonBefore = toJsonText(await commissionExport(w.deps, w.crm.account, '2026-02'));
    const stBefore = statementsCsv(await statements(w.deps, w.crm.account, '2026-02'));

    w.clock.set('2026-04-10T00:00:00Z');
    w.crm.updateDeal('d1', { amount: '15000.00' });
    w.crm.updatePartner('p1', { name: 'Renamed partner' });
    await runSync(w.deps);
    expect(commissionExportCsv(await commissionExport(w.deps, w.crm.account, '2026-02'))).toBe(csvBefore);
    expect(toJsonText(await commissionExport(w.deps, w.crm.account, '2026-02'))).toBe(jsonBefore);
    expect(statementsCsv(await statements(w.deps, w.crm.account, '2026-02'))).toBe(stBefore);

    const x = await commissionExport(w.deps, w.crm.account, '2026-02');
    expect(x).toMatchObject({ state: 'closed', statusAsOf: '2026-03-20T12:00:00Z' });
    // d1 closed 2026-02-10 + 30 hold days = 2026-03-12 ≤ close: payable, frozen
    expect(x.entries.find((e) => e.key === 'd1:p1:2026-02')).toMatchObject({
      status: 'payable',
      partnerName: 'Partner p1',
      type: 'accrual',
    });

    // the later difference went to the oldest open period (March), with its origin
    const march = await commissionExport(w.deps, w.crm.account, '2026-03');
    expect(march.entries.find((e) => e.key === 'd1:p1:2026-02')).toMatchObject({
      type: 'adjustment',
      originalPeriod: '2026-02',
      amount: '500.00',
      partnerName: 'Renamed partner',
    });
    const st = await statements(w.deps, w.crm.account, '2026-03');
    expect(st.totals).toEqual(march.totals);
    const sum = (k: keyof typeof st.totals): bigint => st.partners.reduce((s, p) => s + toMinor(p.totals[k]), 0n);
    for (const k of ['accruals', 'adjustments', 'clawbacks', 'net', 'payable', 'held'] as const)
      expect(sum(k)).toBe(toMinor(march.totals[k]));
    expect(toMinor(march.totals.net)).toBe(march.entries.reduce((s, e) => s + toMinor(e.amount), 0n));
    expect(toMinor(march.totals.payable) + toMinor(march.totals.held)).toBe(toMinor(march.totals.net));
    expect(
      st.partners.find((p) => p.partnerId === 'p1')?.lines.find((l) => l.key === 'd1:p1:2026-02')?.explanation,
    ).toContain('basis 15000.00');

    const periods = await listPeriods(w.deps, w.crm.account);
    expect(periods.map((p) => `${p.period} ${p.state}`)).toEqual([
      '2026-01 closed',
      '2026-02 closed',
      '2026-03 open',
      '2026-04 open',
    ]);
    await w.store.close();
  });

  it('CSV neutralises formulas in names and keeps negative amounts as numbers', async () => {
    const w = await makeWorld(target);
    w.crm.upsertPartner(partner('p1', { name: '=HYPERLINK("http://x")' }));
    w.crm.upsertDeal({
      id: 'd1',
      name: '@SUM(A1)',
      amount: '1000.00',
      currency: 'USD',
      stage: 'won',
      createdAt: '2026-03-01T00:00:00Z',
      closedAt: '2026-03-02T00:00:00Z',
      sourcePartnerId: 'p1',
    });
    await runSync(w.deps);
    w.crm.updateDeal('d1', { stage: 'lost' });
    await runSync(w.deps);
    const csv = commissionExportCsv(await commissionExport(w.deps, w.crm.account, '2026-03'));
    expect(csv).toContain(`"'=HYPERLINK(""http://x"")"`);
    expect(csv).toContain(`'@SUM(A1)`);
    expect(csv).toContain(',-100.00,');
    expect(csv.split('\r\n')[0]).toBe(
      'period,originalPeriod,seq,type,key,partnerId,partnerName,dealId,dealName,recipe,plan,planType,basis,rateBps,tier,dealAmount,dealCurrency,exchangeRate,baseAmount,attributionModel,role,amount,payableOn,status,reason,postedAt',
    );
    await w.store.close();
  });

  it('exposes runs, partners with their latest results and KPIs for the API', async () => {
    const w = await makeWorld(target);
    seedCrm(w.crm);
    const r = await runSync(w.deps);
    const runs = await listRuns(w.deps, w.crm.account);
    expect(runs[0]).toMatchObject({ id: r.runId, status: 'succeeded' });
    const partners = await listPartners(w.deps, w.crm.account);
    expect(partners.find((p) => p.id === 'p1')?.latest?.health.score).toBe(53);
    expect(partners.find((p) => p.id === 'p1')?.openAlerts.some((a) => a.code === 'HEALTH_AT_RISK')).toBe(true);
    const k = await kpis(w.deps, w.crm.account, '2026-Q1');
    expect(k.period.label).toBe('2026-Q1');
    expect(k.program.topPartners[0]).toBe('p1');
    await w.store.close();
  });
});
