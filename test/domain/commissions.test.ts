import { describe, expect, it } from 'vitest';
import { alertKeys, deal, makeProgram, partner, run } from '../helpers/program.ts';

const plans = {
  tiered: {
    type: 'percent',
    tiers: [
      { name: 'Referral', minWonDeals: 0, rateBps: 1000 },
      { name: 'Certified', minWonDeals: 5, rateBps: 1500 },
    ],
    holdDays: 30,
  },
  share: { type: 'percent', rateBps: 2000, schedule: 'monthly', months: 12 },
  capped: { type: 'percent', rateBps: 5000, capPerDeal: '100' },
  flat: {
    type: 'flat',
    bands: [
      { minAmount: '500', fee: '250' },
      { minAmount: '10000', fee: '1000' },
    ],
  },
  retainer: { type: 'fixed_fee', monthlyFee: '500', holdDays: 10 },
};
const recipes = {
  referral: { plan: 'tiered' },
  reseller: { plan: 'share' },
  capped: { plan: 'capped' },
  tech: { plan: 'flat' },
  marketing: { plan: 'retainer' },
  free: {},
  bad: { status: 'anti', plan: 'tiered' },
};
const program = makeProgram({ timezone: 'America/New_York', attribution: { model: 'linear' }, plans, recipes });
const p = (id: string, recipe: string | null, extra = {}) => partner(id, { recipe, ...extra });

describe('percent plans with tiers', () => {
  // p1 sourced wins: 4 deals in the year before d9's close, then d9 itself → 5 → Certified
  const wins = ['2025-03-01', '2025-06-01', '2025-09-01', '2025-12-01'].map((day, i) =>
    deal(`w${i}`, {
      sourcePartnerId: 'p1',
      amount: '100.00',
      createdAt: `${day}T00:00:00Z`,
      closedAt: `${day}T12:00:00Z`,
    }),
  );

  it('counts won deals sourced in (closedAt − 365 days, closedAt], the deal itself included', () => {
    const r = run(
      program,
      [p('p1', 'referral')],
      [
        ...wins,
        deal('d9', {
          sourcePartnerId: 'p1',
          amount: '1000.00',
          createdAt: '2026-02-01T00:00:00Z',
          closedAt: '2026-03-01T12:00:00Z',
        }),
      ],
    );
    const entry = r.commissions.find((c) => c.dealId === 'd9');
    // w0 closed 2025-03-01T12:00 = exactly 365 days before: excluded → 3 + d9 = 4 → Referral
    expect(entry).toMatchObject({
      tier: 'Referral',
      rateBps: 1000,
      amount: '100.00',
      basis: '1000.00',
      plan: 'tiered',
      recipe: 'referral',
    });
  });

  it('reaches the next tier one millisecond inside the window', () => {
    const r = run(
      program,
      [p('p1', 'referral')],
      [
        ...wins,
        deal('d9', {
          sourcePartnerId: 'p1',
          amount: '1000.00',
          createdAt: '2026-02-01T00:00:00Z',
          closedAt: '2026-03-01T11:59:59.999Z',
        }),
      ],
    );
    expect(r.commissions.find((c) => c.dealId === 'd9')).toMatchObject({
      tier: 'Certified',
      rateBps: 1500,
      amount: '150.00',
    });
  });

  it('pays after holdDays, or from the start of the entry month, and marks held/payable as of asOf', () => {
    const d = deal('d1', {
      sourcePartnerId: 'p1',
      amount: '333.33',
      createdAt: '2026-01-01T00:00:00Z',
      closedAt: '2026-02-10T15:00:00Z',
    });
    const held = run(program, [p('p1', 'referral')], [d], '2026-03-12T14:59:59Z');
    expect(held.commissions).toEqual([
      expect.objectContaining({
        key: 'd1:p1:2026-02',
        period: '2026-02',
        amount: '33.33',
        payableOn: '2026-03-12',
        status: 'held',
      }),
    ]);
    const payable = run(program, [p('p1', 'referral')], [d], '2026-03-12T15:00:00Z');
    expect(payable.commissions[0]?.status).toBe('payable');
  });
});

