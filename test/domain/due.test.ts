// The due instant (src/domain/due.ts, issue 21): for random programs' snapshots, everything the
// run computes at any instant in [asOf, due) equals what it computes at asOf — the engine's result,
// the ledger targets, the registrations to expire, the write-back values.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nextDue } from '../../src/domain/due.ts';
import { formatMinor } from '../../src/domain/money.ts';
import { targetEntries } from '../../src/ledger/plan.ts';
import { createRng } from '../../src/sandbox/rng.ts';
import { computeForRun } from '../../src/sync/run-sync.ts';
import { planWriteBack } from '../../src/sync/write-back.ts';
import type { Twin } from '../sync/equivalence-harness.ts';
import { randomDeal, randomPartner } from '../sync/equivalence-harness.ts';
import { PROGRAM_YAML, testConfig } from '../sync/helpers.ts';

const PROGRAMS = [
  PROGRAM_YAML,
  PROGRAM_YAML.replace('timezone: UTC', 'timezone: Asia/Kolkata').replace(
    '  health:',
    '  attribution: { model: first_touch }\n  alerts: { inactiveDays: 12.5, registrationPendingDays: 0.25 }\n  health:',
  ),
];

describe('nextDue', () => {
  it.each(PROGRAMS.map((yaml, i) => [i, yaml]))(
    'program %i: outputs at any instant before the due instant are those at asOf',
    (_i, yaml) => {
      const config = testConfig(yaml);
      const program = config.program;
      const seen = { later: 0, monthStarts: 0 };
      fc.assert(
        fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), fc.double({ min: 0, max: 1, noNaN: true }), (seed, u) => {
          const r = createRng(seed);
          const asOf =
            Math.floor((Date.parse('2026-01-01T00:00:00Z') + r.int(0, 400) * 86_400_000 * 0.37) / 1000) * 1000;
          // the records as they were a while before asOf (seconds to days)
          const made = asOf - r.int(1, 5 * 86_400) * 1000;
          const shell = { partners: [], deals: [], nextId: 0, recipes: [...program.recipes.keys()] } as unknown as Twin;
          const partners = Array.from({ length: r.int(1, 4) }, (_, i) => ({
            ...randomPartner(r, shell, `p${i}`, made),
            ownerId: null,
            written: {},
          }));
          shell.partners = partners.map((p) => p.id);
          const deals = Array.from({ length: r.int(0, 8) }, (_, i) => ({
            ...randomDeal(r, shell, `d${i}`, made),
            ownerId: null,
            written: {},
          }));
          const first = computeForRun(program, partners, deals, asOf);
          const due = nextDue(program, first.out.details.tz, { partners, deals }, asOf);
          expect(due).toBeGreaterThanOrEqual(asOf);
          if (due - asOf < 1000) return; // compute again next time
          // a whole second in [asOf, due): the last one before due, or one at random
          const later = asOf + Math.floor(((u < 0.5 ? 1 : u) * (due - asOf - 1)) / 1000) * 1000;
          if (later === asOf) return;
          seen.later++;
          if (first.out.details.tz.monthOf(due) !== first.out.details.tz.monthOf(asOf)) seen.monthStarts++;
          const view = (at: number): unknown => {
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
            return JSON.parse(
              JSON.stringify(
                {
                  result: { ...out.result, asOf: null },
                  targets: [...targetEntries(program, out.details).values()].map((t) => ({
                    ...t,
                    amount: formatMinor(t.amount, program.exponent),
                  })),
                  expire: [...expire].sort(),
                  writeBack: wb,
                },
                (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v),
              ),
            ) as unknown;
          };
          expect(view(later)).toEqual(view(asOf));
        }),
        { numRuns: 150 },
      );
      // the property was exercised, not skipped by due = asOf every time
      expect(seen.later).toBeGreaterThan(20);
    },
  );
});
