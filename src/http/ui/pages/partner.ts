// One partner (/ui/partners/:id): the period's KPIs, 12 months of KPI history, the health
// breakdown by component with its weights, open alerts with what to do next, and commissions:
// ledger lines for finance and admin sessions, totals only for viewers.

import type { PartnerReadRow } from '../../../sync/read-models.ts';
import { HEALTH_COMPONENTS, type HealthComponent } from '../../../domain/program.ts';
import type { PartnerOut } from '../../../domain/engine.ts';
import type { AlertEpisode } from '../../../store/store.ts';
import { barChart, meterChart } from '../charts.ts';
import type { CrmLinker } from '../crm-links.ts';
import type { Current, LedgerView, PartnerRow } from '../data.ts';
import { count, localDate, money, monthName, percent, roiText } from '../format.ts';
import { html, queryString, type SafeHtml } from '../html.ts';
import type { KpiHistory } from '../history.ts';
import { bandBadge, periodForm, severityBadge } from '../layout.ts';
import { nextStep } from './alerts.ts';

export interface PartnerPageData {
  c: Current;
  row: PartnerRow;
  out: PartnerOut;
  health: PartnerReadRow['health'];
  recipeName: string | null;
  history: KpiHistory;
  alerts: readonly AlertEpisode[];
  ledger: LedgerView;
  /** Finance and admin see ledger lines; viewers the totals only. */
  showLines: boolean;
  linker: CrmLinker;
  currency: string;
  minClosedForWinRate: number;
}

const LEFT_OUT: Readonly<Record<HealthComponent, string>> = {
  revenue: 'left out: the recipe has no quarterly revenue target',
  activity: '',
  conversion: 'left out: too few sourced deals closed in 365 days, or no win-rate benchmark',
  pipeline: 'left out: the recipe has no quarterly revenue target',
  relationship: 'left out: no valid rating (1–5) on the partner record',
};

function kpiSummary(d: PartnerPageData): SafeHtml {
  const k = d.out.kpis;
  const cur = d.currency;
  const item = (key: string, label: string, value: string, display: string): SafeHtml =>
    html`<div class="stat"><dt>${label}</dt><dd data-kpi="${key}" data-value="${value}">${display}</dd></div>`;
  return html`<dl class="stats">
${item('attributedRevenue', 'Attributed revenue', k.attributedRevenue, money(k.attributedRevenue, cur))}
${item('sourcedRevenue', 'Sourced revenue', k.sourcedRevenue, money(k.sourcedRevenue, cur))}
${item('influencedRevenue', 'Influenced revenue', k.influencedRevenue, money(k.influencedRevenue, cur))}
${item('pipeline', 'Open pipeline (sourced)', k.pipeline, money(k.pipeline, cur))}
${item('deals', 'Deals won / lost', `${k.dealsWon}/${k.dealsLost}`, `${count(k.dealsWon)} / ${count(k.dealsLost)}`)}
${item('winRate', 'Win rate in the period', String(k.winRate ?? ''), percent(k.winRate))}
${item('commissions', 'Commissions earned (engine)', k.commissions, money(k.commissions, cur))}
${item('roi', 'ROI', String(k.roi ?? ''), roiText(k.roi))}
${item('growthRate', 'Growth vs previous period', String(k.growthRate ?? ''), k.growthRate === null ? '—' : `${k.growthRate < 0 ? '−' : '+'}${percent(Math.abs(k.growthRate))}`)}
</dl>`;
}

