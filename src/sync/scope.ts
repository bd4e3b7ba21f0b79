// Scoped runs (issue 21, docs/architecture.md "Scoped runs"): a run that changed a few records
// computes over the part of the account those changes can move, read from the store by index
// (deal_partner_refs, the customer index, ledger key totals per partner; migration 014), instead of
// loading the whole snapshot cache.
//
// The engine's dependencies across records (src/domain): a deal's attribution, commissions and
// alerts depend on the deal and on which of the partners it names exist (and their names and
// recipes); a partner's KPIs, health, alerts and fixed fees on the deals that name it; a row's
// commission on its partner's tier, i.e. the won deals that partner sourced (SourcedWins); a
// REGISTRATION_CONFLICT on the open deals of the same customer; RECIPE_UNUSED and
// CURRENCY_RATE_MISSING on the whole account (decided in run-sync.ts: kept, or the full path).
//
// - AP, the partners whose outputs are recomputed: the changed partners, those whose own due
//   instant has passed (time alone may have moved their outputs), every partner a changed
//   deal names before or after this run's pull, every partner named on a deal that names a
//   changed partner (its existence, name or recipe shows in their deals' attribution, messages and
//   write-back), and the registration partner of each open deal of a customer a changed deal (or a
//   deal naming a changed partner) had or has (conflict messages appear in its alerts).
// - DS, the deals whose outputs are recomputed: every deal naming a partner of AP, the changed
//   deals and those open deals of the customers.
// - The sub-snapshot the engine runs over adds what those outputs read: the open deals of every
//   customer of an open deal in DS (conflicts), the won deals a partner named on a won deal of DS
//   may source (its tier, when a plan has tiers; the others do not count towards it), the deals of AP's ledger keys (their stage and
//   rejection decide a reversal's kind), and every partner any of these deals names (so known and
//   unknown ids read as in the whole account).
// Outputs of AP and DS over the sub-snapshot equal those over the whole account; outputs of any
// other record are not taken from it.

import type { PulledDeal, PulledPartner } from '../domain/records.ts';
import { dealRefs } from '../domain/deal-refs.ts';
import type { Program } from '../domain/program.ts';
import type { CachedRecords, Store } from '../store/store.ts';

export type ScopeReader = Pick<Store, 'cachedRecords' | 'dealsNaming' | 'openDealsOfCustomers' | 'ledgerKeyDeals'>;

export interface ScopeChange {
  /** Deals this run's pull wrote, linked or removed. */
  deals: ReadonlySet<string>;
  /** Partners this run's pull wrote or removed. */
  partners: ReadonlySet<string>;
  /** Those records as cached before the pull (absent: they were not cached). */
  before: { deals: ReadonlyMap<string, PulledDeal>; partners: ReadonlyMap<string, PulledPartner> };
  /**
   * Partners whose own due instant has passed (partner_dues): time alone may have changed their
   * outputs, which their instant bounds (src/domain/due.ts dueParts); they join AP as they are.
   */
  due?: ReadonlySet<string> | undefined;
}

export interface Scope {
  /** AP: partners whose outputs this run recomputes. */
  partners: Set<string>;
  /** DS: deals whose outputs this run recomputes. */
  deals: Set<string>;
  /** What the engine runs over (DS, AP and their context), in id order. */
  snapshot: CachedRecords;
  /** Recipe ids whose last deal (RECIPE_UNUSED) a change may have moved. */
  recipes: Set<string>;
}

const text = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const refIds = (d: PulledDeal): string[] => dealRefs(d).map((r) => r.partnerId);

