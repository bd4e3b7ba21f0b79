// Read-side use cases for the HTTP API and the CLI: runs, partners with their latest results,
// KPIs for a period from the cached snapshot. Small and typed; they never call the CRM.

import { REFUSAL_HOLD_MS } from './write-refusals.ts';
import type { ComputeResult, PartnerOut } from '../domain/engine.ts';
import { formatInstant, monthPeriod, parsePeriod, type Period, type TimeZone } from '../domain/time.ts';
import type { AlertEpisode, PartnerPageQuery, PartnerPageRow, RunPageQuery, RunRecord } from '../store/store.ts';
import { LedgerInputError } from './accounts.ts';
import { flagWindowView, periodView, readBasis, type ReadBasis } from './read-models.ts';
import type { StoreDeps } from './deps.ts';

export function listRuns(deps: Pick<StoreDeps, 'store'>, account: string, limit = 50): Promise<RunRecord[]> {
  return deps.store.listRuns(account, Math.max(1, Math.min(limit, 500)));
}

/** GET /v1/write-failures: the writes the CRM refused, newest first, and when each is tried again. */
export async function writeFailures(
  deps: Pick<StoreDeps, 'store'>,
  account: string,
): Promise<{ failures: Record<string, unknown>[] }> {
  const refusals = await deps.store.writeRefusals(account);
  return {
    failures: refusals.map((r) => ({
      object: r.object,
      recordId: r.recordId,
      properties: r.properties,
      message: r.message,
      runId: r.runId,
      at: new Date(r.at).toISOString(),
      retryAfter: new Date(r.at + REFUSAL_HOLD_MS).toISOString(),
      sent: r.fields,
    })),
  };
}

export async function getRun(deps: Pick<StoreDeps, 'store'>, id: string): Promise<RunRecord | null> {
  return deps.store.getRun(id);
}

export interface PartnerView {
  id: string;
  name: string;
  recipe: string | null;
  ownerId: string | null;
  /** The engine's figures from the last sync (docs/finance-rules.md §9 partner entry), null before any. */
  latest: PartnerOut | null;
  updatedAt: string | null;
  /** openedAt: ISO 8601, like every timestamp the API returns. */
  openAlerts: (Pick<AlertEpisode, 'code' | 'severity' | 'dealId' | 'message'> & { openedAt: string })[];
}

/** An open episode as the partner views show it (timestamps ISO 8601). */
const alertView = (e: AlertEpisode): PartnerView['openAlerts'][number] => ({
  code: e.code,
  severity: e.severity,
  dealId: e.dealId,
  message: e.message,
  openedAt: new Date(e.openedAt).toISOString(),
});

/** A cached partner with its last state and the open alerts given. */
function partnerView(
  p: PartnerPageRow['partner'],
  s: PartnerPageRow['state'] | undefined,
  openAlerts: PartnerView['openAlerts'],
): PartnerView {
  return {
    id: p.id,
    name: p.name ?? p.id,
    recipe: p.recipe ?? null,
    ownerId: p.ownerId,
    latest: (s?.result ?? null) as PartnerOut | null,
    updatedAt: s ? new Date(s.updatedAt).toISOString() : null,
    openAlerts,
  };
}

export async function listPartners(deps: Pick<StoreDeps, 'store'>, account: string): Promise<PartnerView[]> {
  const [cache, states, open] = await Promise.all([
    deps.store.loadCache(account),
    deps.store.partnerStates(account),
    deps.store.openEpisodes(account),
  ]);
  const stateOf = new Map(states.map((s) => [s.partnerId, s]));
  return cache.partners.map((p) =>
    partnerView(p, stateOf.get(p.id), open.filter((e) => e.partnerId === p.id).map(alertView)),
  );
}

/** The opaque page cursor of the partner list: the last id of the page, base64url (issue 21). */
export function encodePartnerCursor(lastId: string): string {
  return Buffer.from(JSON.stringify({ after: lastId }), 'utf8').toString('base64url');
}

