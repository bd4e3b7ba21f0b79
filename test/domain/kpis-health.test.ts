import { describe, expect, it } from 'vitest';
import { deal, makeProgram, partner, run } from '../helpers/program.ts';

const program = makeProgram({
  grossMarginBps: 5000,
  attribution: { model: 'linear' },
  alerts: { minClosedForWinRate: 3 },
  plans: { ten: { type: 'percent', rateBps: 1000 } },
  recipes: {
    ref: { plan: 'ten', monthlyCost: '100', targets: { quarterlyRevenue: '10000' }, benchmarks: { winRate: 0.5 } },
  },
});
const partners = [
  partner('p1', { recipe: 'ref', onboardedAt: '2025-12-01T00:00:00Z', ratings: { a: 4, b: 5, c: 0, d: '3', e: 3.5 } }),
  partner('p2', { recipe: 'ref', onboardedAt: '2026-03-10T00:00:00Z' }),
];
const deals = [
  deal('d1', {
    amount: '1000.00',
    createdAt: '2026-02-01T00:00:00Z',
    closedAt: '2026-03-05T00:00:00Z',
    sourcePartnerId: 'p1',
    touches: [{ partnerId: 'p2', at: '2026-02-10T00:00:00Z' }],
  }),
  deal('d2', {
    stage: 'lost',
    createdAt: '2026-03-01T00:00:00Z',
    closedAt: '2026-03-10T00:00:00Z',
    sourcePartnerId: 'p1',
  }),
  deal('d3', {
    amount: '400.00',
    createdAt: '2026-01-15T00:00:00Z',
    closedAt: '2026-02-15T00:00:00Z',
    sourcePartnerId: 'p1',
  }),
  deal('d4', {
    stage: 'open',
    amount: '3000.00',
    createdAt: '2026-03-02T00:00:00Z',
    closedAt: null,
    sourcePartnerId: 'p1',
    registration: {
      partnerId: 'p1',
      status: 'approved',
      submittedAt: '2026-03-01T00:00:00Z',
      decidedAt: null,
      expiresAt: null,
    },
  }),
  deal('d5', {
    amount: '600.00',
    createdAt: '2026-02-20T00:00:00Z',
    closedAt: '2026-03-12T00:00:00Z',
    touches: [{ partnerId: 'p1', at: '2026-03-01T00:00:00Z' }],
  }),
];
const asOf = '2026-03-20T00:00:00Z';

describe('partner KPIs (docs/finance-rules.md §6)', () => {
  const r = run(program, partners, deals, asOf, '2026-03');

  it('computes every partner KPI for the window', () => {
    expect(r.period).toEqual({ label: '2026-03', start: '2026-03-01T00:00:00Z', end: '2026-04-01T00:00:00Z' });
    expect(r.partners[0]).toMatchObject({
      id: 'p1',
      kpis: {
        sourcedRevenue: '1000.00',
        influencedRevenue: '600.00',
        attributedRevenue: '1100.00',
        pipeline: '3000.00',
        dealsWon: 1,
        dealsLost: 1,
        winRate: 0.5,
        avgDealSize: '1000.00',
        avgSalesCycleDays: 32,
        registrations: 1,
        registrationsApproved: 1,
        commissions: '110.00',
        lastActivityAt: '2026-03-02T00:00:00Z',
        timeToFirstReferralDays: 45,
        growthRate: 1.75,
        roi: 1.619,
      },
    });
    expect(r.partners[1]?.kpis).toEqual({
      sourcedRevenue: '0.00',
      influencedRevenue: '1000.00',
      attributedRevenue: '500.00',
      pipeline: '0.00',
      dealsWon: 0,
      dealsLost: 0,
      winRate: null,
      avgDealSize: null,
      avgSalesCycleDays: null,
      registrations: 0,
      registrationsApproved: 0,
      commissions: '50.00',
      lastActivityAt: '2026-02-10T00:00:00Z',
      timeToFirstReferralDays: null,
      growthRate: null,
      roi: 0.6667, // (500 × 0.5 − 150) / 150
    });
  });

  it('computes recipe and program KPIs from the same figures', () => {
    expect(r.recipes).toEqual([
      {
        id: 'ref',
        kpis: {
          partners: 2,
          activePartners: 2,
          sourcedRevenue: '1000.00',
          attributedRevenue: '1600.00',
          commissions: '160.00',
          cost: '360.00',
          dealsWon: 1,
          dealsLost: 1,
          winRate: 0.5,
          roi: 1.2222,
          lastDealAt: '2026-03-02T00:00:00Z',
        },
      },
    ]);
    expect(r.program).toEqual({
      attributedRevenue: '1600.00',
      totalWonRevenue: '1600.00',
      partnerRevenueShare: 1,
      activePartners: 2,
      newPartners: 1,
      topPartners: ['p1', 'p2'],
    });
  });

  it('uses quarter and year windows and counts months in W for ROI cost', () => {
    const q = run(program, partners, deals, asOf, '2026-Q1');
    expect(q.period).toEqual({ label: '2026-Q1', start: '2026-01-01T00:00:00Z', end: '2026-04-01T00:00:00Z' });
    // Q1: sourced 1000 + 400, attributed 1100 + 400 = 1500, commissions 150, cost 150 + 3 × 100
    expect(q.partners[0]?.kpis).toMatchObject({
      sourcedRevenue: '1400.00',
      attributedRevenue: '1500.00',
      dealsWon: 2,
      commissions: '150.00',
      roi: 0.6667,
      growthRate: null,
    });
    const y = run(program, partners, deals, asOf, '2026');
    expect(y.partners[0]?.kpis).toMatchObject({
      commissions: '150.00',
      roi: Number(((1500 * 0.5 - 1350) / 1350).toFixed(4)),
    });
  });
});

