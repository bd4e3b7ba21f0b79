// The due instant split by program and partner (src/domain/due.ts dueParts, issue 21): for random
// snapshots, every output a partner owns (its attribution rows, commission entries and targets,
// KPIs of the stored periods, health, tier, the alerts naming it, the values written onto it and
// onto the deals naming it) is the same at any instant before its due instant (and the program's)
// as at asOf; the program-level outputs are the same before the program's due instant; and
// everything is the same before the earliest of them all.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dueParts } from '../../src/domain/due.ts';
import { periodKpis } from '../../src/domain/engine.ts';
import { formatMinor } from '../../src/domain/money.ts';
import { targetEntries } from '../../src/ledger/plan.ts';
import { createRng } from '../../src/sandbox/rng.ts';
import { storedPeriods } from '../../src/sync/read-model-build.ts';
import { computeForRun } from '../../src/sync/run-sync.ts';
import { planWriteBack } from '../../src/sync/write-back.ts';
import type { PulledDeal, PulledPartner } from '../../src/crm/port.ts';
import type { Program } from '../../src/domain/program.ts';
import type { Twin } from '../sync/equivalence-harness.ts';
import { randomDeal, randomPartner } from '../sync/equivalence-harness.ts';
import { PROGRAM_YAML, testConfig } from '../sync/helpers.ts';

const PROGRAMS = [
  PROGRAM_YAML,
  PROGRAM_YAML.replace('timezone: UTC', 'timezone: Asia/Kolkata').replace(
    '  health:',
    '  attribution: { model: first_touch }\n  alerts: { inactiveDays: 12.5, registrationPendingDays: 0.25 }\n  health:',
  ),
  PROGRAM_YAML.replace('timezone: UTC', 'timezone: America/New_York').replace(
    '  health:',
    '  attribution: { model: time_decay, halfLifeDays: 7 }\n  health:',
  ),
  // no INACTIVE alert ticking daily and clawback windows off the 90-day KPI window: those show
  PROGRAM_YAML.replace(
    '  health:',
    '  attribution: { model: linear }\n  alerts: { inactiveDays: 400 }\n  health:',
  ).replaceAll('clawbackDays: 90', 'clawbackDays: 45'),
];

const json = (v: unknown): unknown =>
  JSON.parse(JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x))) as unknown;

/** Everything computed at `at`, sliced by owner: one partner, or the program (null). */
function views(
  program: Program,
  partners: readonly PulledPartner[],
  deals: readonly PulledDeal[],
  at: number,
): { all: unknown; of: (partnerId: string | null) => unknown } {
  const { out, expire } = computeForRun(program, partners, deals, at);
  const wb = planWriteBack({
    program,
    out,
    asOf: at,
    alerts: out.result.alerts,
    expire,
    partners: new Map(partners.map((p) => [p.id, p])),
    deals: new Map(deals.map((d) => [d.id, d])),
  });
  const targets = [...targetEntries(program, out.details).values()].map((t) => ({
    ...t,
    amount: formatMinor(t.amount, program.exponent),
  }));
  const periods = storedPeriods(out.details.tz.monthOf(at)).map((p) => periodKpis(program, out.details, at, p));
  const ids = new Set(partners.map((p) => p.id));
  const refs = (d: PulledDeal): string[] =>
    [d.sourcePartnerId, d.registration?.partnerId, ...(d.touches ?? []).map((x) => x.partnerId)].filter(
      (x): x is string => typeof x === 'string' && ids.has(x),
    );
  const dealsOf = (id: string | null): string[] =>
    deals.filter((d) => (id === null ? refs(d).length === 0 : refs(d).includes(id))).map((d) => d.id);
  const all = json({
    result: { ...out.result, asOf: null },
    targets,
    expire: [...expire].sort(),
    writeBack: wb,
    periods,
  });
  const of = (id: string | null): unknown => {
    const mine = new Set(dealsOf(id));
    const written = {
      deals: wb.deals.filter((d) => mine.has(d.id)),
      expire: [...expire].filter((d) => mine.has(d)).sort(),
    };
    if (id === null)
      return json({
        period: out.result.period,
        rejected: out.result.rejected,
        alerts: out.result.alerts.filter((a) => a.partnerId === null),
        lastDealAt: out.result.recipes.map((r) => [r.id, r.kpis.lastDealAt]),
        totalWonRevenue: periods.map((p) => p.program.totalWonRevenue),
        written,
      });
    return json({
      attribution: out.result.attribution.filter((r) => r.partnerId === id),
      commissions: out.result.commissions.filter((c) => c.partnerId === id),
      targets: targets.filter((x) => x.partnerId === id),
      kpis: periods.map((p) => p.partners.find((x) => x.id === id)),
      partner: out.result.partners.find((x) => x.id === id),
      alerts: out.result.alerts.filter((a) => a.partnerId === id),
      writeBack: wb.partners.find((x) => x.id === id) ?? null,
      written,
    });
  };
  return { all, of };
}