/** The id a cursor continues after, or null when the text is not a cursor this service issued. */
export function decodePartnerCursor(text: string): string | null {
  try {
    const v = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as { after?: unknown } | null;
    return typeof v?.after === 'string' && v.after.length > 0 ? v.after : null;
  } catch {
    return null;
  }
}

/**
 * The run list's cursor: the partner list's opaque form (encodePartnerCursor) over the page's
 * last run, "startedAt:id" (runs are listed newest first, by start then id).
 */
export function encodeRunCursor(last: Pick<RunRecord, 'startedAt' | 'id'>): string {
  return encodePartnerCursor(`${last.startedAt}:${last.id}`);
}

/** The run a cursor continues after, or null when the text is not a run cursor this service issued. */
export function decodeRunCursor(text: string): { startedAt: number; id: string } | null {
  const after = decodePartnerCursor(text);
  const m = after === null ? null : /^(\d{1,16}):(.+)$/s.exec(after);
  if (m?.[1] === undefined || m[2] === undefined) return null;
  return { startedAt: Number(m[1]), id: m[2] };
}

export interface RunPage {
  runs: RunRecord[];
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

/** One page of runs, newest first, filtered in the store (issue 21). */
export async function listRunsPage(
  deps: Pick<StoreDeps, 'store'>,
  account: string,
  query: Omit<RunPageQuery, 'before'> & { limit: number; cursor?: string | undefined },
): Promise<RunPage> {
  const before = query.cursor === undefined ? undefined : (decodeRunCursor(query.cursor) ?? undefined);
  // one row more than asked tells whether a next page exists
  const rows = await deps.store.listRuns(account, query.limit + 1, { status: query.status, mode: query.mode, before });
  const runs = rows.slice(0, query.limit);
  const last = runs.at(-1);
  return { runs, nextCursor: rows.length > query.limit && last !== undefined ? encodeRunCursor(last) : null };
}

export interface PartnerPage {
  partners: PartnerView[];
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

/**
 * One page of partners in id order, filtered in the store (issue 21): the account's size no
 * longer decides what a request loads, only `limit` does (plus the open alert episodes).
 */
export async function listPartnersPage(
  deps: Pick<StoreDeps, 'store'>,
  account: string,
  query: PartnerPageQuery,
): Promise<PartnerPage> {
  // one row more than asked tells whether a next page exists
  const rows = await deps.store.partnerPage(account, { ...query, limit: query.limit + 1 });
  const page = rows.slice(0, query.limit);
  // the open alerts of this page's partners only
  const open = await deps.store.episodes(account, { partnerIds: page.map((r) => r.partner.id), openOnly: true });
  const ids = new Set(page.map((r) => r.partner.id));
  const alertsOf = new Map<string, PartnerView['openAlerts']>();
  for (const e of open) {
    if (e.partnerId === null || !ids.has(e.partnerId)) continue;
    const list = alertsOf.get(e.partnerId) ?? [];
    list.push(alertView(e));
    alertsOf.set(e.partnerId, list);
  }
  const last = page.at(-1);
  return {
    partners: page.map(({ partner: p, state: s }) => partnerView(p, s, alertsOf.get(p.id) ?? [])),
    nextCursor: rows.length > query.limit && last !== undefined ? encodePartnerCursor(last.partner.id) : null,
  };
}

/** One partner with its last state and open alerts: one row read, whatever the account's size. */
export async function getPartner(
  deps: Pick<StoreDeps, 'store'>,
  account: string,
  id: string,
): Promise<PartnerView | null> {
  const [rows, open] = await Promise.all([
    deps.store.partnerPage(account, { limit: 1, id }),
    deps.store.episodes(account, { partnerId: id, openOnly: true }),
  ]);
  const row = rows[0];
  if (row === undefined) return null;
  return partnerView(row.partner, row.state, open.map(alertView));
}

export type Kpis = Pick<ComputeResult, 'asOf' | 'currency' | 'period' | 'partners' | 'recipes' | 'program'>;

/** The calendar month before the one `now` falls in, in the program time zone. */
export function lastCompleteMonth(tz: TimeZone, now: number): Period {
  return monthPeriod(tz.monthOf(now) - 1);
}

export { FLAG_WINDOW_MONTHS } from './read-model-build.ts';

export interface RecipeFlags {
  /** The window, first and last month (YYYY-MM). */
  window: { from: string; to: string };
  /** Per recipe id: its KPIs over the window, and whether its ROI there is negative. */
  recipes: Map<string, { roi: number | null; negativeRoi: boolean }>;
}

/**
 * Recipe flags judged over the last three complete months rather than the period shown: one
 * month is too short a sample (a recipe's monthly cost lands every month, its revenue in lumps).
 * As of the last run (issue 21): the run stores the window's figures.
 */
export async function recipeFlags(deps: StoreDeps, account: string, basis?: ReadBasis): Promise<RecipeFlags> {
  const { window, aggregate } = await flagWindowView(deps, account, basis);
  return {
    window,
    recipes: new Map(
      aggregate.recipes.map((r) => [r.id, { roi: r.kpis.roi, negativeRoi: r.kpis.roi !== null && r.kpis.roi < 0 }]),
    ),
  };
}

/** The period's figures as of the last run (issue 21: its read model, or computed once off the event loop). */
async function kpiView(deps: StoreDeps, account: string, periodText?: string) {
  const period = periodText === undefined ? undefined : parsePeriod(periodText);
  if (period === null) throw new LedgerInputError(`period "${periodText ?? ''}" is not YYYY-MM, YYYY-Qn or YYYY`);
  const basis = await readBasis(deps, account);
  const view = await periodView(deps, account, period, basis);
  const totals: Omit<Kpis, 'partners'> = {
    asOf: formatInstant(basis.asOf),
    currency: view.aggregate.currency,
    period: view.aggregate.period,
    recipes: view.aggregate.recipes,
    program: view.aggregate.program,
  };
  return { view, totals };
}

/** A period's program and recipe KPIs without its partners (GET /v1/recipes). */
export async function kpiTotals(
  deps: StoreDeps,
  account: string,
  periodText?: string,
): Promise<Omit<Kpis, 'partners'>> {
  return (await kpiView(deps, account, periodText)).totals;
}

/**
 * KPIs for a period (YYYY-MM, YYYY-Qn, YYYY) as of the last run (issue 21: its asOf; its read
 * model when it stored the period, else computed once off the event loop), every partner. The
 * default is the last complete month before that asOf (issue 17), where `compute --period` keeps
 * the month of --as-of.
 */
export async function kpis(deps: StoreDeps, account: string, periodText?: string): Promise<Kpis> {
  const { view, totals } = await kpiView(deps, account, periodText);
  const { asOf, currency, period, recipes, program } = totals;
  return { asOf, currency, period, partners: (await view.partners()).map((r) => r.out), recipes, program };
}

/** One page of GET /v1/kpis: the partner filters of the partner list, the page size and its cursor. */
export type KpisPageQuery = Omit<PartnerPageQuery, 'id'>;

export type KpisPage = Kpis & {
  /** Pass as `cursor` (with the same period and filters) for the next page; null on the last page. */
  nextCursor: string | null;
};

/**
 * GET /v1/kpis (issue 21): the period's program and recipe KPIs whole, and one page of its
 * partners in id order, filtered and paged in the store (or in the cached computation of a period
 * the run did not store), with the partner list's cursor (encodePartnerCursor).
 */
export async function kpisPage(
  deps: StoreDeps,
  account: string,
  periodText: string | undefined,
  query: KpisPageQuery,
): Promise<KpisPage> {
  const { view, totals } = await kpiView(deps, account, periodText);
  const { asOf, currency, period, recipes, program } = totals;
  // one row more than asked tells whether a next page exists
  const rows = await view.partners({ ...query, limit: query.limit + 1 });
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  return {
    asOf,
    currency,
    period,
    partners: page.map((r) => r.out),
    recipes,
    program,
    nextCursor: rows.length > query.limit && last !== undefined ? encodePartnerCursor(last.id) : null,
  };
}