describe('health, tier and fit (docs/finance-rules.md §7)', () => {
  it('scores the components with the exact values and rounds once', () => {
    const r = run(program, partners, deals, asOf);
    // revenue 100 × 1500/10000 = 15; activity 18 days → 85; conversion 2/3 ÷ 0.5 → 100;
    // pipeline 30; relationship (4.5 − 1)/4 × 100 = 87.5 → (450 + 2125 + 2000 + 450 + 875)/100 = 59
    expect(r.partners[0]?.health).toEqual({
      score: 59,
      band: 'at_risk',
      components: { revenue: 15, activity: 85, conversion: 100, pipeline: 30, relationship: 87.5 },
    });
    // p2: never sourced; touched 02-10 (38 days → 70); revenue 500/10000 → 5; pipeline 0
    expect(r.partners[1]?.health).toEqual({
      score: 27,
      band: 'at_risk', // weights of the present components only: (30×5 + 25×70 + 15×0) / 70 = 27.14
      components: { revenue: 5, activity: 70, conversion: null, pipeline: 0, relationship: null },
    });
  });

  it.each([
    [0, 100],
    [7, 100],
    [7.0001, 85],
    [30, 85],
    [90, 70],
    [180, 55],
    [180.5, 40],
  ])('activity %f days ago scores %i', (days, score) => {
    const asOfMs = Date.parse('2026-06-01T00:00:00Z');
    const at = new Date(asOfMs - days * 86_400_000).toISOString();
    const r = run(
      makeProgram({ health: { weights: { activity: 1 } } }),
      [partner('p1')],
      [deal('d1', { stage: 'open', closedAt: null, createdAt: at, sourcePartnerId: 'p1' })],
      '2026-06-01T00:00:00Z',
    );
    expect(r.partners[0]?.health.components.activity).toBe(score);
    expect(r.partners[0]?.health.score).toBe(score);
  });

  it('scores never-active partners 50 when onboarded in the last 90 days, else 20, and null without weights', () => {
    const r = run(
      makeProgram({ health: { weights: { activity: 2, revenue: 0 } } }),
      [
        partner('new', { onboardedAt: '2026-03-01T00:00:00Z' }),
        partner('old', { onboardedAt: '2025-01-01T00:00:00Z' }),
        partner('none', { onboardedAt: null }),
      ],
      [],
      asOf,
    );
    expect(r.partners.map((p) => p.health.score)).toEqual([50, 20, 20]);
    const zero = run(makeProgram({ health: { weights: { revenue: 10 } } }), [partner('p1')], [], asOf);
    expect(zero.partners[0]?.health).toMatchObject({ score: null, band: null });
  });

  it('earns the tier from won deals sourced in (asOf − 365 days, asOf] and scores fit', () => {
    const tiered = makeProgram({
      plans: {
        t: {
          type: 'percent',
          tiers: [
            { name: 'Bronze', minWonDeals: 0, rateBps: 100 },
            { name: 'Silver', minWonDeals: 2, rateBps: 200 },
          ],
        },
      },
      recipes: { r: { plan: 't' } },
    });
    const ps = [
      partner('p1', { recipe: 'r', fit: { strategic: 5, value: 5, reach: 5, operations: 5, readiness: 5 } }),
      partner('p2', { recipe: 'r', fit: { strategic: 4, value: 4, reach: 4, operations: 3, readiness: 2 } }),
      partner('p3', { recipe: null, fit: { strategic: 4, value: 4, reach: 4, operations: 3, readiness: 2.5 } }),
    ];
    const ds = [
      deal('d1', { sourcePartnerId: 'p1', closedAt: '2025-03-20T00:00:00Z', createdAt: '2025-03-01T00:00:00Z' }), // exactly 365 days: out
      deal('d2', { sourcePartnerId: 'p1', closedAt: '2025-03-20T00:00:00.001Z', createdAt: '2025-03-01T00:00:00Z' }),
      deal('d3', { sourcePartnerId: 'p1', closedAt: '2026-03-19T00:00:00Z', createdAt: '2026-03-01T00:00:00Z' }),
    ];
    const r = run(tiered, ps, ds, asOf);
    expect(r.partners.map((p) => p.tier)).toEqual(['Silver', 'Bronze', null]);
    expect(r.partners.map((p) => p.fit)).toEqual([
      { score: 55, band: 'pursue' },
      { score: 40, band: 'consider' },
      null,
    ]);
  });
});
