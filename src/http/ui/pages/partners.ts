// The partners table (/ui/partners): sortable, filterable and paged through query parameters,
// so it works with links and a GET form alone (no script). Column headers are links that flip
// the order; aria-sort tells screen readers the current one. Issue 21: the store sorts, filters
// and pages a stored period (KyselyStore.readModelPartnerPage); sortRows and filterRows below do
// the same in memory for a period computed on demand.

import { z } from 'zod';
import type { Current, PartnerRow } from '../data.ts';
import { count, localDate, money, percent } from '../format.ts';
import { html, queryString, raw, type SafeHtml } from '../html.ts';
import { bandBadge, periodOptions, severityBadge } from '../layout.ts';

export const SORT_KEYS = [
  'name',
  'recipe',
  'health',
  'tier',
  'fit',
  'attributed',
  'winRate',
  'lastActivity',
  'alerts',
] as const;
export type SortKey = (typeof SORT_KEYS)[number];

/** Rows per page of the partner list: the default, and the most a page shows (issue 21). */
export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 500;

const blankIsAbsent = (v: unknown): unknown => (v === '' ? undefined : v);
const text = z.preprocess(blankIsAbsent, z.string().max(200).optional());

export const partnersQuery = z.object({
  period: text,
  q: text,
  band: z.preprocess(blankIsAbsent, z.enum(['healthy', 'watch', 'at_risk', 'none']).optional()),
  recipe: text,
  tier: text,
  alerts: z.preprocess(blankIsAbsent, z.enum(['open']).optional()),
  sort: z.preprocess(blankIsAbsent, z.enum(SORT_KEYS).default('health')),
  dir: z.preprocess(blankIsAbsent, z.enum(['asc', 'desc']).optional()),
  page: z.preprocess(
    blankIsAbsent,
    z
      .string()
      .regex(/^[1-9]\d{0,6}$/)
      .transform(Number)
      .default(1),
  ),
  size: z.preprocess(
    blankIsAbsent,
    z
      .string()
      .regex(/^[1-9]\d{0,2}$/)
      .transform(Number)
      .refine((n) => n <= MAX_PAGE_SIZE)
      .default(DEFAULT_PAGE_SIZE),
  ),
});
export type PartnersQuery = z.output<typeof partnersQuery>;

/** What each parameter of the partner list takes: the fix a 400 page names. */
export const PARTNERS_PARAMETER_HELP: Readonly<Record<string, string>> = {
  period: 'a month (YYYY-MM), quarter (YYYY-Qn) or year (YYYY), given once',
  q: 'text of at most 200 characters, given once',
  recipe: 'a recipe id of at most 200 characters, given once',
  tier: 'a tier name of at most 200 characters, given once',
  band: 'one of healthy, watch, at_risk or none',
  alerts: '"open", or left out',
  sort: `one of ${SORT_KEYS.join(', ')}`,
  dir: 'asc or desc',
  page: 'a page number from 1, e.g. page=2',
  size: `the rows per page, a whole number from 1 to ${MAX_PAGE_SIZE}, e.g. size=${DEFAULT_PAGE_SIZE}`,
};

/** The 400 message for a partner list address the schema refused: each parameter and its fix. */
export function partnersQueryError(issues: readonly { path: readonly PropertyKey[] }[]): string {
  const names = [...new Set(issues.map((i) => String(i.path[0] ?? '')))];
  return `${names
    .map(
      (n) =>
        `The ${n} parameter in this address is not valid: use ${PARTNERS_PARAMETER_HELP[n] ?? 'the form on the page'}.`,
    )
    .join(' ')} Or use the form on the page.`;
}

/** Direction of a sort when the address gives none. */
export const sortDir = (q: Pick<PartnersQuery, 'sort' | 'dir'>): 'asc' | 'desc' => q.dir ?? DEFAULT_DIR[q.sort];

/** Names sort A→Z first, health worst first; amounts, rates, dates and counts largest first. */
const DEFAULT_DIR: Readonly<Record<SortKey, 'asc' | 'desc'>> = {
  name: 'asc',
  recipe: 'asc',
  health: 'asc',
  tier: 'desc',
  fit: 'desc',
  attributed: 'desc',
  winRate: 'desc',
  lastActivity: 'desc',
  alerts: 'desc',
};

