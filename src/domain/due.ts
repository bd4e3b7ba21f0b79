// When time alone can next change what the engine computes (issue 21, idle runs): the earliest
// instant `due` such that, for the same program and snapshot, every output computed at any asOf'
// in [asOf, due) equals the one computed at asOf. Conservative by construction: it may be earlier
// than the first real change, never later. The dependencies on asOf it covers are listed in
// docs/architecture.md ("Idle runs and the due instant").
//
// Every time rule of docs/finance-rules.md compares asOf with an instant of the data (a close, a
// touch, a registration, an onboarding, a month start, a rate's start date) shifted by a number of
// days (hold, clawback, alert thresholds, the 7/30/90/180/365-day windows), or counts whole days
// between them. Such a comparison can only flip at an instant anchor + k days (k whole) + the
// fractional part of a day threshold; the earliest such instant at or after asOf bounds them all.
// Month starts in the program time zone bound the month of asOf (fixed fees, instalments, KPI
// periods). Time-decay attribution of open deals is continuous in asOf: then `due` is asOf.

import type { Program } from './program.ts';
import type { Snapshot } from './snapshot.ts';
import { DAY_MS, type TimeZone } from './time.ts';

/** Fixed day windows of the rules (health activity, KPI windows, earned tiers). */
const FIXED_WINDOW_DAYS = [7, 30, 90, 180, 365];

/** Fractional parts (in ms) of every day count the program uses; 0 always. */
function dayFractions(program: Program): number[] {
  const counts: number[] = [...FIXED_WINDOW_DAYS];
  // the alert thresholds counted in days (not the win-rate factor or sample size)
  for (const [k, v] of Object.entries(program.alerts)) if (k.endsWith('Days') && typeof v === 'number') counts.push(v);
  for (const plan of Object.values(program.config.plans)) {
    const p = plan as { holdDays?: unknown; clawbackDays?: unknown };
    if (typeof p.holdDays === 'number') counts.push(p.holdDays);
    if (typeof p.clawbackDays === 'number') counts.push(p.clawbackDays);
  }
  const out = new Set<number>([0]);
  for (const c of counts) {
    const ms = Math.round(c * DAY_MS);
    out.add(((ms % DAY_MS) + DAY_MS) % DAY_MS);
  }
  return [...out];
}

/**
 * The instant from which the outputs may differ from those at asOf: the earliest point at or after
 * asOf (plus one millisecond when it is asOf itself, a rule with `>` flips just after it) of any
 * anchor's day lattice, or the next month start. A point exactly at asOf gives asOf: compute again.
 */
export function nextDue(program: Program, tz: TimeZone, snapshot: Snapshot, asOf: number): number {
  const month = tz.monthOf(asOf);
  let due = tz.monthStart(month + 1);
  const anchors: number[] = [];
  const add = (text: string | null | undefined): void => {
    if (text === null || text === undefined || text === '') return;
    const local = tz.parse(text);
    if (local !== null) anchors.push(local);
    const utc = Date.parse(text);
    if (Number.isFinite(utc) && utc !== local) anchors.push(utc);
  };
  // time-decay weights of open deals move with asOf itself
  if (program.model === 'time_decay' && snapshot.deals.some((d) => d.stage !== 'won' && d.stage !== 'lost'))
    return asOf;
  for (const p of snapshot.partners) {
    add(p.onboardedAt);
    add(p.endedAt);
  }
  for (const d of snapshot.deals) {
    add(d.createdAt);
    add(d.closedAt);
    for (const t of d.touches ?? []) add(t.at);
    const reg = d.registration;
    if (reg) {
      add(reg.submittedAt);
      add(reg.decidedAt);
      add(reg.expiresAt);
    }
  }
  for (const list of program.rates.values()) for (const r of list) add(r.from);
  // fixed fees: payable max(month start, onboarded) + holdDays, for the months posted so far
  for (let m = month - 120; m <= month + 1; m++) anchors.push(tz.monthStart(m));
  const fractions = dayFractions(program);
  for (const a of anchors) {
    for (const f of fractions) {
      const base = a + f;
      // the first base + k·DAY (k whole) at or after asOf
      const k = Math.ceil((asOf - base) / DAY_MS);
      const at = base + k * DAY_MS;
      if (at <= asOf) return asOf; // on the lattice now: a `>` rule flips right after asOf
      if (at < due) due = at;
    }
  }
  return due;
}