describe('dueParts', () => {
  it.each(PROGRAMS.map((yaml, i) => [i, yaml]))(
    'program %i: outputs before each part’s due instant are those at asOf',
    (_i, yaml) => {
      const config = testConfig(yaml);
      const program = config.program;
      const seen = { partner: 0, program: 0, all: 0, beyondEarliest: 0 };
      fc.assert(
        fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), fc.double({ min: 0, max: 1, noNaN: true }), (seed, u) => {
          const r = createRng(seed);
          const asOf =
            Math.floor((Date.parse('2026-01-01T00:00:00Z') + r.int(0, 400) * 86_400_000 * 0.37) / 1000) * 1000;
          // the records as they were a while before asOf (seconds to days)
          const made = asOf - r.int(1, 5 * 86_400) * 1000;
          const shell = { partners: [], deals: [], nextId: 0, recipes: [...program.recipes.keys()] } as unknown as Twin;
          const partners = Array.from({ length: r.int(1, 5) }, (_, i) => ({
            ...randomPartner(r, shell, `p${i}`, made),
            ownerId: null,
            written: {},
          }));
          shell.partners = [...partners.map((p) => p.id), 'ghost'];
          const deals = Array.from({ length: r.int(0, 10) }, (_, i) => {
            const d = { ...randomDeal(r, shell, `d${i}`, made), ownerId: null, written: {} };
            if (d.stage === 'open' || !r.chance(0.3)) return d;
            // closed about a year before asOf: 365-day windows end around it
            const closed = asOf - 365 * 86_400_000 + r.int(-2 * 86_400, 20 * 86_400) * 1000;
            const iso = (ms: number): string => new Date(ms).toISOString();
            return { ...d, closedAt: iso(closed), createdAt: iso(closed - r.int(0, 90) * 86_400_000) };
          });
          const { out } = computeForRun(program, partners, deals, asOf);
          const parts = dueParts(program, out.details, { partners, deals }, asOf);
          expect(parts.program).toBeGreaterThanOrEqual(asOf);
          for (const d of parts.partners.values()) expect(d).toBeGreaterThanOrEqual(asOf);
          const earliest = Math.min(parts.program, ...parts.partners.values());
          const now = views(program, partners, deals, asOf);
          // a whole second in [asOf, bound): the last one before it, or one at random
          const pick = (bound: number): number | null => {
            if (bound - asOf < 1000) return null;
            const later = asOf + Math.floor(((u < 0.5 ? 1 : u) * (bound - asOf - 1)) / 1000) * 1000;
            return later === asOf ? null : later;
          };
          const all = pick(earliest);
          if (all !== null) {
            seen.all++;
            expect(views(program, partners, deals, all).all).toEqual(now.all);
          }
          const prog = pick(parts.program);
          if (prog !== null) {
            seen.program++;
            expect(views(program, partners, deals, prog).of(null)).toEqual(now.of(null));
          }
          for (const p of partners) {
            const bound = Math.min(parts.partners.get(p.id) ?? Infinity, parts.program);
            const later = pick(bound);
            if (later === null) continue;
            seen.partner++;
            if (bound > earliest) seen.beyondEarliest++;
            expect(views(program, partners, deals, later).of(p.id), `partner ${p.id}`).toEqual(now.of(p.id));
          }
        }),
        { numRuns: 120 },
      );
      // the properties were exercised, and partners' instants reach past the earliest one
      expect(seen.all).toBeGreaterThan(10);
      expect(seen.program).toBeGreaterThan(20);
      expect(seen.partner).toBeGreaterThan(40);
      expect(seen.beyondEarliest).toBeGreaterThan(10);
    },
  );
});

describe('dueParts, worked examples', () => {
  const yaml = PROGRAM_YAML.replace('  health:', '  alerts: { inactiveDays: 400 }\n  health:').replaceAll(
    'clawbackDays: 90',
    'clawbackDays: 45',
  );
  const program = testConfig(yaml).program;
  const DAY = 86_400_000;
  const asOf = Date.parse('2026-03-10T12:00:00Z');
  const partner = (id: string, recipe: string): PulledPartner => ({
    id,
    name: id,
    recipe,
    tier: null,
    onboardedAt: '2024-01-01T00:00:00Z',
    endedAt: null,
    ratings: {},
    fit: {},
    ownerId: null,
    written: {},
  });
  const won = (id: string, source: string, closed: number): PulledDeal => ({
    id,
    name: id,
    amount: '10000.00',
    currency: 'USD',
    stage: 'won',
    createdAt: new Date(closed - DAY).toISOString(),
    closedAt: new Date(closed).toISOString(),
    customerId: null,
    recipe: null,
    sourcePartnerId: source,
    registration: null,
    touches: [],
    ownerId: null,
    written: {},
  });

  it('a win leaving the 90-day revenue window is the partner’s due instant, not the program’s', () => {
    const closed = asOf - 89.5 * DAY;
    const partners = [partner('p1', 'referral'), partner('p2', 'referral')];
    const deals = [won('d1', 'p1', closed), won('d2', 'p2', asOf - 200 * DAY)];
    const { out } = computeForRun(program, partners, deals, asOf);
    const parts = dueParts(program, out.details, { partners, deals }, asOf);
    expect(parts.partners.get('p1')).toBe(closed + 90 * DAY);
    // p2's win left the 90-day window long ago; it leaves the 365-day ones (12-month revenue,
    // conversion sample) 365 days after its close
    expect(parts.partners.get('p2')).toBe(asOf - 200 * DAY + 365 * DAY);
    expect(parts.program).toBe(Date.parse('2026-04-01T00:00:00Z'));
    const health = (at: number): unknown =>
      computeForRun(program, partners, deals, at).out.result.partners.find((p) => p.id === 'p1')?.health;
    expect(health(closed + 90 * DAY)).toEqual(health(asOf));
    expect(health(closed + 90 * DAY + 1000)).not.toEqual(health(asOf));
  });
});