describe('monthly schedules', () => {
  it('splits floor(c/m) per month and the remainder into the last, only up to Month(asOf)', () => {
    // 20% of 100.05 = 20.01 → 11 × 1.66 + 1.75
    const d = deal('d1', {
      sourcePartnerId: 'p1',
      amount: '100.05',
      createdAt: '2025-01-01T00:00:00Z',
      closedAt: '2025-06-30T23:00:00Z',
    }); // local 06-30 19:00
    const all = run(program, [p('p1', 'reseller')], [d], '2026-12-01T00:00:00Z');
    expect(all.commissions.map((c) => `${c.period}=${c.amount}`)).toEqual([
      '2025-06=1.66',
      '2025-07=1.66',
      '2025-08=1.66',
      '2025-09=1.66',
      '2025-10=1.66',
      '2025-11=1.66',
      '2025-12=1.66',
      '2026-01=1.66',
      '2026-02=1.66',
      '2026-03=1.66',
      '2026-04=1.66',
      '2026-05=1.75',
    ]);
    expect(all.commissions[1]).toMatchObject({ payableOn: '2025-07-01', status: 'payable', rateBps: 2000, tier: null });
    const partial = run(program, [p('p1', 'reseller')], [d], '2025-08-15T00:00:00Z');
    expect(partial.commissions.map((c) => c.period)).toEqual(['2025-06', '2025-07', '2025-08']);
  });

  it('skips zero instalments', () => {
    // 20% of 0.30 = 0.06 → floor(6/12) = 0 for 11 months, 0.06 in the last
    const d = deal('d1', {
      sourcePartnerId: 'p1',
      amount: '0.30',
      createdAt: '2025-01-01T00:00:00Z',
      closedAt: '2025-02-01T12:00:00Z',
    });
    const r = run(program, [p('p1', 'reseller')], [d], '2026-12-01T00:00:00Z');
    expect(r.commissions.map((c) => `${c.period}=${c.amount}`)).toEqual(['2026-01=0.06']);
  });
});

describe('caps, flat bands and fixed fees', () => {
  it('caps each attribution row before the schedule', () => {
    const d = deal('d1', {
      sourcePartnerId: 'p1',
      amount: '300.00',
      touches: [{ partnerId: 'p2', at: '2026-01-05T00:00:00Z' }],
    });
    const r = run(program, [p('p1', 'capped'), p('p2', 'capped')], [d]);
    expect(r.commissions.map((c) => `${c.partnerId}=${c.amount}`)).toEqual(['p1=75.00', 'p2=75.00']); // 150 × 50% each, under the cap
    const big = run(program, [p('p1', 'capped'), p('p2', 'capped')], [{ ...d, amount: '1000.00' }]);
    expect(big.commissions.map((c) => `${c.partnerId}=${c.amount}`)).toEqual(['p1=100.00', 'p2=100.00']);
  });

  it('pays the last band at or below A(d), shared by attribution, and nothing below the first band', () => {
    const touch = [{ partnerId: 'p2', at: '2026-01-05T00:00:00Z' }];
    const r = run(
      program,
      [p('p1', 'tech'), p('p2', 'tech')],
      [
        deal('d1', { sourcePartnerId: 'p1', amount: '10000.00', touches: touch }),
        deal('d2', { sourcePartnerId: 'p1', amount: '9999.99' }),
        deal('d3', { sourcePartnerId: 'p1', amount: '499.99' }),
        deal('d4', {
          sourcePartnerId: 'p1',
          amount: '1000.00',
          touches: [...touch, { partnerId: 'p3', at: '2026-01-06T00:00:00Z' }],
        }),
      ],
    );
    expect(r.commissions.map((c) => `${c.key}=${c.amount}`)).toEqual([
      // closedAt 2026-02-01T00:00Z is still January in New York
      'd1:p1:2026-01=500.00',
      'd1:p2:2026-01=500.00',
      'd2:p1:2026-01=250.00',
      'd4:p1:2026-01=125.00',
      'd4:p2:2026-01=125.00',
    ]);
    expect(r.commissions[0]).toMatchObject({ rateBps: null, tier: null, basis: '5000.00' });
  });

  it('pays fixed fees monthly from Month(onboardedAt) to Month(endedAt) or Month(asOf)', () => {
    const partners = [
      p('p1', 'marketing', { onboardedAt: '2025-11-15T12:00:00Z' }),
      p('p2', 'marketing', { onboardedAt: '2025-12-01T05:00:00Z', endedAt: '2026-01-20T00:00:00Z' }), // local midnight
      p('p3', 'marketing', { onboardedAt: null }),
      p('p4', 'free', { onboardedAt: '2025-01-01T00:00:00Z' }),
    ];
    const r = run(program, partners, [], '2026-02-05T00:00:00Z');
    expect(r.commissions.map((c) => `${c.key} ${c.amount} ${c.payableOn} ${c.status}`)).toEqual([
      'fee:p1:2025-11 500.00 2025-11-25 payable',
      'fee:p1:2025-12 500.00 2025-12-11 payable',
      'fee:p1:2026-01 500.00 2026-01-11 payable',
      'fee:p1:2026-02 500.00 2026-02-11 held',
      'fee:p2:2025-12 500.00 2025-12-11 payable',
      'fee:p2:2026-01 500.00 2026-01-11 payable',
    ]);
    expect(r.commissions[0]).toMatchObject({
      dealId: null,
      basis: null,
      rateBps: null,
      tier: null,
      plan: 'retainer',
      recipe: 'marketing',
    });
  });
});

