// Invariants over random programs and snapshots (fast-check).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ATTRIBUTION_MODELS } from '../../src/domain/program.ts';
import type { SnapshotDeal, SnapshotPartner } from '../../src/domain/snapshot.ts';
import { computeDetailed } from '../../src/domain/engine.ts';
import { makeProgram, run } from '../helpers/program.ts';

const DAY = 86_400_000;
const start = Date.parse('2025-01-01T00:00:00Z');
const iso = (offsetDays: number) => new Date(start + Math.round(offsetDays * DAY)).toISOString();
const partnerIds = ['p1', 'p2', 'p3', 'p4', 'p5'];

const amountArb = fc.oneof(
  fc.integer({ min: 0, max: 10_000_000 }).map((c) => `${Math.floor(c / 100)}.${String(c % 100).padStart(2, '0')}`),
  fc.integer({ min: 0, max: 9 }).map((c) => `0.0${c}`),
  fc.integer({ min: 0, max: 1_000_000 }).map(String),
);

const dealArb = (id: number): fc.Arbitrary<SnapshotDeal> =>
  fc
    .record({
      amount: amountArb,
      currency: fc.constantFrom('USD', 'USD', 'EUR', 'JPY'),
      stage: fc.constantFrom('open', 'won', 'won', 'lost'),
      created: fc.double({ min: 0, max: 500, noNaN: true }),
      cycle: fc.double({ min: 0, max: 120, noNaN: true }),
      source: fc.option(fc.constantFrom(...partnerIds, 'ghost'), { nil: null }),
      recipe: fc.option(fc.constantFrom('a', 'b', 'c', 'undefined-recipe'), { nil: null }),
      touches: fc.array(
        fc.record({ p: fc.constantFrom(...partnerIds), at: fc.double({ min: -30, max: 600, noNaN: true }) }),
        { maxLength: 6 },
      ),
      reg: fc.option(
        fc.record({
          p: fc.constantFrom(...partnerIds),
          status: fc.constantFrom('submitted', 'approved', 'rejected', 'expired'),
          at: fc.double({ min: -10, max: 500, noNaN: true }),
        }),
        { nil: null },
      ),
    })
    .map((r) => ({
      id: `d${String(id).padStart(3, '0')}`,
      name: `Deal ${id}`,
      amount: r.amount,
      currency: r.currency,
      stage: r.stage,
      createdAt: iso(r.created),
      closedAt: r.stage === 'open' ? null : iso(r.created + r.cycle),
      customerId: `c${id % 4}`,
      recipe: r.recipe,
      sourcePartnerId: r.source,
      registration: r.reg && {
        partnerId: r.reg.p,
        status: r.reg.status,
        submittedAt: iso(r.reg.at),
        decidedAt: null,
        expiresAt: iso(r.reg.at + 60),
      },
      touches: r.touches.map((t) => ({ partnerId: t.p, at: iso(t.at) })),
    }));

const snapshotArb = fc
  .tuple(
    fc.array(
      fc.record({
        recipe: fc.option(fc.constantFrom('a', 'b', 'c'), { nil: null }),
        onboarded: fc.double({ min: -100, max: 400, noNaN: true }),
      }),
      { minLength: 5, maxLength: 5 },
    ),
    fc.integer({ min: 1, max: 25 }).chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => dealArb(i)))),
  )
  .map(([ps, deals]) => ({
    partners: ps.map((p, i): SnapshotPartner => ({
      id: partnerIds[i] ?? `p${i}`,
      name: `P${i}`,
      recipe: p.recipe,
      tier: null,
      onboardedAt: iso(p.onboarded),
      endedAt: null,
      ratings: { x: 3 },
      fit: {},
    })),
    deals,
  }));

const programArb = fc
  .record({
    model: fc.constantFrom(...ATTRIBUTION_MODELS),
    timezone: fc.constantFrom('UTC', 'America/New_York', 'Australia/Sydney', 'Asia/Kolkata'),
    currency: fc.constantFrom('USD', 'JPY'),
  })
  .map((c) =>
    makeProgram({
      currency: c.currency,
      timezone: c.timezone,
      exchangeRates:
        c.currency === 'USD'
          ? {
              EUR: '1.0837',
              JPY: [
                { from: '2025-01-01', rate: '0.0067' },
                { from: '2025-07-01', rate: '0.0071' },
              ],
            }
          : { USD: '149.25', EUR: '161.3' },
      attribution: { model: c.model, halfLifeDays: 5 },
      plans: {
        pct: {
          type: 'percent',
          tiers: [
            { name: 'T0', minWonDeals: 0, rateBps: 777 },
            { name: 'T1', minWonDeals: 2, rateBps: 1333 },
          ],
          capPerDeal: '900',
        },
        mon: { type: 'percent', rateBps: 1999, schedule: 'monthly', months: 7, holdDays: 45 },
        flat: {
          type: 'flat',
          bands: [
            { minAmount: '0', fee: '99.99' },
            { minAmount: '5000', fee: '333' },
          ],
        },
      },
      recipes: { a: { plan: 'pct' }, b: { plan: 'mon', status: 'anti' }, c: { plan: 'flat' } },
    }),
  );

const asOf = '2026-05-20T00:00:00Z';
const minor = (s: string) => BigInt(s.replace('.', ''));
const shuffle = <T>(xs: readonly T[], seed: number): T[] => {
  const out = [...xs];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2147483648;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
};

describe('engine invariants', () => {
  it('attribution parts sum exactly to A(d) for every model', () => {
    fc.assert(
      fc.property(programArb, snapshotArb, (program, snap) => {
        const { details } = computeDetailed(program, snap, { asOf: Date.parse(asOf) });
        details.deals.forEach((d, i) => {
          const rows = details.rows.rowsOf(i);
          if (rows.length > 0) expect(rows.reduce((s: bigint, r) => s + r.amount, 0n)).toBe(d.amount);
          // a base-currency deal's A(d) is its amount in minor units
          if (d.currency === program.currency) expect(d.amount).toBe(d.minor);
        });
      }),
      { numRuns: 200 },
    );
  });

  it('never produces a negative commission or attribution', () => {
    fc.assert(
      fc.property(programArb, snapshotArb, (program, snap) => {
        const r = run(program, snap.partners, snap.deals, asOf);
        for (const c of r.commissions) expect(minor(c.amount) > 0n).toBe(true);
        for (const a of r.attribution) expect(minor(a.amount) >= 0n).toBe(true);
      }),
      { numRuns: 150 },
    );
  });

  it('gives byte-identical output for shuffled partners and deals, and for the same input twice', () => {
    fc.assert(
      fc.property(programArb, snapshotArb, fc.integer({ min: 1, max: 1e6 }), (program, snap, seed) => {
        const a = JSON.stringify(run(program, snap.partners, snap.deals, asOf));
        const b = JSON.stringify(run(program, snap.partners, snap.deals, asOf));
        const c = JSON.stringify(run(program, shuffle(snap.partners, seed), shuffle(snap.deals, seed + 1), asOf));
        expect(b).toBe(a);
        expect(c).toBe(a);
      }),
      { numRuns: 100 },
    );
  });
});
