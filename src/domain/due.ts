// When time alone can next change what the engine computes (issue 21, idle runs): instants
// `due` such that, for the same program and snapshot, the outputs computed at any asOf' in
// [asOf, due) equal those computed at asOf. Conservative by construction: a due instant may be
// earlier than the first real change, never later. The dependencies on asOf it covers are listed
// in docs/architecture.md ("Idle runs and the due instant").
//
// Every time rule of docs/finance-rules.md compares asOf with an instant of the data (a close, a
// touch, a registration, an onboarding, a month start, a rate's start date) shifted by a number
// of days (hold, clawback, alert thresholds, the 7/30/90/180/365-day windows), or counts whole
// days from one (the messages of open INACTIVE, NOT_ACTIVATED and REGISTRATION_PENDING alerts).
// Each rule contributes the instants it can flip at; month starts in the program time zone bound
// the month of asOf (fixed fees, instalments, KPI periods). Time-decay attribution of an open
// deal takes its weights at asOf itself: that deal's partners are due at once.

import type { EngineDetails } from './engine.ts';
import { dealRecipe } from './kpis.ts';
import type { Program } from './program.ts';
import type { Snapshot } from './snapshot.ts';
import { DAY_MS } from './time.ts';

/** A text starting with a four-digit-year date. */
const ISO_DATE = /^\d{4}-\d{2}-\d{2}/;

/**
 * The due instant split by whose outputs time alone changes (issue 21, "what time alone changes,
 * found without scanning the account"). `program` bounds the outputs no single partner owns (the
 * month of asOf and everything per month, dated exchange rates of open deals, `RECIPE_UNUSED` and
 * the recipes' last deal, the rejected list, deals naming no partner); `partners` bounds, per
 * partner id, the outputs of that partner: its attribution rows, commission entries (and their
 * payable status), KPIs, health, earned tier, the alerts naming it and the values written onto it
 * and onto the deals naming it. A partner absent from `partners` has no such instant.
 *
 * For every asOf' in [asOf, min(program, partners[P])), P's outputs equal those at asOf; for
 * asOf' in [asOf, program), the program-level outputs do. Aggregates over partners (program and
 * recipe KPIs such as active partners, top partners) follow from the partners' figures and move
 * with them. The earliest of them all bounds every output. See docs/architecture.md ("Idle runs
 * and the due instant").
 *
 * `details` is the engine's output at asOf for `snapshot` (after the run's registration expiries,
 * src/sync/run-sync.ts computeForRun); the raw snapshot adds what the engine left out because it
 * lies after asOf (deals created or closed later, later touches and registrations). Over a
 * sub-snapshot (a scoped run), a partner's instant holds when every deal naming it (and every
 * open deal of a customer it registers with) is in it; the program part needs the whole account
 * (the recipes' last deals, deals naming no partner) and cannot be taken from a sub-snapshot.
 */
export interface DueParts {
  program: number;
  partners: Map<string, number>;
}

/**
 * What the raw snapshot adds to the due instants: the parts of deals the engine left out because
 * they lie after asOf (deals created or closed later, later registrations and touches), with the
 * partners those deals name. `dueParts` takes them from the snapshot; a run that lets go of its
 * raw deals once computed (src/sync/run-sync.ts, issue 21 memory) takes them first and passes
 * them to `dueFrom`, which then gives exactly what `dueParts` gives with the snapshot (every
 * instant is combined by its minimum, in any order).
 */
export interface LaterParts {
  /** The earliest such instant: the program part (Infinity without one). */
  program: number;
  /** By partner index (`details.partners`): the earliest such instant of a deal naming it. */
  partners: Float64Array;
  /** The partners each deal with such a part names (by deal id). */
  refs: Map<string, number[]>;
}

/** Instants as the due parts count them: from asOf on, rounded down; Infinity for one passed. */
const countFrom =
  (asOf: number) =>
  (x: number): number => {
    if (Number.isNaN(x)) return Infinity;
    const at = Math.floor(x);
    return at < asOf ? Infinity : at;
  };

/** The instants an ISO-8601 text may stand for: in the program time zone and as UTC. */
function instantsOf(tz: EngineDetails['tz'], text: unknown): number[] {
  if (typeof text !== 'string' || text === '') return [];
  const out: number[] = [];
  const local = tz.parse(text);
  if (local !== null) out.push(local);
  const utc = Date.parse(text);
  if (Number.isFinite(utc) && utc !== local) out.push(utc);
  return out;
}

