// Read models brought forward by a scoped run (issue 21): the run computed the engine over a
// sub-snapshot — the affected partners (AP) with all their deals, the deals in scope (DS) and the
// other partners those deals name, as context — so only AP's figures are complete there. This
// rewrites AP's partner rows for the stored periods, removes removed partners' and deals' rows,
// and makes every period aggregate exactly what a whole-account build (read-model-build.ts)
// gives: the sums over partners are the stored aggregate minus AP's stored figures plus their new
// ones (migration 015 keeps each row's figures), the deal-level parts (won revenue per month,
// each recipe's last deal) come from the deal rows, and topPartners from the stored ranking of
// the partners outside AP merged with AP's new figures. All in one fenced transaction
// (store.writeReadModels): a crash leaves the previous run's read models whole.
//
// Valid when AP and DS cover every change since the head's run: records pulled or removed since
// then, and what time alone changed between the head's asOf and this one (a partner whose
// activity, windows or health moved belongs to AP). The stored read models cannot be brought
// forward — the function returns null and the caller builds them from a whole-account
// computation — when there is no head, it was computed with another program config, it was
// written before migration 015 (no figures yet), or it is of another month (the stored periods
// move with the month).

import type { EngineOutput } from '../domain/engine.ts';
import { recipeUnused } from '../domain/alerts.ts';
import {
  activeAt,
  inWindow,
  programKpisOf,
  recipeKpisOf,
  TOP_PARTNERS,
  windowOf,
  type ProgramKpis,
  type RecipeKpis,
  type RecipeSums,
} from '../domain/kpis.ts';
import { parseDecimalToMinor } from '../domain/money.ts';
import type { Program } from '../domain/program.ts';
import { TimeZone } from '../domain/time.ts';
import type { Fence } from '../ledger/port.ts';
import type { ReadModelDealInput, ReadModelFigures, ReadModelHead, Store } from '../store/store.ts';
import {
  figuresFit,
  periodInputs,
  programFingerprint,
  readModelDealRows,
  readModelRows,
  storedPeriods,
  type PeriodAggregate,
  type PeriodRows,
} from './read-model-build.ts';

type ReadModelStore = Pick<
  Store,
  | 'readModelHead'
  | 'readModelPeriods'
  | 'readModelFigures'
  | 'readModelDeals'
  | 'readModelTopAttributed'
  | 'readModelRecipeDeals'
  | 'writeReadModels'
>;

export interface ScopedReadModelInput {
  store: ReadModelStore;
  fence: Fence;
  program: Program;
  /** The head to write: this run, its asOf and the program's fingerprint. */
  head: ReadModelHead;
  asOf: number;
  /** The engine over the sub-snapshot, as of asOf. */
  sub: EngineOutput;
  /** AP: the affected partners, complete in `sub` (all their deals are in it). */
  partners: ReadonlySet<string>;
  /** DS: the deals in scope (every deal naming an AP partner, the changed deals, ...). */
  deals: ReadonlySet<string>;
  /** Partners and deals removed from the CRM since the head's run. */
  removedPartners: readonly string[];
  removedDeals: readonly string[];
  /** Partner names by id (at least AP's). */
  names: ReadonlyMap<string, string>;
  at: number;
}

/** Rows of each recipe read first by lastDealByRecipe. */
const RECIPE_ROWS_FIRST = 8;

/**
 * Each recipe's last deal (creation time) over the stored deal rows except `excluding`, merged
 * with `add` (the new rows of the excluded deals). A scoped run's RECIPE_UNUSED needs it: its
 * sub-snapshot holds only some of each recipe's deals. The stored rows are the head's run's.
 */
