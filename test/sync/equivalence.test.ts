// Issue 21 "exactness first": random CRM changes and time steps, after each of which the state an
// incremental world leaves (incremental and targeted runs, idle skips, ledger fingerprints) must
// equal a full recompute's, on SQLite and PostgreSQL (test/sync/equivalence-harness.ts). Bounded
// in CI: a handful of seeds per program, a dozen steps each.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/sandbox/rng.ts';
import { closeTwin, makeTwin, randomDeal, randomPartner, start, step, type Twin } from './equivalence-harness.ts';
import { PROGRAM_YAML, storeTargets, testConfig } from './helpers.ts';

const PROGRAMS = {
  'sourced, UTC': PROGRAM_YAML,
  'last touch, New York': PROGRAM_YAML.replace('timezone: UTC', 'timezone: America/New_York').replace(
    '  health:',
    '  attribution: { model: last_touch }\n  health:',
  ),
  // tiers count each partner's sourced wins: a scoped run reads the deals its partners may source
  'tiers, UTC': PROGRAM_YAML.replace(
    '      rateBps: 1000\n      holdDays: 30',
    '      tiers: [{ name: Certified, minWonDeals: 0, rateBps: 800 }, { name: Premium, minWonDeals: 2, rateBps: 1200 }]\n      holdDays: 30',
  ),
  // open deals' weights move with asOf: never idle, and every run's targets move
  'time decay, UTC': PROGRAM_YAML.replace(
    '  health:',
    '  attribution: { model: time_decay, halfLifeDays: 7 }\n  health:',
  ),
};

/** Steps per seed (each maybe followed by quiet runs); seeds per program: 4 on SQLite, 1 on PostgreSQL (slower transactions). */
const STEPS = 8;

/** EQUIVALENCE_RUNS=n: more seeds per program, random ones (a local search for a counterexample). */
const MORE_RUNS = process.env['EQUIVALENCE_RUNS'] === undefined ? undefined : Number(process.env['EQUIVALENCE_RUNS']);

/** One seed: a small account, its first sync, then STEPS random steps; returns what A's runs were. */
async function world(
  target: ReturnType<typeof storeTargets>[number],
  config: ReturnType<typeof testConfig>,
  seed: number,
  bias?: 'scoped',
): Promise<Pick<Twin, 'modes' | 'scopedAlerts'>> {
  const r = createRng(seed);
  const at = Date.parse('2026-01-28T09:00:00Z') + r.int(0, 60) * 86_400_000;
  const shell: Twin = {
    partners: [],
    deals: [],
    nextId: 0,
    recipes: [...config.program.recipes.keys()],
  } as never;
  const partners = Array.from({ length: 4 }, (_, i) => randomPartner(r, shell, `p${i}`, at));
  shell.partners = partners.map((p) => p.id);
  const deals = Array.from({ length: 10 }, (_, i) => randomDeal(r, shell, `d${i}`, at));
  const url = target.url();
  const twin = await makeTwin({
    urlA: url,
    urlB: target.name === 'sqlite' ? target.url() : url,
    config,
    at,
    partners,
    deals,
    pageSize: 4,
  });
  try {
    await start(twin);
    for (let i = 0; i < STEPS; i++) await step(r, twin, bias);
    if (process.env['EQUIVALENCE_SUMMARY'] !== undefined) console.log(seed, twin.modes, twin.reasons);
    return { modes: twin.modes, scopedAlerts: twin.scopedAlerts };
  } finally {
    await closeTwin(twin);
  }
}

describe.each(storeTargets())('incremental equals full recompute on $name', (target) => {
  it.each(Object.entries(PROGRAMS))('program %s', { timeout: 300_000 }, async (_name, yaml) => {
    const config = testConfig(yaml);
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 2 ** 31 - 1 }), async (seed) => {
        await world(target, config, seed);
      }),
      { numRuns: MORE_RUNS ?? (target.name === 'sqlite' ? 4 : 1) },
    );
  });

  // scoped runs (issue 21, src/sync/scope.ts): mostly targeted runs seconds apart, so that most
  // runs compute scoped; counted, so the property cannot hold by always taking the full path.
  // Fixed seeds: the count is asserted. Time decay never leaves a mark (open deals' weights move).
  it.each(Object.entries(PROGRAMS).filter(([name]) => !name.startsWith('time decay')))(
    'program %s, scoped runs',
    { timeout: 300_000 },
    async (_name, yaml) => {
      const config = testConfig(yaml);
      let scoped = 0;
      let timeScoped = 0; // of which computed partners whose due instant passed (partner_dues)
      // alert episodes scoped runs opened and resolved (they read only their subjects' episodes)
      const alerts = { opened: 0, resolved: 0 };
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 1, max: 2 ** 31 - 1 }), async (seed) => {
          const { modes, scopedAlerts } = await world(target, config, seed, 'scoped');
          for (const [mode, n] of Object.entries(modes)) if (mode.endsWith('(scoped)')) scoped += n;
          timeScoped += modes['time-scoped'] ?? 0;
          alerts.opened += scopedAlerts.opened;
          alerts.resolved += scopedAlerts.resolved;
        }),
        { numRuns: MORE_RUNS ?? (target.name === 'sqlite' ? 4 : 2), ...(MORE_RUNS === undefined ? { seed: 21 } : {}) },
      );
      expect(scoped).toBeGreaterThanOrEqual(target.name === 'sqlite' ? 8 : 3);
      expect(timeScoped).toBeGreaterThan(0);
      expect(alerts.opened).toBeGreaterThan(0);
      expect(alerts.resolved).toBeGreaterThan(0);
    },
  );
});
