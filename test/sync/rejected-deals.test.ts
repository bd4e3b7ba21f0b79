// Rejected deals a user can act on (issue 17 item 7): every rejection in the run report carries
// the value the deal holds and the fix; `sync` lists ten and says how many more and how to see
// them; a currency seen on CRM deals without a rate raises one program-level
// CURRENCY_RATE_MISSING warning, which resolves once the rate is configured.

import { describe, expect, it } from 'vitest';
import { summaryLines } from '../../src/cli/commands/sync.ts';
import { runSync } from '../../src/sync/run-sync.ts';
import { deal, makeWorld, PROGRAM_YAML, seedCrm, storeTargets, testConfig } from './helpers.ts';

describe.each(storeTargets())('rejected deals on $name', (target) => {
  it('details each rejection, lists ten with "and N more", and raises CURRENCY_RATE_MISSING until a rate exists', async () => {
    const w = await makeWorld(target);
    seedCrm(w.crm);
    for (let i = 0; i < 12; i++)
      w.crm.upsertDeal(deal(`cad${String(i).padStart(2, '0')}`, { currency: 'CAD', amount: '1000.00' }));
    w.crm.upsertDeal(deal('gbp1', { currency: 'GBP' }));
    w.crm.upsertDeal(deal('bad-amount', { amount: 'ten thousand' }));
    w.crm.upsertDeal(deal('no-close', { closedAt: null }));
    w.crm.upsertDeal(deal('later', { closedAt: '2026-04-01T00:00:00Z' }));

    const first = await runSync(w.deps);
    const rejected = first.report.snapshot.rejected;
    expect(rejected).toHaveLength(16);
    const byId = new Map(rejected.map((r) => [r.dealId, r]));
    expect(byId.get('cad00')).toEqual({
      dealId: 'cad00',
      reason: 'CURRENCY_UNKNOWN',
      detail: 'CAD — add program.exchangeRates.CAD',
    });
    expect(byId.get('gbp1')?.detail).toBe('GBP — add program.exchangeRates.GBP');
    expect(byId.get('bad-amount')?.detail).toBe(
      'amount "ten thousand" — set a non-negative decimal amount on the deal in the CRM',
    );
    expect(byId.get('no-close')?.detail).toBe('won without a close date — set the close date on the deal in the CRM');
    expect(byId.get('later')?.detail).toContain('"2026-04-01T00:00:00Z" is after the run (2026-03-20T12:00:00.000Z)');

    const lines = summaryLines(first);
    expect(lines.filter((l) => l.startsWith('rejected deal '))).toHaveLength(10);
    expect(lines).toContain('rejected deal cad00: CURRENCY_UNKNOWN: CAD — add program.exchangeRates.CAD');
    expect(lines.at(-1)).toBe(
      "… and 6 more rejected deals: see them all with --all-rejected, or on the dashboard's Rejected deals page (/ui/rejected, with CRM links)",
    );
    const all = summaryLines(first, { allRejected: true });
    expect(all.filter((l) => l.startsWith('rejected deal '))).toHaveLength(16);
    expect(all.some((l) => l.includes('more rejected deals'))).toBe(false);

    const open = await w.store.openEpisodes(w.crm.account);
    const missing = open.filter((e) => e.code === 'CURRENCY_RATE_MISSING');
    expect(missing).toHaveLength(1);
    expect(missing[0]).toMatchObject({ severity: 'warning', partnerId: null, dealId: null, recipe: null });
    expect(missing[0]?.message).toBe(
      "13 CRM deals in CAD (12 deals), GBP (1 deal) are left out for want of an exchange rate to USD: add program.exchangeRates.CAD, program.exchangeRates.GBP (a dated rate must cover each deal's date)",
    );

    // the same CRM again: the episode stays (one, unchanged)
    await runSync(w.deps);
    const again = (await w.store.openEpisodes(w.crm.account)).filter((e) => e.code === 'CURRENCY_RATE_MISSING');
    expect(again.map((e) => e.id)).toEqual(missing.map((e) => e.id));

    // rates for both: the deals count and the alert resolves
    const withRates = testConfig(PROGRAM_YAML.replace('EUR: "1.10"', 'EUR: "1.10"\n    CAD: "0.73"\n    GBP: "1.27"'));
    const fixed = await runSync({ ...w.deps, config: withRates });
    expect(fixed.report.snapshot.rejected.map((r) => r.dealId).sort()).toEqual(['bad-amount', 'later', 'no-close']);
    expect((await w.store.openEpisodes(w.crm.account)).some((e) => e.code === 'CURRENCY_RATE_MISSING')).toBe(false);
    await w.store.close();
  });
});
