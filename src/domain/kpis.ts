// Partner, recipe and program KPIs (docs/finance-rules.md §6), plus the per-partner figures health,
// tiers and alerts need (docs/finance-rules.md §7 and 8). One pass over the deals fills the accumulators.

import type { AttributionTable } from './attribution.ts';
import type { CommissionTable } from './commissions.ts';
import { formatMinor, rat, ratioToNumber, roundDiv, type Rational } from './money.ts';
import type { DealRec, PartnerRec } from './prepare.ts';
import type { PreparedRecipe, Program } from './program.ts';
import { DAY_MS, formatInstant, type MonthIndex, type TimeZone } from './time.ts';

export interface Window {
  start: number;
  end: number;
  firstMonth: MonthIndex;
  months: number;
}

export interface PartnerAcc {
  sourcedRevenue: bigint;
  influencedRevenue: bigint;
  attributedRevenue: bigint;
  attributedPrev: bigint;
  /** Attribution on wins closed within 90 / 365 days before asOf. */
  attributed90: bigint;
  attributed365: bigint;
  pipeline: bigint;
  dealsWon: number;
  dealsLost: number;
  cycleMs: bigint;
  registrations: number;
  registrationsApproved: number;
  commissions: bigint;
  lastActivity: number;
  firstReferral: number;
  /** Sourced deals closed within 365 days before asOf (the conversion sample). */
  closed365: number;
  won365: number;
}

function newAcc(): PartnerAcc {
  return {
    sourcedRevenue: 0n,
    influencedRevenue: 0n,
    attributedRevenue: 0n,
    attributedPrev: 0n,
    attributed90: 0n,
    attributed365: 0n,
    pipeline: 0n,
    dealsWon: 0,
    dealsLost: 0,
    cycleMs: 0n,
    registrations: 0,
    registrationsApproved: 0,
    commissions: 0n,
    lastActivity: -Infinity,
    firstReferral: Infinity,
    closed365: 0,
    won365: 0,
  };
}

export interface ProgramAcc {
  totalWonRevenue: bigint;
  /** Latest createdAt of deals whose effective recipe (deal on its own) is the recipe. */
  lastDealAt: Map<string, number>;
}

export const inWindow = (w: Window, at: number): boolean => at >= w.start && at < w.end;

export interface AccumulateInput {
  program: Program;
  asOf: number;
  w: Window;
  prev: Window;
  partners: readonly PartnerRec[];
  deals: readonly DealRec[];
  rows: AttributionTable;
  touchPartnersOf: (i: number) => readonly number[];
  entries: CommissionTable;
}

/** The effective recipe of a deal on its own: deal.recipe, else its sourcing partner's. */
export function dealRecipe(deal: DealRec, partners: readonly PartnerRec[]): PreparedRecipe | null {
  return deal.recipe ?? (deal.source >= 0 ? (partners[deal.source]?.recipe ?? null) : null);
}