const LABELS: Readonly<Record<SortKey, string>> = {
  name: 'Partner',
  recipe: 'Recipe',
  health: 'Health',
  tier: 'Tier',
  fit: 'Fit',
  attributed: 'Attributed revenue',
  winRate: 'Win rate, 365 days',
  lastActivity: 'Last activity',
  alerts: 'Open alerts',
};

type SortValue = string | number | bigint | null;

function sortValue(r: PartnerRow, key: SortKey): SortValue {
  switch (key) {
    case 'name':
      return r.name.toLowerCase();
    case 'recipe':
      return r.recipe;
    case 'health':
      return r.score;
    case 'tier':
      return r.tierRank;
    case 'fit':
      return r.fit?.score ?? null;
    case 'attributed':
      return BigInt(r.attributed.replace('.', ''));
    case 'winRate':
      return r.winRate365;
    case 'lastActivity':
      return r.lastActivityAt === null ? null : Date.parse(r.lastActivityAt);
    case 'alerts':
      return r.openAlerts;
  }
}

const cmpValues = (a: SortValue, b: SortValue): number =>
  a === b ? 0 : a === null ? 1 : b === null ? -1 : a < b ? -1 : 1;

/** Sorted by the key in the direction asked; partners without a value last either way; ties by name, then id. */
export function sortRows(rows: readonly PartnerRow[], key: SortKey, dir: 'asc' | 'desc'): PartnerRow[] {
  return [...rows].sort((x, y) => {
    const a = sortValue(x, key);
    const b = sortValue(y, key);
    if (a === null || b === null) {
      const c = cmpValues(a, b);
      if (c !== 0) return c;
    } else {
      const c = cmpValues(a, b);
      if (c !== 0) return dir === 'asc' ? c : -c;
    }
    return cmpValues(x.name.toLowerCase(), y.name.toLowerCase()) || cmpValues(x.id, y.id);
  });
}

export function filterRows(rows: readonly PartnerRow[], q: PartnersQuery): PartnerRow[] {
  const needle = q.q?.toLowerCase();
  return rows.filter(
    (r) =>
      (needle === undefined || `${r.id} ${r.name}`.toLowerCase().includes(needle)) &&
      (q.band === undefined || (r.band ?? 'none') === q.band) &&
      (q.recipe === undefined || r.recipe === q.recipe) &&
      (q.tier === undefined || r.tier === q.tier) &&
      (q.alerts === undefined || r.openAlerts > 0),
  );
}

/** The page size in an address only when it is not the default (addresses stay as they were). */
const sizeParam = (q: PartnersQuery): string | undefined => (q.size === DEFAULT_PAGE_SIZE ? undefined : String(q.size));

function sortHeader(key: SortKey, q: PartnersQuery, dir: 'asc' | 'desc', numeric: boolean): SafeHtml {
  const active = q.sort === key;
  const next = active ? (dir === 'asc' ? 'desc' : 'asc') : DEFAULT_DIR[key];
  // a new order starts at its first page
  const href = `/ui/partners${queryString({ period: q.period, q: q.q, band: q.band, recipe: q.recipe, tier: q.tier, alerts: q.alerts, sort: key, dir: next, size: sizeParam(q) })}`;
  const arrow = active ? (dir === 'asc' ? '▲' : '▼') : '';
  const state = active ? `sorted ${dir === 'asc' ? 'ascending' : 'descending'}; ` : '';
  return html`<th scope="col"${numeric ? raw(' class="num"') : ''}${active ? html` aria-sort="${dir === 'asc' ? 'ascending' : 'descending'}"` : ''}><a href="${href}" data-sort="${key}">${LABELS[key]}<span aria-hidden="true"> ${arrow}</span><span class="visually-hidden"> (${state}sort ${next === 'asc' ? 'ascending' : 'descending'})</span></a></th>`;
}

