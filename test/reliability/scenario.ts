// The scenario every comparison trial follows, and its clean reference: a first (full) sync, then
// cycles of "a rep changes some deals (the sandbox's /__sandbox/mutate), then a sync". The
// mutations are the sandbox's own seeded ones, so every world with the same seed and size sees
// the same changes in the same order, whatever happened to its syncs in between.

import { compare, outcomeOf, type Comparison, type Outcome } from './outcome.ts';
import type { Crm, Suite, World } from './world.ts';

export interface Size {
  name: 'small' | 'large';
  partners: number;
  deals: number;
  /** Deals changed before each cycle after the first. */
  mutations: number;
  /** Cycles (the first is the full sync) of the fault and kill trials, per CRM and store. */
  faultCycles: number;
  killCycles: number;
}

export const SIZES: Record<'small' | 'large', Size> = {
  small: { name: 'small', partners: 16, deals: 240, mutations: 12, faultCycles: 3, killCycles: 12 },
  large: { name: 'large', partners: 80, deals: 3000, mutations: 90, faultCycles: 6, killCycles: 30 },
};

/** Outcomes after each cycle of a clean world (no faults, no kills), and how long each run took. */
export interface Reference {
  outcomes: Outcome[];
  durationsMs: number[];
}

export async function outcome(world: World): Promise<Outcome> {
  return outcomeOf(world.options.crm, world.sandbox.state.dump(), world.store, world.account);
}

/** Runs the clean scenario for `cycles` cycles and keeps the outcome after each. */
export async function cleanReference(world: World, size: Size, cycles: number): Promise<Reference> {
  const out: Reference = { outcomes: [], durationsMs: [] };
  for (let cycle = 0; cycle < cycles; cycle++) {
    if (cycle > 0) world.sandbox.state.mutate(size.mutations);
    const result = await world.syncHere();
    if (result.status !== 'succeeded')
      throw new Error(`clean ${world.options.crm} run ${cycle} ${result.status}: ${result.report.error ?? ''}`);
    if (result.report.writeBack.failures.length > 0)
      throw new Error(
        `clean ${world.options.crm} run ${cycle}: write failures ${JSON.stringify(result.report.writeBack.failures.slice(0, 3))}`,
      );
    out.outcomes.push(await outcome(world));
    out.durationsMs.push(result.report.durationsMs['total'] ?? 0);
  }
  return out;
}

export interface TrialTally {
  trials: number;
  faults: number;
  identical: number;
  lost: number;
  duplicates: number;
  failures: string[];
}

export const emptyTally = (): TrialTally => ({
  trials: 0,
  faults: 0,
  identical: 0,
  lost: 0,
  duplicates: 0,
  failures: [],
});

export function addTally(into: TrialTally, from: TrialTally): void {
  into.trials += from.trials;
  into.faults += from.faults;
  into.identical += from.identical;
  into.lost += from.lost;
  into.duplicates += from.duplicates;
  into.failures.push(...from.failures);
}

/** One trial's comparison against the clean run, added to the tally. */
export function judge(tally: TrialTally, label: string, reference: Outcome | undefined, got: Outcome): Comparison {
  if (reference === undefined) throw new Error(`${label}: no clean outcome to compare with`);
  const c = compare(reference, got);
  tally.trials += 1;
  tally.lost += c.lost;
  tally.duplicates += c.duplicates;
  if (c.identical) tally.identical += 1;
  else
    tally.failures.push(
      `${label}: ${c.differences.slice(0, 5).join(' | ')}${c.differences.length > 5 ? ` (+${c.differences.length - 5} more)` : ''}`,
    );
  return c;
}

export interface CrmSetup {
  crm: Crm;
  suite: Suite;
  size: Size;
}