/** The raw snapshot's part of the due instants (see LaterParts); `details` of the engine at asOf. */
export function laterParts(
  details: Pick<EngineDetails, 'tz' | 'partners'>,
  snapshot: Snapshot,
  asOf: number,
): LaterParts {
  const { tz, partners } = details;
  let programDue = Infinity;
  const due = new Float64Array(partners.length).fill(Infinity);
  const when = countFrom(asOf);
  const bumpAll = (ps: Iterable<number>, x: number): void => {
    const at = when(x);
    if (at === Infinity) return;
    for (const p of ps) if (p >= 0 && p < due.length && at < (due[p] as number)) due[p] = at;
  };
  const bumpProgram = (x: number): void => {
    const at = when(x);
    if (at < programDue) programDue = at;
  };
  const index = new Map(partners.map((p) => [p.id, p.idx]));
  // Only instants at or after asOf matter: an ISO-8601 text dated two days or more before asOf's
  // UTC date is before asOf in any zone and with any offset; it is not parsed at all.
  const earlyDate = new Date(asOf - 2 * DAY_MS).toISOString().slice(0, 10);
  const ahead = (text: unknown): number[] => {
    if (typeof text !== 'string' || text === '') return [];
    if (ISO_DATE.test(text) && text.slice(0, 10) < earlyDate) return [];
    return instantsOf(tz, text);
  };

  // what the engine left out as lying after asOf: it comes in when asOf passes it
  const laterRefs = new Map<string, number[]>(); // the partners named by deals with such a part
  for (const d of snapshot.deals) {
    const raw = d as Partial<(typeof snapshot.deals)[number]> | null;
    if (raw === null || typeof raw !== 'object') continue;
    const reg = raw.registration !== null && typeof raw.registration === 'object' ? raw.registration : null;
    const touches: readonly unknown[] = Array.isArray(raw.touches) ? (raw.touches as readonly unknown[]) : [];
    // a deal created or closed after asOf is rejected (FUTURE_TIMESTAMP) until then; a
    // registration submitted later is ignored until then (sourcing, recipe of the deal, conflicts)
    const later = [
      ...ahead(raw.createdAt),
      ...(raw.stage === 'open' ? [] : ahead(raw.closedAt)),
      ...(reg === null ? [] : ahead(reg.submittedAt)),
    ];
    // a later touch: attribution of the deal, the toucher's last activity
    const laterTouches = touches.flatMap((x) =>
      x !== null && typeof x === 'object' ? ahead((x as { at?: unknown }).at) : [],
    );
    if (later.length === 0 && laterTouches.length === 0) continue;
    // the partners the deal names (whatever the engine made of them)
    const refs = new Set<number>();
    const ref = (id: unknown): void => {
      const p = typeof id === 'string' ? index.get(id) : undefined;
      if (p !== undefined) refs.add(p);
    };
    ref(raw.sourcePartnerId);
    ref(reg?.partnerId);
    for (const x of touches) if (x !== null && typeof x === 'object') ref((x as { partnerId?: unknown }).partnerId);
    for (const x of later) {
      bumpProgram(x);
      bumpAll(refs, x);
    }
    for (const x of laterTouches) bumpAll(refs, x);
    if (typeof raw.id === 'string') laterRefs.set(raw.id, [...refs, ...(laterRefs.get(raw.id) ?? [])]);
  }
  return { program: programDue, partners: due, refs: laterRefs };
}

export function dueParts(program: Program, details: EngineDetails, snapshot: Snapshot, asOf: number): DueParts {
  return dueFrom(program, details, laterParts(details, snapshot, asOf), asOf);
}