function filters(
  c: Current,
  q: PartnersQuery,
  recipes: readonly { id: string; name: string }[],
  tiers: readonly string[],
  dir: 'asc' | 'desc',
): SafeHtml {
  const opt = (value: string, label: string, selected: string | undefined): SafeHtml =>
    html`<option value="${value}"${selected === value ? raw(' selected') : ''}>${label}</option>`;
  return html`<form method="get" action="/ui/partners" class="toolbar" id="partner-filters" aria-label="Filter partners">
<div class="field"><label for="f-q">Name or id</label><input type="search" id="f-q" name="q" value="${q.q ?? ''}"></div>
<div class="field"><label for="f-band">Health band</label><select id="f-band" name="band">${opt('', 'Any band', q.band ?? '')}${opt('healthy', 'Healthy', q.band)}${opt('watch', 'Watch', q.band)}${opt('at_risk', 'At risk', q.band)}${opt('none', 'No score', q.band)}</select></div>
<div class="field"><label for="f-recipe">Recipe</label><select id="f-recipe" name="recipe">${opt('', 'Any recipe', q.recipe ?? '')}${recipes.map((r) => opt(r.id, r.name, q.recipe))}</select></div>
<div class="field"><label for="f-tier">Earned tier</label><select id="f-tier" name="tier">${opt('', 'Any tier', q.tier ?? '')}${tiers.map((t) => opt(t, t, q.tier))}</select></div>
<div class="field"><label for="f-alerts">Alerts</label><select id="f-alerts" name="alerts">${opt('', 'With or without', q.alerts ?? '')}${opt('open', 'With open alerts', q.alerts)}</select></div>
<div class="field"><label for="period">Period (revenue)</label><select id="period" name="period">${periodOptions(c.currentMonth, c.period)}</select></div>
<input type="hidden" name="sort" value="${q.sort}"><input type="hidden" name="dir" value="${dir}">${q.size === DEFAULT_PAGE_SIZE ? '' : html`<input type="hidden" name="size" value="${q.size}">`}
<button type="submit">Apply</button> <a href="/ui/partners${queryString({ period: q.period })}">Clear filters</a>
</form>`;
}

function row(r: PartnerRow, c: Current, currency: string, recipeNames: ReadonlyMap<string, string>): SafeHtml {
  const href = `/ui/partners/${encodeURIComponent(r.id)}${queryString({ period: c.period.label })}`;
  const tierNote =
    r.grantedTier !== null && r.tier !== null && r.grantedTier !== r.tier
      ? html`<br><span class="muted">granted ${r.grantedTier}</span>`
      : '';
  return html`<tr data-partner-id="${r.id}">
<th scope="row" data-col="name"><a href="${href}">${r.name}</a><br><span class="muted">${r.id}</span></th>
<td data-col="recipe">${r.recipe === null ? html`<span class="muted">none</span>` : (recipeNames.get(r.recipe) ?? r.recipe)}</td>
<td data-col="health" data-value="${r.score ?? ''}" data-band="${r.band ?? 'none'}">${bandBadge(r.band, r.score)}</td>
<td data-col="tier" data-value="${r.tier ?? ''}">${r.tier ?? html`<span class="muted">—</span>`}${tierNote}</td>
<td class="num" data-col="fit" data-value="${r.fit?.score ?? ''}">${r.fit === null ? '—' : html`${r.fit.score} <span class="muted">${r.fit.band}</span>`}</td>
<td class="num" data-col="attributed" data-value="${r.attributed}">${money(r.attributed, currency)}</td>
<td class="num" data-col="winRate" data-value="${r.winRate365 ?? ''}">${percent(r.winRate365)}</td>
<td class="date" data-col="lastActivity" data-value="${r.lastActivityAt ?? ''}">${localDate(r.lastActivityAt, c.tz.name)}</td>
<td data-col="alerts" data-value="${r.openAlerts}">${r.openAlerts === 0 ? html`<span class="muted">none</span>` : html`${count(r.openAlerts)}${r.worstSeverity === null ? '' : html`<br>${severityBadge(r.worstSeverity)}`}`}</td>
</tr>`;
}

/** What the list shows: one page of rows, how many match the filters, how many there are. */
export interface PartnersPage {
  rows: readonly PartnerRow[];
  /** Partners matching the filters (every page). */
  matching: number;
  /** Partners of the period. */
  total: number;
  /** Earned tiers present in the period (the tier filter's options). */
  tiers: readonly string[];
}

