// Sync mode's commission limit (docs/finance-rules.md §10.2): a won deal on which some partner's
// commission could exceed LEDGER_COMMISSION_LIMIT (2^53 − 1 minor units) at its plan's highest
// rate, after capPerDeal, is rejected COMMISSION_TOO_LARGE and counts nowhere; `compute` (no
// limit) keeps every such deal, as the rules' text does.

import { describe, expect, it } from 'vitest';
import { LEDGER_COMMISSION_LIMIT } from '../../src/domain/commissions.ts';
import { computeResult, type ComputeResult } from '../../src/domain/engine.ts';
import type { SnapshotDeal, SnapshotPartner } from '../../src/domain/snapshot.ts';
import { deal, makeProgram, partner } from '../helpers/program.ts';

const program = makeProgram({
  plans: {
    whole: { type: 'percent', rateBps: 10000 },
    tiered: {
      type: 'percent',
      tiers: [
        { name: 'Base', minWonDeals: 0, rateBps: 1000 },
        { name: 'Top', minWonDeals: 100, rateBps: 5000 },
      ],
    },
    capped: { type: 'percent', rateBps: 10000, capPerDeal: '1000' },
    wide: { type: 'flat', bands: [{ minAmount: '0', fee: '100000000000000.00' }] },
    retainer: { type: 'fixed_fee', monthlyFee: '10' },
  },
  recipes: {
    whole: { name: 'Whole', archetype: 'referral', status: 'active', plan: 'whole' },
    tiered: { name: 'Tiered', archetype: 'referral', status: 'active', plan: 'tiered' },
    capped: { name: 'Capped', archetype: 'referral', status: 'active', plan: 'capped' },
    wide: { name: 'Wide', archetype: 'technology_integration', status: 'active', plan: 'wide' },
    retainer: { name: 'Retainer', archetype: 'co_marketing', status: 'active', plan: 'retainer' },
  },
});
const asOf = Date.parse('2026-03-15T00:00:00Z');
const LIMIT = '90071992547409.91'; // 2^53 − 1 cents
const partners: SnapshotPartner[] = ['whole', 'tiered', 'capped', 'wide', 'retainer'].map((r) =>
  partner(`p-${r}`, { recipe: r }),
);

const withLimit = (deals: SnapshotDeal[]): ComputeResult =>
  computeResult(program, { partners, deals }, { asOf, commissionLimit: LEDGER_COMMISSION_LIMIT }).result;
const withoutLimit = (deals: SnapshotDeal[]): ComputeResult =>
  computeResult(program, { partners, deals }, { asOf }).result;
const won = (id: string, recipe: string, amount: string, extra: Partial<SnapshotDeal> = {}): SnapshotDeal =>
  deal(id, { sourcePartnerId: `p-${recipe}`, amount, ...extra });

describe('the commission limit of sync mode', () => {
  it('is 2^53 − 1 minor units', () => {
    expect(LEDGER_COMMISSION_LIMIT).toBe(9_007_199_254_740_991n);
  });

  it('keeps a commission of exactly the limit and rejects one minor unit more', () => {
    const deals = [
      won('at', 'whole', LIMIT),
      won('over', 'whole', '90071992547409.92'),
      won('small', 'whole', '10.00'),
    ];
    const r = withLimit(deals);
    expect(r.rejected).toEqual([{ dealId: 'over', reason: 'COMMISSION_TOO_LARGE' }]);
    expect(r.commissions.find((c) => c.dealId === 'at')?.amount).toBe(LIMIT);
    // counted nowhere: no attribution, no commission, not in the partner's won revenue
    expect(r.attribution.some((a) => a.dealId === 'over')).toBe(false);
    expect(r.commissions.some((c) => c.dealId === 'over')).toBe(false);
    // compute keeps it: the rules' text has no limit
    const c = withoutLimit(deals);
    expect(c.rejected).toEqual([]);
    expect(c.commissions.find((x) => x.dealId === 'over')?.amount).toBe('90071992547409.92');
    expect(withoutLimit([deals[0] as SnapshotDeal, deals[2] as SnapshotDeal])).toEqual(
      withLimit([deals[0] as SnapshotDeal, deals[2] as SnapshotDeal]),
    );
  });

  it('judges a tiered plan at its highest rate, whatever tier the partner has reached', () => {
    // 10% of 2·10^16 cents fits; the Top tier's 50% would not
    const r = withLimit([won('t', 'tiered', '200000000000000.00')]);
    expect(r.rejected).toEqual([{ dealId: 't', reason: 'COMMISSION_TOO_LARGE' }]);
    expect(withLimit([won('t', 'tiered', '150000000000000.00')]).rejected).toEqual([]);
  });

  it('keeps a 30-digit deal under a capped plan (it pays the cap) and any open or lost one', () => {
    const huge = '123456789012345678901234567890.99';
    const r = withLimit([
      won('capped', 'capped', huge),
      won('open', 'whole', huge, { stage: 'open', closedAt: null }),
      won('lost', 'whole', huge, { stage: 'lost' }),
    ]);
    expect(r.rejected).toEqual([]);
    expect(r.commissions.find((c) => c.dealId === 'capped')?.amount).toBe('1000.00');
  });

  it('judges a flat plan by its band fee for the deal, shared by the attribution', () => {
    const r = withLimit([won('flat', 'wide', '10.00'), won('whole', 'whole', '10.00')]);
    expect(r.rejected).toEqual([{ dealId: 'flat', reason: 'COMMISSION_TOO_LARGE' }]);
    expect(r.commissions.map((c) => c.dealId)).toContain('whole');
  });

  it('rejects on any partner of the deal, the deal recipe deciding the plan, among the other reasons in id order', () => {
    const deals = [
      // the deal recipe (whole, uncapped) pays both partners: the touch's share alone is too large
      won('b-shared', 'capped', '400000000000000.00', {
        recipe: 'whole',
        touches: [{ partnerId: 'p-tiered', at: '2026-01-15T00:00:00Z' }],
      }),
      won('a-bad', 'whole', 'n/a'),
      won('c-fine', 'capped', '400000000000000.00', {
        touches: [{ partnerId: 'p-retainer', at: '2026-01-15T00:00:00Z' }],
      }),
    ];
    const r = withLimit(deals);
    expect(r.rejected).toEqual([
      { dealId: 'a-bad', reason: 'AMOUNT_INVALID' },
      { dealId: 'b-shared', reason: 'COMMISSION_TOO_LARGE' },
    ]);
    // no alert, KPI or tier count comes from it
    expect(r.alerts.some((a) => a.dealId === 'b-shared')).toBe(false);
    expect(r.partners.find((p) => p.id === 'p-tiered')?.kpis).toEqual(
      withLimit([deals[2] as SnapshotDeal]).partners.find((p) => p.id === 'p-tiered')?.kpis,
    );
  });
});