function history(d: PartnerPageData): SafeHtml {
  const id = d.row.id;
  const months = d.history.months;
  const labels = months.map((m) => m.label);
  const values = months.map((m) => m.partners.get(id)?.attributedRevenue ?? '0.00');
  const first = labels[0] ?? '';
  const last = labels[labels.length - 1] ?? '';
  const chart = barChart({
    id: 'partner-history-chart',
    name: 'Attributed revenue',
    title: `${d.row.name}: attributed revenue by month, ${monthName(first)} to ${monthName(last)}`,
    desc: `One bar per month in ${d.currency}. The table below lists the month-by-month KPIs.`,
    labels,
    values: values.map(Number),
    display: values.map((v) => money(v, d.currency)),
  });
  const rows = months.map((m) => {
    const k = m.partners.get(id);
    return html`<tr data-month="${m.label}"><th scope="row">${monthName(m.label)}</th>
<td class="num" data-col="attributedRevenue" data-value="${k?.attributedRevenue ?? ''}">${money(k?.attributedRevenue, d.currency)}</td>
<td class="num" data-col="sourcedRevenue">${money(k?.sourcedRevenue, d.currency)}</td>
<td class="num" data-col="influencedRevenue">${money(k?.influencedRevenue, d.currency)}</td>
<td class="num" data-col="deals">${count(k?.dealsWon)} / ${count(k?.dealsLost)}</td>
<td class="num" data-col="winRate">${percent(k?.winRate)}</td>
<td class="num" data-col="registrations">${count(k?.registrations)}</td>
<td class="num" data-col="commissions">${money(k?.commissions, d.currency)}</td></tr>`;
  });
  return html`<section aria-labelledby="history-h"><h2 id="history-h">KPI history (last 12 months)</h2>
<figure>${chart}<figcaption>Attributed revenue by month.</figcaption></figure>
<div class="table-wrap"><table id="history-table"><caption>Monthly KPIs, as GET /v1/kpis?period=YYYY-MM reports them for this partner</caption>
<thead><tr><th scope="col">Month</th><th scope="col" class="num">Attributed</th><th scope="col" class="num">Sourced</th><th scope="col" class="num">Influenced</th><th scope="col" class="num">Won / lost</th><th scope="col" class="num">Win rate</th><th scope="col" class="num">Registrations</th><th scope="col" class="num">Commissions</th></tr></thead>
<tbody>${rows}</tbody></table></div></section>`;
}