export function accumulate(input: AccumulateInput): { accs: PartnerAcc[]; program: ProgramAcc } {
  const { asOf, w, prev, partners, deals } = input;
  const accs = partners.map(newAcc);
  const prog: ProgramAcc = { totalWonRevenue: 0n, lastDealAt: new Map() };
  const since90 = asOf - 90 * DAY_MS;
  const since365 = asOf - 365 * DAY_MS;
  const acc = (p: number): PartnerAcc => accs[p] ?? newAcc();

  deals.forEach((d, i) => {
    const S = d.source;
    const won = d.stage === 'won';
    const closedInW = d.stage !== 'open' && inWindow(w, d.closed);
    if (S >= 0) {
      const a = acc(S);
      if (d.created > a.lastActivity) a.lastActivity = d.created;
      if (d.created < a.firstReferral) a.firstReferral = d.created;
      if (d.stage === 'open') a.pipeline += d.amount;
      if (closedInW) {
        if (won) {
          a.sourcedRevenue += d.amount;
          a.dealsWon++;
          a.cycleMs += BigInt(Math.max(0, d.closed - d.created));
        } else {
          a.dealsLost++;
        }
      }
      if (d.stage !== 'open' && d.closed >= since365) {
        a.closed365++;
        if (won) a.won365++;
      }
    }
    if (won) {
      if (closedInW) prog.totalWonRevenue += d.amount;
      const prevW = inWindow(prev, d.closed);
      const { rows } = input;
      for (let k = rows.start(i); k < rows.end(i); k++) {
        const a = acc(rows.partner(k));
        const amount = rows.amount(k);
        if (closedInW) a.attributedRevenue += amount;
        if (prevW) a.attributedPrev += amount;
        if (d.closed >= since90) a.attributed90 += amount;
        if (d.closed >= since365) a.attributed365 += amount;
      }
      if (closedInW) for (const p of input.touchPartnersOf(i)) if (p !== S) acc(p).influencedRevenue += d.amount;
    }
    const reg = d.reg;
    if (reg !== null && reg.submitted !== null) {
      const a = acc(reg.partner);
      if (reg.submitted > a.lastActivity) a.lastActivity = reg.submitted;
      if (reg.submitted < a.firstReferral) a.firstReferral = reg.submitted;
      if (inWindow(w, reg.submitted)) {
        a.registrations++;
        if (reg.status === 'approved') a.registrationsApproved++;
      }
    }
    for (const t of d.touches) {
      const a = acc(t.partner);
      if (t.at > a.lastActivity) a.lastActivity = t.at;
    }
    const recipe = dealRecipe(d, partners);
    if (recipe !== null) {
      const last = prog.lastDealAt.get(recipe.id);
      if (last === undefined || d.created > last) prog.lastDealAt.set(recipe.id, d.created);
    }
  });
  const { entries } = input;
  for (let i = 0; i < entries.length; i++) {
    const month = entries.month(i);
    if (month >= w.firstMonth && month < w.firstMonth + w.months)
      acc(entries.partner(i)).commissions += entries.amount(i);
  }
  return { accs, program: prog };
}

/** The window-dependent part of a partner's accumulator, for one calendar month. */
interface MonthAcc {
  sourced: bigint;
  won: number;
  cycleMs: bigint;
  lost: number;
  attributed: bigint;
  influenced: bigint;
  registrations: number;
  approved: number;
  commissions: bigint;
}

const newMonthAcc = (): MonthAcc => ({
  sourced: 0n,
  won: 0,
  cycleMs: 0n,
  lost: 0,
  attributed: 0n,
  influenced: 0n,
  registrations: 0,
  approved: 0,
  commissions: 0n,
});

/**
 * The month of `at` as the windows count it: the month m with monthStart(m) <= at <
 * monthStart(m + 1), so a window of whole months holds `at` exactly when it holds that month.
 */
export function windowMonth(tz: TimeZone, at: number): MonthIndex {
  let m = tz.monthOf(at);
  while (at < tz.monthStart(m)) m--;
  while (at >= tz.monthStart(m + 1)) m++;
  return m;
}

/** One pass over the deals for every window made of whole months between two months (issue 21). */
export interface MonthlyAccs {
  firstMonth: MonthIndex;
  months: number;
  /** The window-independent part of each partner's accumulator (windowed sums at 0). */
  base: PartnerAcc[];
  /** Per month offset, per partner index: that month's windowed sums (undefined: none). */
  monthly: (MonthAcc | undefined)[][];
  totalWon: bigint[];
  lastDealAt: Map<string, number>;
}

/**
 * The accumulation of `accumulate` for the months firstMonth .. firstMonth + months − 1 at once:
 * the windowed sums per month, the rest once. `periodFromMonths` adds a window's months up,
 * which equals `accumulate` over that window (every windowed figure is a sum over deals, rows,
 * registrations or entries whose instant or month falls in the window).
 */