/** The affected partners and deals of a change, and the sub-snapshot that computes them exactly. */
export async function scopeOf(
  store: ScopeReader,
  account: string,
  program: Program,
  change: ScopeChange,
): Promise<Scope> {
  const deals = new Map<string, PulledDeal>();
  const partners = new Map<string, PulledPartner>();
  const load = async (dealIds: Iterable<string>, partnerIds: Iterable<string> = []): Promise<void> => {
    const d = [...new Set(dealIds)].filter((id) => !deals.has(id));
    const p = [...new Set(partnerIds)].filter((id) => !partners.has(id));
    if (d.length === 0 && p.length === 0) return;
    const got = await store.cachedRecords(account, { deals: d, partners: p });
    for (const x of got.deals) deals.set(x.id, x);
    for (const x of got.partners) partners.set(x.id, x);
  };
  const changedDeals = [...change.deals];
  const changedPartners = [...change.partners];
  await load(changedDeals, changedPartners);
  const before = [...change.before.deals.values()];
  const after = changedDeals.flatMap((id) => deals.get(id) ?? []);

  const ap = new Set<string>([...changedPartners, ...(change.due ?? [])]);
  for (const d of [...before, ...after]) for (const id of refIds(d)) ap.add(id);
  const customers = new Set<string>();
  for (const d of [...before, ...after]) {
    const c = text(d.customerId);
    if (c !== null) customers.add(c);
  }
  // deals naming a changed partner: their other partners, and their customers' conflicts
  const naming = await store.dealsNaming(account, changedPartners);
  await load(naming);
  for (const id of naming) {
    const d = deals.get(id);
    if (!d) continue;
    for (const p of refIds(d)) ap.add(p);
    const c = text(d.customerId);
    if (c !== null && d.stage === 'open') customers.add(c);
  }
  const groups = await store.openDealsOfCustomers(account, [...customers]);
  await load(groups);
  for (const id of groups) {
    const d = deals.get(id);
    for (const r of d ? dealRefs(d) : []) if (r.role === 'registration') ap.add(r.partnerId);
  }

  const ds = new Set<string>([...changedDeals, ...groups, ...(await store.dealsNaming(account, [...ap]))]);
  await load(ds);
  const inDs = [...ds].flatMap((id) => deals.get(id) ?? []);

  // context the outputs of AP and DS read
  const extra = new Set<string>();
  const openCustomers = new Set<string>();
  for (const d of inDs) {
    const c = text(d.customerId);
    if (c !== null && d.stage === 'open') openCustomers.add(c);
  }
  for (const id of await store.openDealsOfCustomers(account, [...openCustomers])) extra.add(id);
  // a row's tier: only rows whose recipe (the deal's, else its partner's) has a tiered plan
  const tieredRecipe = (id: unknown): boolean => {
    const r = typeof id === 'string' ? program.recipes.get(id) : undefined;
    return r?.plan?.type === 'percent' && r.plan.tiers !== null;
  };
  if ([...program.recipes.values()].some((r) => tieredRecipe(r.id))) {
    const won = inDs.filter((d) => d.stage === 'won');
    await load([], won.flatMap(refIds));
    const credited = new Set<string>();
    for (const d of won) {
      const own = text(d.recipe);
      for (const p of refIds(d))
        if (tieredRecipe(own !== null && program.recipes.has(own) ? own : partners.get(p)?.recipe)) credited.add(p);
    }
    // only won deals count (SourcedWins, src/domain/commissions.ts: the cached stage is the prepared one)
    for (const id of await store.dealsNaming(account, [...credited], ['source', 'registration'], 'won')) extra.add(id);
  }
  for (const id of await store.ledgerKeyDeals(account, [...ap])) extra.add(id);
  await load(extra);
  await load([], [...ap, ...[...deals.values()].flatMap(refIds)]);

  // recipes whose last deal may have moved: of the changed deals before and after (their own and
  // their partners'), and of every partner whose deals' effective recipe a partner change may move
  const recipes = new Set<string>();
  const addRecipe = (v: unknown): void => {
    const r = text(v);
    if (r !== null) recipes.add(r);
  };
  const recipeOf = (id: string): void => {
    addRecipe(change.before.partners.get(id)?.recipe);
    addRecipe(partners.get(id)?.recipe);
  };
  for (const d of [...before, ...after]) {
    addRecipe(d.recipe);
    for (const id of refIds(d)) recipeOf(id);
  }
  for (const id of changedPartners) recipeOf(id);
  for (const id of naming) {
    const d = deals.get(id);
    if (!d) continue;
    addRecipe(d.recipe);
    for (const p of refIds(d)) recipeOf(p);
  }

  const byId = (a: { id: string }, b: { id: string }): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  return {
    partners: ap,
    deals: ds,
    snapshot: { partners: [...partners.values()].sort(byId), deals: [...deals.values()].sort(byId) },
    recipes,
  };
}