describe('entry keys (docs/finance-rules.md §4 and 9)', () => {
  it('keys fixed fees fee:{partnerId}:{period} and sorts them among deal keys in ordinal order', () => {
    const won = (id: string, partnerId: string) =>
      deal(id, { sourcePartnerId: partnerId, amount: '1000.00', closedAt: '2026-01-20T12:00:00Z' });
    const r = run(
      program,
      [p('p1', 'referral'), p('m1', 'marketing', { onboardedAt: '2025-12-15T12:00:00Z' }), p('m0', 'marketing')],
      // ordinal order around "fee:": "1000:", "Z9:" and "fe:" and "fee1:" come before it, "feeA:" and "g1:" after
      ['g1', 'feeA', 'fee1', 'fe', 'Z9', '1000', 'a1'].map((id) => won(id, 'p1')),
      '2026-01-31T00:00:00Z',
    );
    const keys = r.commissions.map((c) => c.key);
    expect(keys).toEqual([
      '1000:p1:2026-01',
      'Z9:p1:2026-01',
      'a1:p1:2026-01',
      'fe:p1:2026-01',
      'fee1:p1:2026-01',
      'fee:m0:2024-12', // onboarded 2025-01-01T00:00Z: still December in New York
      'fee:m0:2025-01',
      'fee:m0:2025-02',
      'fee:m0:2025-03',
      'fee:m0:2025-04',
      'fee:m0:2025-05',
      'fee:m0:2025-06',
      'fee:m0:2025-07',
      'fee:m0:2025-08',
      'fee:m0:2025-09',
      'fee:m0:2025-10',
      'fee:m0:2025-11',
      'fee:m0:2025-12',
      'fee:m0:2026-01',
      'fee:m1:2025-12',
      'fee:m1:2026-01',
      'feeA:p1:2026-01',
      'g1:p1:2026-01',
    ]);
    expect([...keys].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))).toEqual(keys);
    expect(keys.some((k) => /^[=+\-@]/.test(k))).toBe(false);
  });
});

describe('recipes on won deals', () => {
  it('uses deal.recipe before the partner recipe, flags missing and anti recipes, and pays an anti plan', () => {
    const r = run(
      program,
      [p('p1', 'referral'), p('p2', null), p('p3', 'bad')],
      [
        deal('d1', { sourcePartnerId: 'p1', recipe: 'reseller', amount: '120.00', closedAt: '2026-03-01T12:00:00Z' }),
        deal('d2', { sourcePartnerId: 'p2' }),
        deal('d3', { sourcePartnerId: 'p3', amount: '100.00' }),
        deal('d4', { sourcePartnerId: 'p2', recipe: 'not-configured' }), // unknown recipe → partner's (none)
        deal('d5', { sourcePartnerId: 'p2', stage: 'lost' }),
      ],
    );
    expect(r.commissions.map((c) => `${c.key} ${c.plan} ${c.amount}`)).toEqual([
      'd1:p1:2026-03 share 2.00',
      'd3:p3:2026-01 tiered 10.00',
    ]);
    expect(alertKeys(r).filter((k) => /^(ANTI_RECIPE|DEAL_WITHOUT_RECIPE)/.test(k))).toEqual([
      'ANTI_RECIPE p3 d3 -',
      'DEAL_WITHOUT_RECIPE p2 d2 -',
      'DEAL_WITHOUT_RECIPE p2 d4 -',
    ]);
  });

  it('earns nothing on a zero-amount won deal', () => {
    const r = run(program, [p('p1', 'referral')], [deal('d1', { sourcePartnerId: 'p1', amount: '0' })]);
    expect(r.commissions).toEqual([]);
    expect(r.attribution).toEqual([{ dealId: 'd1', partnerId: 'p1', role: 'sourced', amount: '0.00' }]);
  });
});