export function accumulateMonths(
  input: Omit<AccumulateInput, 'w' | 'prev'> & { tz: TimeZone; firstMonth: MonthIndex; months: number },
): MonthlyAccs {
  const { asOf, partners, deals, tz, firstMonth, months } = input;
  const base = partners.map(newAcc);
  const monthly = Array.from({ length: months }, () => new Array<MonthAcc | undefined>(partners.length));
  const totalWon = new Array<bigint>(months).fill(0n);
  const lastDealAt = new Map<string, number>();
  const since90 = asOf - 90 * DAY_MS;
  const since365 = asOf - 365 * DAY_MS;
  const lo = tz.monthStart(firstMonth);
  const hi = tz.monthStart(firstMonth + months);
  /** The month offset of an instant, or −1 outside the months. */
  const offset = (at: number): number => (at >= lo && at < hi ? windowMonth(tz, at) - firstMonth : -1);
  const acc = (p: number): PartnerAcc => base[p] ?? newAcc();
  const at = (k: number, p: number): MonthAcc => {
    const row = monthly[k] as (MonthAcc | undefined)[];
    let a = row[p];
    if (a === undefined) row[p] = a = newMonthAcc();
    return a;
  };

  deals.forEach((d, i) => {
    const S = d.source;
    const won = d.stage === 'won';
    const k = d.stage === 'open' ? -1 : offset(d.closed);
    if (S >= 0) {
      const a = acc(S);
      if (d.created > a.lastActivity) a.lastActivity = d.created;
      if (d.created < a.firstReferral) a.firstReferral = d.created;
      if (d.stage === 'open') a.pipeline += d.amount;
      if (k >= 0) {
        const m = at(k, S);
        if (won) {
          m.sourced += d.amount;
          m.won++;
          m.cycleMs += BigInt(Math.max(0, d.closed - d.created));
        } else {
          m.lost++;
        }
      }
      if (d.stage !== 'open' && d.closed >= since365) {
        a.closed365++;
        if (won) a.won365++;
      }
    }
    if (won) {
      if (k >= 0) totalWon[k] = (totalWon[k] as bigint) + d.amount;
      const { rows } = input;
      for (let r = rows.start(i); r < rows.end(i); r++) {
        const p = rows.partner(r);
        const a = acc(p);
        const amount = rows.amount(r);
        if (k >= 0) at(k, p).attributed += amount;
        if (d.closed >= since90) a.attributed90 += amount;
        if (d.closed >= since365) a.attributed365 += amount;
      }
      if (k >= 0) for (const p of input.touchPartnersOf(i)) if (p !== S) at(k, p).influenced += d.amount;
    }
    const reg = d.reg;
    if (reg !== null && reg.submitted !== null) {
      const a = acc(reg.partner);
      if (reg.submitted > a.lastActivity) a.lastActivity = reg.submitted;
      if (reg.submitted < a.firstReferral) a.firstReferral = reg.submitted;
      const rk = offset(reg.submitted);
      if (rk >= 0) {
        const m = at(rk, reg.partner);
        m.registrations++;
        if (reg.status === 'approved') m.approved++;
      }
    }
    for (const t of d.touches) {
      const a = acc(t.partner);
      if (t.at > a.lastActivity) a.lastActivity = t.at;
    }
    const recipe = dealRecipe(d, partners);
    if (recipe !== null) {
      const last = lastDealAt.get(recipe.id);
      if (last === undefined || d.created > last) lastDealAt.set(recipe.id, d.created);
    }
  });
  const { entries } = input;
  for (let i = 0; i < entries.length; i++) {
    const k = entries.month(i) - firstMonth;
    if (k >= 0 && k < months) at(k, entries.partner(i)).commissions += entries.amount(i);
  }
  return { firstMonth, months, base, monthly, totalWon, lastDealAt };
}

/** A window's accumulators from the months (its months and its previous window's must be among them). */
export function periodFromMonths(m: MonthlyAccs, w: Window, prev: Window): { accs: PartnerAcc[]; program: ProgramAcc } {
  const inside = (x: Window): boolean =>
    x.firstMonth >= m.firstMonth && x.firstMonth + x.months <= m.firstMonth + m.months;
  if (!inside(w) || !inside(prev)) throw new Error('periodFromMonths: the window is outside the accumulated months');
  const accs = m.base.map((b) => ({ ...b }));
  let totalWonRevenue = 0n;
  for (let k = w.firstMonth - m.firstMonth; k < w.firstMonth - m.firstMonth + w.months; k++) {
    totalWonRevenue += m.totalWon[k] as bigint;
    const row = m.monthly[k] as (MonthAcc | undefined)[];
    row.forEach((x, p) => {
      const a = accs[p];
      if (x === undefined || a === undefined) return;
      a.sourcedRevenue += x.sourced;
      a.dealsWon += x.won;
      a.cycleMs += x.cycleMs;
      a.dealsLost += x.lost;
      a.attributedRevenue += x.attributed;
      a.influencedRevenue += x.influenced;
      a.registrations += x.registrations;
      a.registrationsApproved += x.approved;
      a.commissions += x.commissions;
    });
  }
  for (let k = prev.firstMonth - m.firstMonth; k < prev.firstMonth - m.firstMonth + prev.months; k++) {
    const row = m.monthly[k] as (MonthAcc | undefined)[];
    row.forEach((x, p) => {
      const a = accs[p];
      if (x !== undefined && a !== undefined) a.attributedPrev += x.attributed;
    });
  }
  return { accs, program: { totalWonRevenue, lastDealAt: new Map(m.lastDealAt) } };
}