export async function lastDealByRecipe(
  store: Pick<Store, 'readModelRecipeDeals'>,
  account: string,
  program: Program,
  excluding: ReadonlySet<string>,
  add: Iterable<Pick<ReadModelDealInput, 'recipe' | 'created'>> = [],
): Promise<Map<string, number>> {
  const last = new Map<string, number>();
  // each recipe's newest rows (ties at the last creation time included), newest first: the first not
  // excluded is the newest kept, as every row left out is older. A few rows first, and more only for
  // a recipe whose rows read are all excluded, up to one more than can be excluded (issue 21: not
  // |DS| + 1 rows of every recipe on every scoped run)
  const most = excluding.size + 1;
  let count = Math.min(most, RECIPE_ROWS_FIRST);
  for (let pending = [...program.recipes.keys()]; pending.length > 0; count = Math.min(most, count * 8)) {
    const newest = await store.readModelRecipeDeals(account, pending, count);
    const again: string[] = [];
    for (const recipe of pending) {
      const rows = newest.get(recipe) ?? [];
      const kept = rows.find((r) => !excluding.has(r.id));
      if (kept !== undefined) last.set(recipe, kept.created);
      // fewer rows than asked: the recipe has no other; `most` rows: one of them is not excluded
      else if (rows.length >= count && count < most) again.push(recipe);
    }
    pending = again;
  }
  for (const d of add) {
    if (d.recipe === null || !program.recipes.has(d.recipe)) continue;
    const prev = last.get(d.recipe);
    if (prev === undefined || d.created > prev) last.set(d.recipe, d.created);
  }
  return last;
}

/** Money of a stored aggregate back in minor units (written by formatMinor: exact). */
function minor(text: string, program: Program, what: string): bigint {
  const v = parseDecimalToMinor(text, program.exponent);
  if (v === null) throw new Error(`read model: stored ${what} "${text}" is not an amount`);
  return v;
}

const emptySums = (): RecipeSums => ({
  partners: 0,
  active: 0,
  sourced: 0n,
  attributed: 0n,
  commissions: 0n,
  cost: 0n,
  won: 0,
  lost: 0,
});

function sumsOf(k: RecipeKpis, program: Program): RecipeSums {
  return {
    partners: k.partners,
    active: k.activePartners,
    sourced: minor(k.sourcedRevenue, program, 'sourcedRevenue'),
    attributed: minor(k.attributedRevenue, program, 'attributedRevenue'),
    commissions: minor(k.commissions, program, 'commissions'),
    cost: minor(k.cost, program, 'cost'),
    won: k.dealsWon,
    lost: k.dealsLost,
  };
}

/** Adds (sign 1) or takes out (sign −1) one partner row's figures. */
function move(s: RecipeSums, f: ReadModelFigures, active: boolean, sign: 1 | -1): void {
  const b = BigInt(sign);
  s.partners += sign;
  if (active) s.active += sign;
  s.sourced += b * f.sourced;
  s.attributed += b * f.attributed;
  s.commissions += b * f.commissions;
  s.cost += b * f.cost;
  s.won += sign * f.won;
  s.lost += sign * f.lost;
}

const activeOf = (f: ReadModelFigures, asOf: number): boolean =>
  f.lastActivity !== null && activeAt(f.lastActivity, asOf);

/**
 * Brings the stored read models forward to this scoped run (see the top of the file); returns
 * the rows written or removed, or null when they cannot be (the caller then builds them whole).
 */
