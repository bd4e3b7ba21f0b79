// The recipe box (/ui/recipes): each recipe's status and economics for the period, with flags
// for recipes that are unused (RECIPE_UNUSED, or no deal within recipeUnusedDays) or lose money
// (negative ROI): the place to decide which recipes to keep.

import type { RecipeConfig } from '../../../domain/program.ts';
import type { RecipeKpis } from '../../../domain/kpis.ts';
import type { Current } from '../data.ts';
import type { RecipeFlags } from '../../../sync/queries.ts';
import { count, daysBetween, localDate, money, monthName, percent, roiText } from '../format.ts';
import { html, queryString, type SafeHtml } from '../html.ts';
import { flagBadge, periodForm } from '../layout.ts';

export interface RecipeRow {
  id: string;
  config: RecipeConfig;
  kpis: RecipeKpis | null;
  unused: boolean;
  /** ROI below zero over the flag window (the last three complete months), not the period shown. */
  negativeRoi: boolean;
  /** Days since the last deal with this recipe, null when none. */
  daysSinceDeal: number | null;
}

export function recipeRows(
  c: Current,
  recipes: Readonly<Record<string, RecipeConfig>>,
  unusedDays: number,
  flagsOver: RecipeFlags,
): RecipeRow[] {
  const kpis = new Map(c.result.recipes.map((r) => [r.id, r.kpis]));
  const unusedAlerts = new Set(c.result.unusedRecipes);
  return Object.entries(recipes)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([id, config]) => {
      const k = kpis.get(id) ?? null;
      const since = k?.lastDealAt == null ? null : daysBetween(k.lastDealAt, c.asOf);
      return {
        id,
        config,
        kpis: k,
        // retired and anti recipes are expected to go unused; RECIPE_UNUSED concerns active ones
        unused: config.status === 'active' && (unusedAlerts.has(id) || since === null || since > unusedDays),
        negativeRoi: flagsOver.recipes.get(id)?.negativeRoi ?? false,
        daysSinceDeal: since,
      };
    });
}

const STATUS_TEXT: Readonly<Record<string, string>> = {
  active: 'Active',
  retired: 'Retired',
  anti: 'Anti-recipe (do not use)',
};

/** "Sep 2026 – Nov 2026" */
export const windowText = (w: RecipeFlags['window']): string => `${monthName(w.from)} – ${monthName(w.to)}`;

function flags(r: RecipeRow, unusedDays: number, window: RecipeFlags['window']): SafeHtml {
  const out: SafeHtml[] = [];
  if (r.negativeRoi)
    out.push(html`<span data-flag="negative-roi">${flagBadge('bad', `Negative ROI, ${windowText(window)}`)}</span>`);
  if (r.unused)
    out.push(
      flagBadge('warn', r.daysSinceDeal === null ? 'Unused: no deal yet' : `Unused: no deal in ${unusedDays}+ days`),
    );
  if (r.config.status === 'anti') out.push(flagBadge('bad', 'Anti-recipe'));
  if (out.length === 0 && r.config.status === 'active') out.push(flagBadge('ok', 'In use'));
  return html`${out.map((b) => html`${b} `)}`;
}

export function recipesBody(
  c: Current,
  rows: readonly RecipeRow[],
  currency: string,
  unusedDays: number,
  plans: ReadonlySet<string>,
  window: RecipeFlags['window'],
): SafeHtml {
  const body = rows.map((r) => {
    const k = r.kpis;
    return html`<tr data-recipe="${r.id}">
<th scope="row"><span class="recipe-name">${r.config.name}</span><br><span class="muted">${r.id} · ${r.config.archetype.replaceAll('_', ' ')}</span></th>
<td data-col="status">${STATUS_TEXT[r.config.status] ?? r.config.status}</td>
<td data-col="plan">${r.config.plan !== undefined && plans.has(r.config.plan) ? r.config.plan : html`<span class="muted">no plan</span>`}</td>
<td class="num" data-col="partners" data-value="${k?.partners ?? 0}">${count(k?.partners ?? 0)} <span class="muted">(${count(k?.activePartners ?? 0)} active)</span></td>
<td class="num" data-col="attributedRevenue" data-value="${k?.attributedRevenue ?? ''}">${money(k?.attributedRevenue, currency)}</td>
<td class="num" data-col="cost" data-value="${k?.cost ?? ''}">${money(k?.cost, currency)}<br><span class="muted">commissions ${money(k?.commissions, currency)}</span></td>
<td class="num" data-col="roi" data-value="${String(k?.roi ?? '')}">${roiText(k?.roi)}</td>
<td class="num" data-col="winRate" data-value="${String(k?.winRate ?? '')}">${percent(k?.winRate)}</td>
<td class="date" data-col="lastDealAt" data-value="${k?.lastDealAt ?? ''}">${localDate(k?.lastDealAt, c.tz.name)}${r.daysSinceDeal === null ? '' : html`<br><span class="muted">${count(r.daysSinceDeal)} days ago</span>`}</td>
<td data-col="flags">${flags(r, unusedDays, window)}</td></tr>`;
  });
  const guidance = rows
    .filter((r) => r.config.whenToUse !== undefined || r.config.whenNotToUse !== undefined)
    .map(
      (r) => html`<div><h3>${r.config.name}</h3><dl>
${r.config.whenToUse === undefined ? '' : html`<dt>When to use</dt><dd>${r.config.whenToUse}</dd>`}
${r.config.whenNotToUse === undefined ? '' : html`<dt>When not to use</dt><dd>${r.config.whenNotToUse}</dd>`}</dl></div>`,
    );
  const review = rows.filter((r) => r.negativeRoi || r.unused).length;
  return html`<h1>Recipe box</h1>
<p class="lede">Each recipe's partners, revenue and cost in <strong>${c.period.label}</strong> (as GET /v1/recipes reports them), as of ${c.result.asOf}. ${review === 0 ? 'No recipe needs review.' : html`<strong>${review}</strong> ${review === 1 ? 'recipe needs' : 'recipes need'} review (flagged below).`} Flags judge ROI over the last three complete months, <strong data-flag-window>${windowText(window)}</strong>, whatever period is shown.</p>
${periodForm('/ui/recipes', c.currentMonth, c.period)}
<div class="table-wrap"><table id="recipes-table"><caption>Recipes by id. Cost = commissions + the recipe's monthly cost per partner; ROI = (attributed revenue × gross margin − cost) ÷ cost. Unused: no deal with the recipe in the last ${unusedDays} days.</caption>
<thead><tr><th scope="col">Recipe</th><th scope="col">Status</th><th scope="col">Plan</th><th scope="col" class="num">Partners</th><th scope="col" class="num">Attributed revenue</th><th scope="col" class="num">Cost</th><th scope="col" class="num">ROI</th><th scope="col" class="num">Win rate</th><th scope="col">Last deal</th><th scope="col">Flags</th></tr></thead>
<tbody>${body}</tbody></table></div>
${guidance.length === 0 ? '' : html`<section aria-labelledby="guide-h"><h2 id="guide-h">When to use each recipe</h2><div class="two-col">${guidance}</div></section>`}
<p><a href="/ui/partners${queryString({ period: c.period.label })}">See the partners of every recipe</a></p>`;
}