// ---- output -----------------------------------------------------------------------------------

export interface PartnerKpis {
  sourcedRevenue: string;
  influencedRevenue: string;
  attributedRevenue: string;
  pipeline: string;
  dealsWon: number;
  dealsLost: number;
  winRate: number | null;
  avgDealSize: string | null;
  avgSalesCycleDays: number | null;
  registrations: number;
  registrationsApproved: number;
  commissions: string;
  lastActivityAt: string | null;
  timeToFirstReferralDays: number | null;
  growthRate: number | null;
  roi: number | null;
}

export interface RecipeKpis {
  partners: number;
  activePartners: number;
  sourcedRevenue: string;
  attributedRevenue: string;
  commissions: string;
  cost: string;
  dealsWon: number;
  dealsLost: number;
  winRate: number | null;
  roi: number | null;
  lastDealAt: string | null;
}

export interface ProgramKpis {
  attributedRevenue: string;
  totalWonRevenue: string;
  partnerRevenueShare: number | null;
  activePartners: number;
  newPartners: number;
  topPartners: string[];
}

/** ROI cost: commissions + the partner's recipe monthlyCost × months in W. */
export function partnerCost(p: PartnerRec, a: PartnerAcc, w: Window): bigint {
  return a.commissions + (p.recipe?.monthlyCost ?? 0n) * BigInt(w.months);
}

function roi(program: Program, attributed: bigint, cost: bigint): number | null {
  if (cost === 0n) return null;
  // (attributed × gm/10000 − cost) / cost
  return ratioToNumber(rat(attributed * BigInt(program.grossMarginBps) - cost * 10_000n, cost * 10_000n), 4);
}

function winRate(won: number, lost: number): number | null {
  return won + lost === 0 ? null : ratioToNumber(rat(won, won + lost), 4);
}

/** Active: last activity within the 90 days before asOf (docs/finance-rules.md §6). */
export const activeAt = (lastActivity: number, asOf: number): boolean =>
  lastActivity >= asOf - 90 * DAY_MS && lastActivity <= asOf;

export const isActive = (a: PartnerAcc, asOf: number): boolean => activeAt(a.lastActivity, asOf);

export function partnerKpis(program: Program, p: PartnerRec, a: PartnerAcc, w: Window): PartnerKpis {
  const money = (v: bigint): string => formatMinor(v, program.exponent);
  const firstEvent = a.firstReferral;
  return {
    sourcedRevenue: money(a.sourcedRevenue),
    influencedRevenue: money(a.influencedRevenue),
    attributedRevenue: money(a.attributedRevenue),
    pipeline: money(a.pipeline),
    dealsWon: a.dealsWon,
    dealsLost: a.dealsLost,
    winRate: winRate(a.dealsWon, a.dealsLost),
    avgDealSize: a.dealsWon === 0 ? null : money(roundDiv(a.sourcedRevenue, BigInt(a.dealsWon))),
    avgSalesCycleDays: a.dealsWon === 0 ? null : ratioToNumber(rat(a.cycleMs, BigInt(a.dealsWon) * BigInt(DAY_MS)), 1),
    registrations: a.registrations,
    registrationsApproved: a.registrationsApproved,
    commissions: money(a.commissions),
    lastActivityAt: a.lastActivity === -Infinity ? null : formatInstant(a.lastActivity),
    timeToFirstReferralDays:
      p.onboarded === null || firstEvent === Infinity
        ? null
        : ratioToNumber(rat(BigInt(firstEvent - p.onboarded), BigInt(DAY_MS)), 1),
    growthRate:
      a.attributedPrev === 0n ? null : ratioToNumber(rat(a.attributedRevenue - a.attributedPrev, a.attributedPrev), 4),
    roi: roi(program, a.attributedRevenue, partnerCost(p, a, w)),
  };
}

