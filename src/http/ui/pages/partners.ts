// The partners table (/ui/partners): sortable and filterable through query parameters, so it
// works with links and a GET form alone (no script). Column headers are links that flip the
// order; aria-sort tells screen readers the current one.

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
});
export type PartnersQuery = z.output<typeof partnersQuery>;

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

function sortHeader(key: SortKey, q: PartnersQuery, dir: 'asc' | 'desc', numeric: boolean): SafeHtml {
  const active = q.sort === key;
  const next = active ? (dir === 'asc' ? 'desc' : 'asc') : DEFAULT_DIR[key];
  const href = `/ui/partners${queryString({ period: q.period, q: q.q, band: q.band, recipe: q.recipe, tier: q.tier, alerts: q.alerts, sort: key, dir: next })}`;
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
<input type="hidden" name="sort" value="${q.sort}"><input type="hidden" name="dir" value="${dir}">
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

export function partnersBody(
  c: Current,
  all: readonly PartnerRow[],
  q: PartnersQuery,
  currency: string,
  recipes: readonly { id: string; name: string }[],
): SafeHtml {
  const dir = q.dir ?? DEFAULT_DIR[q.sort];
  const shown = sortRows(filterRows(all, q), q.sort, dir);
  const tiers = [...new Set(all.map((r) => r.tier).filter((t): t is string => t !== null))].sort();
  const recipeNames = new Map(recipes.map((r) => [r.id, r.name]));
  const active = [
    q.q === undefined ? null : `name or id contains “${q.q}”`,
    q.band === undefined ? null : `band ${q.band.replace('_', ' ')}`,
    q.recipe === undefined ? null : `recipe ${q.recipe}`,
    q.tier === undefined ? null : `tier ${q.tier}`,
    q.alerts === undefined ? null : 'with open alerts',
  ].filter((x): x is string => x !== null);
  const caption = `${shown.length} of ${all.length} partners${active.length === 0 ? '' : `, filtered by ${active.join(', ')}`}; sorted by ${LABELS[q.sort].toLowerCase()}, ${dir === 'asc' ? 'ascending' : 'descending'}. Attributed revenue in ${c.period.label}.`;
  const headers = SORT_KEYS.map((k) => sortHeader(k, q, dir, k === 'fit' || k === 'attributed' || k === 'winRate'));
  return html`<h1>Partners</h1>
<p class="lede">Health, tier and fit as of ${c.result.asOf}; attributed revenue in <strong>${c.period.label}</strong>; win rate over sourced deals closed in the last 365 days; open alerts from the last sync.</p>
${filters(c, q, recipes, tiers, dir)}
<p role="status" id="result-count">${caption}</p>
<div class="table-wrap"><table id="partners-table"><caption class="visually-hidden">${caption}</caption>
<thead><tr>${headers}</tr></thead>
<tbody>${shown.length === 0 ? html`<tr><td colspan="9">No partner matches these filters.</td></tr>` : shown.map((r) => row(r, c, currency, recipeNames))}</tbody></table></div>`;
}