/** Page links: first, previous, "page n of m", next, last; sort and filters kept. */
function pager(q: PartnersQuery, dir: 'asc' | 'desc', pages: number): SafeHtml {
  if (pages <= 1 && q.page === 1) return html``;
  const href = (n: number): string =>
    `/ui/partners${queryString({ period: q.period, q: q.q, band: q.band, recipe: q.recipe, tier: q.tier, alerts: q.alerts, sort: q.sort, dir, page: n === 1 ? undefined : String(n), size: sizeParam(q) })}`;
  const link = (n: number, label: string, rel: string): SafeHtml =>
    n < 1 || n > pages || n === q.page
      ? html`<span class="muted">${label}</span>`
      : html`<a href="${href(n)}" data-page="${n}" rel="${rel}">${label}</a>`;
  return html`<nav class="pager" aria-label="Pages of partners"><p>${link(1, 'First', 'first')} · ${link(q.page - 1, 'Previous', 'prev')} · <span id="page-of" aria-current="page">Page ${q.page} of ${Math.max(1, pages)}</span> · ${link(q.page + 1, 'Next', 'next')} · ${link(pages, 'Last', 'last')}</p></nav>`;
}

export function partnersBody(
  c: Current,
  list: PartnersPage,
  q: PartnersQuery,
  currency: string,
  recipes: readonly { id: string; name: string }[],
): SafeHtml {
  const dir = sortDir(q);
  const shown = list.rows;
  const recipeNames = new Map(recipes.map((r) => [r.id, r.name]));
  const active = [
    q.q === undefined ? null : `name or id contains “${q.q}”`,
    q.band === undefined ? null : `band ${q.band.replace('_', ' ')}`,
    q.recipe === undefined ? null : `recipe ${q.recipe}`,
    q.tier === undefined ? null : `tier ${q.tier}`,
    q.alerts === undefined ? null : 'with open alerts',
  ].filter((x): x is string => x !== null);
  const pages = Math.ceil(list.matching / q.size);
  const first = (q.page - 1) * q.size;
  const range =
    pages <= 1 && q.page === 1
      ? ''
      : shown.length === 0
        ? ` Page ${q.page} is past the last page (${Math.max(1, pages)}).`
        : ` Showing ${first + 1}–${first + shown.length}.`;
  const caption = `${list.matching} of ${list.total} partners${active.length === 0 ? '' : `, filtered by ${active.join(', ')}`}; sorted by ${LABELS[q.sort].toLowerCase()}, ${dir === 'asc' ? 'ascending' : 'descending'}. Attributed revenue in ${c.period.label}.${range}`;
  const headers = SORT_KEYS.map((k) => sortHeader(k, q, dir, k === 'fit' || k === 'attributed' || k === 'winRate'));
  const empty = list.matching === 0 ? 'No partner matches these filters.' : 'No partner on this page.';
  return html`<h1>Partners</h1>
<p class="lede">Health, tier and fit as of ${c.result.asOf}; attributed revenue in <strong>${c.period.label}</strong>; win rate over sourced deals closed in the last 365 days; open alerts from the last sync.</p>
${filters(c, q, recipes, list.tiers, dir)}
<p role="status" id="result-count">${caption}</p>
<div class="table-wrap"><table id="partners-table"><caption class="visually-hidden">${caption}</caption>
<thead><tr>${headers}</tr></thead>
<tbody>${shown.length === 0 ? html`<tr><td colspan="9">${empty}</td></tr>` : shown.map((r) => row(r, c, currency, recipeNames))}</tbody></table></div>
${pager(q, dir, pages)}`;
}

/** The list of a period computed in memory: every row filtered, sorted and sliced here. */
export function partnersPageInMemory(all: readonly PartnerRow[], q: PartnersQuery): PartnersPage {
  const shown = sortRows(filterRows(all, q), q.sort, sortDir(q));
  const first = (q.page - 1) * q.size;
  return {
    rows: shown.slice(first, first + q.size),
    matching: shown.length,
    total: all.length,
    tiers: [...new Set(all.map((r) => r.tier).filter((t): t is string => t !== null))].sort(),
  };
}