export async function scopedReadModels(
  input: ScopedReadModelInput,
): Promise<{ periods: number; partners: number } | null> {
  const { store, fence, program, asOf, sub } = input;
  const account = fence.account;
  const tz = new TimeZone(program.timezone);
  const month = tz.monthOf(asOf);
  const stored = await store.readModelHead(account);
  if (
    stored === null ||
    stored.scopable !== true ||
    stored.fingerprint !== programFingerprint(program) ||
    tz.monthOf(stored.asOf) !== month
  )
    return null;
  const periods = storedPeriods(month);
  const aggregates = (await store.readModelPeriods(
    account,
    periods.map((p) => p.label),
  )) as Map<string, PeriodAggregate>;
  if (periods.some((p) => !aggregates.has(p.label))) return null;

  // what is stored of the partners and deals in scope
  const partnersOut = new Set([...input.partners, ...input.removedPartners]);
  const dealsOut = new Set([...input.deals, ...input.removedDeals]);
  const oldFigures = await store.readModelFigures(account, [...partnersOut]);
  if (oldFigures.some((r) => r.figures === null)) return null;
  const oldDeals = await store.readModelDeals(account, [...dealsOut]);

  // their new rows, from the sub-snapshot: only AP's partner rows, only DS's deals
  const computed = new Set(sub.details.partners.map((p) => p.id));
  const keep = new Set([...input.partners].filter((id) => computed.has(id)));
  const rows = readModelRows(program, sub, input.names, asOf, periods, keep);
  const newDeals = readModelDealRows(sub.details, input.deals);
  // a figure beyond the store's 64-bit columns: the caller builds them whole, without figures
  if (!figuresFit(rows, newDeals)) return null;
  const newDealIds = new Set(newDeals.map((d) => d.id));

  const lastDeal = await lastDealByRecipe(store, account, program, dealsOut, newDeals);
  const unusedRecipes = [...program.recipes.values()]
    .filter((r) => recipeUnused(program, r, lastDeal.get(r.id) ?? null, asOf))
    .map((r) => r.id)
    .sort();

  const top = await store.readModelTopAttributed(
    account,
    periods.map((p) => p.label),
    TOP_PARTNERS + partnersOut.size,
  );
  const updated: PeriodRows[] = [];
  for (const row of rows) {
    const { period, figures } = row;
    const old = aggregates.get(period.label) as PeriodAggregate;
    const w = windowOf(tz, period.firstMonth, period.months);
    const inMonths = (m: number | null): boolean =>
      m !== null && m >= period.firstMonth && m < period.firstMonth + period.months;

    // recipe and program sums: stored, minus AP's stored figures, plus their new ones
    const recipes = new Map(old.recipes.map((r) => [r.id, sumsOf(r.kpis, program)]));
    const all: RecipeSums = {
      ...emptySums(),
      partners: old.partners,
      active: old.program.activePartners,
      attributed: minor(old.program.attributedRevenue, program, 'attributedRevenue'),
    };
    let newPartners = old.program.newPartners;
    const change = (recipe: string | null, f: ReadModelFigures, active: boolean, sign: 1 | -1): void => {
      const r = recipe === null ? undefined : recipes.get(recipe);
      if (r !== undefined) move(r, f, active, sign);
      move(all, f, active, sign);
      if (f.onboarded !== null && inWindow(w, f.onboarded)) newPartners += sign;
    };
    for (const r of oldFigures)
      if (r.period === period.label && r.figures !== null)
        change(r.recipe, r.figures, activeOf(r.figures, stored.asOf), -1);
    for (const p of row.model.partners) {
      const f = figures.get(p.id);
      if (f === undefined) throw new Error(`read model: partner ${p.id} has no figures`);
      change(p.recipe, f, activeOf(f, asOf), 1);
    }

    // won revenue of the period: stored, minus DS's stored rows, plus their new ones
    let totalWon = minor(old.program.totalWonRevenue, program, 'totalWonRevenue');
    for (const d of oldDeals) if (inMonths(d.wonMonth)) totalWon -= d.amount ?? 0n;
    for (const d of newDeals) if (inMonths(d.wonMonth)) totalWon += d.amount ?? 0n;

    // topPartners: the stored ranking without the partners in scope, and AP's new figures
    const candidates = (top.get(period.label) ?? [])
      .filter((c) => !partnersOut.has(c.id))
      .map((c) => ({ id: c.id, v: c.attributed }));
    for (const [id, f] of figures) if (f.attributed > 0n) candidates.push({ id, v: f.attributed });

    const programKpis: ProgramKpis = programKpisOf(program, {
      attributed: all.attributed,
      totalWon,
      active: all.active,
      newPartners,
      ranked: candidates,
    });
    const aggregate: PeriodAggregate = {
      currency: program.currency,
      period: old.period,
      recipes: old.recipes.map((r) => ({
        id: r.id,
        kpis: recipeKpisOf(program, recipes.get(r.id) ?? emptySums(), lastDeal.get(r.id)),
      })),
      program: programKpis,
      unusedRecipes,
      partners: all.partners,
    };
    updated.push({ ...row, model: { aggregate, partners: row.model.partners } });
  }

  const removedPartners = [...partnersOut].filter((id) => !keep.has(id));
  const removedDeals = [...dealsOut].filter((id) => !newDealIds.has(id));
  return store.writeReadModels(fence, input.head, periodInputs(updated), false, input.at, {
    deals: newDeals,
    removedDeals,
    removedPartners,
  });
}