/** dueParts with the raw snapshot's part taken beforehand (laterParts over the same details). */
export function dueFrom(program: Program, details: EngineDetails, later: LaterParts, asOf: number): DueParts {
  const { tz, partners, deals, rows, entries, accs } = details;
  const t = program.alerts;
  let programDue = Math.min(tz.monthStart(tz.monthOf(asOf) + 1), later.program);
  const due = Float64Array.from(later.partners);
  // An instant x at which a rule compares asOf with `≥`/`≤` flips at x, with `>`/`<` just after:
  // x (rounded down) bounds both. Instants before asOf have flipped already.
  const when = countFrom(asOf);
  const bump = (p: number, x: number): void => {
    const at = when(x);
    if (p >= 0 && p < due.length && at < (due[p] as number)) due[p] = at;
  };
  const bumpAll = (ps: Iterable<number>, x: number): void => {
    const at = when(x);
    if (at === Infinity) return;
    for (const p of ps) bump(p, at);
  };
  const bumpProgram = (x: number): void => {
    const at = when(x);
    if (at < programDue) programDue = at;
  };
  /** The next instant after asOf at which whole days counted from `from` change. */
  const nextDay = (from: number): number => from + (Math.floor((asOf - from) / DAY_MS) + 1) * DAY_MS;
  const laterRefs = later.refs;

  // partners: last activity, onboarding
  for (const p of partners) {
    const a = accs[p.idx];
    if (a === undefined) continue;
    const last = a.lastActivity;
    if (last !== -Infinity) {
      // health activity steps and active partners (7/30/90/180 days), INACTIVE
      for (const days of [7, 30, 90, 180]) bump(p.idx, last + days * DAY_MS);
      bump(p.idx, last + t.inactiveDays * DAY_MS);
      if (asOf - last > t.inactiveDays * DAY_MS) bump(p.idx, nextDay(last)); // "No activity for N days"
    } else if (p.onboarded !== null) {
      // never active: onboarded within 90 days, NOT_ACTIVATED and its day count
      bump(p.idx, p.onboarded);
      bump(p.idx, p.onboarded + 90 * DAY_MS);
      bump(p.idx, p.onboarded + t.notActivatedDays * DAY_MS);
      if (asOf - p.onboarded > t.notActivatedDays * DAY_MS) bump(p.idx, nextDay(p.onboarded));
    }
  }

  // registrations in conflict: open deals of one customer with a submitted or approved registration
  const groups = new Map<string, Set<number>>();
  for (const d of deals) {
    if (d.stage !== 'open' || d.customerId === null || d.reg === null) continue;
    if (d.reg.status !== 'submitted' && d.reg.status !== 'approved') continue;
    const g = groups.get(d.customerId) ?? new Set<number>();
    g.add(d.reg.partner);
    groups.set(d.customerId, g);
  }
  // the recipes' last deal (RECIPE_UNUSED, recipe KPIs)
  const lastDealAt = new Map<string, number>();
  for (const d of deals) {
    const r = dealRecipe(d, partners);
    if (r !== null && d.created > (lastDealAt.get(r.id) ?? -Infinity)) lastDealAt.set(r.id, d.created);
  }
  for (const r of program.recipes.values()) {
    const last = lastDealAt.get(r.id);
    if (r.status === 'active' && last !== undefined) bumpProgram(last + t.recipeUnusedDays * DAY_MS);
  }

  deals.forEach((d, i) => {
    // the partners the deal names: as the engine read it, and in parts it left out for now
    const ofDeal = (): number[] => [
      ...(d.source >= 0 ? [d.source] : []),
      ...(d.reg === null ? [] : [d.reg.partner]),
      ...d.touches.map((x) => x.partner),
      ...(laterRefs.get(d.id) ?? []),
    ];
    if (d.stage === 'won') {
      // wins closed within 90 / 365 days (health revenue, attributed revenue over 12 months)
      for (let k = rows.start(i); k < rows.end(i); k++) {
        bump(rows.partner(k), d.closed + 90 * DAY_MS);
        bump(rows.partner(k), d.closed + 365 * DAY_MS);
      }
    }
    // the conversion sample and the earned tier: sourced deals closed within 365 days
    if (d.stage !== 'open' && d.source >= 0) bump(d.source, d.closed + 365 * DAY_MS);
    if (d.stage !== 'open') return;
    const reg = d.reg;
    if (reg !== null && reg.status === 'submitted' && reg.submitted !== null) {
      // REGISTRATION_PENDING and its day count
      bump(reg.partner, reg.submitted + t.registrationPendingDays * DAY_MS);
      if (asOf - reg.submitted > t.registrationPendingDays * DAY_MS) bump(reg.partner, nextDay(reg.submitted));
    }
    if (reg !== null && reg.status === 'approved' && reg.expires !== null) {
      // expiry: the deal's source (and attribution), REGISTRATION_EXPIRED, the write marking it
      // expired, which takes it out of its customer's registration conflicts
      bumpAll(ofDeal(), reg.expires);
      bump(reg.partner, reg.expires);
      if (d.customerId !== null) bumpAll(groups.get(d.customerId) ?? [], reg.expires);
      bump(reg.partner, reg.expires - t.registrationExpiringDays * DAY_MS); // REGISTRATION_EXPIRING
      // the deal's recipe follows its source: the recipe's last deal may move
      const r = d.recipe === null && d.source === reg.partner ? partners[d.source]?.recipe : null;
      if (r != null && d.created >= (lastDealAt.get(r.id) ?? -Infinity)) bumpProgram(reg.expires);
    }
    // time-decay weights of an open deal are taken at asOf itself
    if (program.model === 'time_decay' && rows.end(i) - rows.start(i) > 1) bumpAll(ofDeal(), asOf);
  });

  // commission entries: payable dates, clawback windows
  for (let i = 0; i < entries.length; i++) {
    const deal = entries.deal(i);
    const partner = entries.partner(i);
    const plan = entries.plan(i);
    const payable = entries.payable(i);
    if (deal !== null) {
      if (!payable) bump(partner, Math.max(deal.closed + plan.holdDays * DAY_MS, tz.monthStart(entries.month(i))));
      bump(partner, deal.closed + plan.clawbackDays * DAY_MS);
    } else if (!payable) {
      const start = tz.monthStart(entries.month(i));
      bump(partner, Math.max(start, partners[partner]?.onboarded ?? start) + plan.holdDays * DAY_MS);
    }
  }

  // open deals in a currency with dated rates follow the rate of asOf's date
  for (const list of program.rates.values())
    for (const r of list) for (const x of instantsOf(tz, r.from)) bumpProgram(x);

  const out = new Map<string, number>();
  for (const p of partners) {
    const d = due[p.idx] as number;
    if (d !== Infinity) out.set(p.id, d);
  }
  return { program: programDue, partners: out };
}