export function recipeKpis(
  program: Program,
  recipe: PreparedRecipe,
  partners: readonly PartnerRec[],
  accs: readonly PartnerAcc[],
  prog: ProgramAcc,
  w: Window,
  asOf: number,
): RecipeKpis {
  let count = 0;
  let active = 0;
  let sourced = 0n;
  let attributed = 0n;
  let commissions = 0n;
  let cost = 0n;
  let won = 0;
  let lost = 0;
  for (const p of partners) {
    if (p.recipe?.id !== recipe.id) continue;
    const a = accs[p.idx];
    if (!a) continue;
    count++;
    if (isActive(a, asOf)) active++;
    sourced += a.sourcedRevenue;
    attributed += a.attributedRevenue;
    commissions += a.commissions;
    cost += partnerCost(p, a, w);
    won += a.dealsWon;
    lost += a.dealsLost;
  }
  const sums = { partners: count, active, sourced, attributed, commissions, cost, won, lost };
  return recipeKpisOf(program, sums, prog.lastDealAt.get(recipe.id));
}

/** A recipe's sums over its partners (issue 21: read models keep them per partner row). */
export interface RecipeSums {
  partners: number;
  active: number;
  sourced: bigint;
  attributed: bigint;
  commissions: bigint;
  cost: bigint;
  won: number;
  lost: number;
}

/** Recipe KPIs from the sums of its partners and the creation of its last deal. */
export function recipeKpisOf(program: Program, s: RecipeSums, lastDealAt: number | undefined): RecipeKpis {
  const money = (v: bigint): string => formatMinor(v, program.exponent);
  return {
    partners: s.partners,
    activePartners: s.active,
    sourcedRevenue: money(s.sourced),
    attributedRevenue: money(s.attributed),
    commissions: money(s.commissions),
    cost: money(s.cost),
    dealsWon: s.won,
    dealsLost: s.lost,
    winRate: winRate(s.won, s.lost),
    roi: roi(program, s.attributed, s.cost),
    lastDealAt: lastDealAt === undefined ? null : formatInstant(lastDealAt),
  };
}

export function programKpis(
  program: Program,
  partners: readonly PartnerRec[],
  accs: readonly PartnerAcc[],
  prog: ProgramAcc,
  w: Window,
  asOf: number,
): ProgramKpis {
  let attributed = 0n;
  let active = 0;
  let newPartners = 0;
  const ranked: { id: string; v: bigint }[] = [];
  for (const p of partners) {
    const a = accs[p.idx];
    if (!a) continue;
    attributed += a.attributedRevenue;
    if (isActive(a, asOf)) active++;
    if (p.onboarded !== null && inWindow(w, p.onboarded)) newPartners++;
    if (a.attributedRevenue > 0n) ranked.push({ id: p.id, v: a.attributedRevenue });
  }
  return programKpisOf(program, { attributed, totalWon: prog.totalWonRevenue, active, newPartners, ranked });
}

/** Program KPIs from the program's sums and the partners with attributed revenue above 0 (any order). */
export function programKpisOf(
  program: Program,
  s: {
    attributed: bigint;
    totalWon: bigint;
    active: number;
    newPartners: number;
    ranked: { id: string; v: bigint }[];
  },
): ProgramKpis {
  const ranked = [...s.ranked].sort((x, y) =>
    x.v > y.v ? -1 : x.v < y.v ? 1 : x.id < y.id ? -1 : x.id > y.id ? 1 : 0,
  );
  return {
    attributedRevenue: formatMinor(s.attributed, program.exponent),
    totalWonRevenue: formatMinor(s.totalWon, program.exponent),
    partnerRevenueShare: s.totalWon === 0n ? null : ratioToNumber(rat(s.attributed, s.totalWon), 4),
    activePartners: s.active,
    newPartners: s.newPartners,
    topPartners: ranked.slice(0, TOP_PARTNERS).map((r) => r.id),
  };
}

/** How many partners topPartners lists (docs/finance-rules.md §6). */
export const TOP_PARTNERS = 5;

/** The exact conversion-sample win rate, or null below the minimum sample (docs/finance-rules.md §7). */
export function winRate365(program: Program, a: PartnerAcc): Rational | null {
  return a.closed365 >= program.alerts.minClosedForWinRate && a.closed365 > 0 ? rat(a.won365, a.closed365) : null;
}

export function windowOf(tz: TimeZone, firstMonth: MonthIndex, months: number): Window {
  return { start: tz.monthStart(firstMonth), end: tz.monthStart(firstMonth + months), firstMonth, months };
}