function healthSection(d: PartnerPageData): SafeHtml {
  const h = d.health;
  const present = HEALTH_COMPONENTS.filter((c) => h.components[c] !== null);
  const weightOf = (c: HealthComponent): number => h.weights[c];
  const total = present.reduce((s, c) => s + weightOf(c), 0);
  const meter = meterChart({
    id: 'health-chart',
    title: `${d.row.name}: health components (0 to 100)`,
    desc: `Score ${h.score ?? 'none'}. ${present.map((c) => `${c} ${h.components[c]} with weight ${weightOf(c)}`).join('; ') || 'No component could be computed'}.`,
    rows: HEALTH_COMPONENTS.map((c) => ({
      label: c,
      value: h.components[c],
      text: h.components[c] === null ? 'left out' : `${h.components[c]} (w${weightOf(c)})`,
    })),
  });
  const rows = HEALTH_COMPONENTS.map((c) => {
    const v = h.components[c];
    const w = weightOf(c);
    const share = v === null || total === 0 ? null : w / total;
    return html`<tr data-component="${c}"><th scope="row">${c}</th>
<td class="num" data-col="value" data-value="${v ?? ''}">${v === null ? '—' : v.toFixed(1)}</td>
<td class="num" data-col="weight" data-value="${w}">${w}</td>
<td class="num">${share === null ? '—' : percent(share)}</td>
<td class="num" data-col="points">${v === null || share === null ? '—' : (v * share).toFixed(1)}</td>
<td>${v === null ? LEFT_OUT[c] : ''}</td></tr>`;
  });
  return html`<section aria-labelledby="health-h"><h2 id="health-h">Health breakdown</h2>
<p>Score ${bandBadge(h.band, h.score)} as of ${d.c.result.asOf}: the weighted mean of the components that could be computed${d.recipeName === null ? '' : html` (weights of the recipe ${d.recipeName}, or the program's)`}.</p>
<figure>${meter}</figure>
<div class="table-wrap"><table id="health-table"><caption>Health components: value 0 to 100, weight, share of the weights present, points contributed to the score</caption>
<thead><tr><th scope="col">Component</th><th scope="col" class="num">Value</th><th scope="col" class="num">Weight</th><th scope="col" class="num">Share</th><th scope="col" class="num">Points</th><th scope="col">Note</th></tr></thead>
<tbody>${rows}</tbody></table></div></section>`;
}

function alertsSection(d: PartnerPageData): SafeHtml {
  if (d.alerts.length === 0)
    return html`<section aria-labelledby="alerts-h"><h2 id="alerts-h">Open alerts</h2><p>No open alerts.</p></section>`;
  const items = d.alerts.map((a) => {
    const deal = a.dealId === null ? '' : d.linker.deal(a.dealId);
    return html`<li data-code="${a.code}">${severityBadge(a.severity)} <strong>${a.code}</strong>${a.dealId === null ? '' : html` on deal ${deal === null || deal === '' ? a.dealId : html`<a href="${deal}" rel="noopener noreferrer">${a.dealId}<span class="visually-hidden"> in ${d.linker.label ?? 'the CRM'}</span></a>`}`}<br>${a.message}<br><span class="muted">What to do next: ${nextStep(a.code)}</span></li>`;
  });
  return html`<section aria-labelledby="alerts-h"><h2 id="alerts-h">Open alerts (${d.alerts.length})</h2><ul class="plain alert-list" id="partner-alerts">${items}</ul></section>`;
}

function commissionsSection(d: PartnerPageData): SafeHtml {
  const t = d.ledger.totals;
  const cur = d.currency;
  const totals = html`<dl class="stats" id="commission-totals">
<div class="stat"><dt>Net booked</dt><dd data-kpi="net" data-value="${t.net}">${money(t.net, cur)}</dd></div>
<div class="stat"><dt>Payable</dt><dd data-kpi="payable" data-value="${t.payable}">${money(t.payable, cur)}</dd></div>
<div class="stat"><dt>Held</dt><dd data-kpi="held" data-value="${t.held}">${money(t.held, cur)}</dd></div>
<div class="stat"><dt>Clawbacks</dt><dd data-kpi="clawbacks" data-value="${t.clawbacks}">${money(t.clawbacks, cur)}</dd></div></dl>`;
  const months =
    d.ledger.months.length === 0
      ? d.c.period.label
      : d.ledger.months.length === 1
        ? d.ledger.months[0]
        : `${d.ledger.months[0] ?? ''} to ${d.ledger.months[d.ledger.months.length - 1] ?? ''}`;
  if (!d.showLines) {
    return html`<section aria-labelledby="comm-h"><h2 id="comm-h">Commissions booked in ${months}</h2>${totals}
<p class="note">Commission lines are shown to finance and admin sessions; this viewer session sees the totals.</p></section>`;
  }
  const rows = d.ledger.lines.map(
    (
      l,
    ) => html`<tr data-key="${l.key}"><td>${l.period}${l.originalPeriod === l.period ? '' : html`<br><span class="muted">for ${l.originalPeriod}</span>`}</td><td>${l.type}</td>
<td>${l.dealName ?? l.dealId ?? 'monthly fee'}<br><span class="muted">${l.key}</span></td>
<td class="num" data-col="amount" data-value="${l.amount}">${money(l.amount, cur)}</td><td>${l.status}<br><span class="muted">${l.payableOn}</span></td><td>${l.explanation}</td></tr>`,
  );
  return html`<section aria-labelledby="comm-h"><h2 id="comm-h">Commissions booked in ${months}</h2>${totals}
<div class="table-wrap"><table id="commission-lines"><caption>Ledger entries of this partner (${d.ledger.lines.length}), as in the finance statement</caption>
<thead><tr><th scope="col">Period</th><th scope="col">Type</th><th scope="col">Deal / key</th><th scope="col" class="num">Amount</th><th scope="col">Status</th><th scope="col">How it was computed</th></tr></thead>
<tbody>${rows.length === 0 ? html`<tr><td colspan="6">No entries in this period.</td></tr>` : rows}</tbody></table></div></section>`;
}

export function partnerBody(d: PartnerPageData): SafeHtml {
  const r = d.row;
  const crm = d.linker.partner(r.id);
  return html`<p><a href="/ui/partners${queryString({ period: d.c.period.label })}">← All partners</a></p>
<h1>${r.name}</h1>
<p class="lede">${r.id}${d.recipeName === null ? ' · no recipe' : html` · recipe ${d.recipeName}`} · earned tier ${r.tier ?? '—'}${r.grantedTier === null ? '' : html` (granted ${r.grantedTier})`} · fit ${r.fit === null ? '—' : `${r.fit.score} (${r.fit.band})`} · last activity ${localDate(r.lastActivityAt, d.c.tz.name)} · win rate (365 days) ${r.winRate365 === null ? html`— <span class="muted">(fewer than ${d.minClosedForWinRate} closed)</span>` : percent(r.winRate365)}${crm === null ? '' : html` · <a href="${crm}" rel="noopener noreferrer">Open in ${d.linker.label ?? 'the CRM'}</a>`}</p>
${periodForm(`/ui/partners/${encodeURIComponent(r.id)}`, d.c.currentMonth, d.c.period)}
<section aria-labelledby="kpis-h"><h2 id="kpis-h">KPIs in ${d.c.period.label}</h2>${kpiSummary(d)}</section>
${healthSection(d)}
${alertsSection(d)}
${commissionsSection(d)}
${history(d)}`;
}
