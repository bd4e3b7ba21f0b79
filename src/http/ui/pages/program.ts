// The program page (/ui): the period's headline figures (the same as GET /v1/kpis), the ledger's
// commissions for the period, and a 12-month trend.

import type { ProgramKpis } from '../../../domain/kpis.ts';
import { barChart, lineChart } from '../charts.ts';
import type { Current, LedgerView } from '../data.ts';
import type { PartnerReadRow } from '../../../sync/read-models.ts';
import { count, money, monthName, percent } from '../format.ts';
import { html, queryString, type SafeHtml } from '../html.ts';
import type { KpiHistory } from '../history.ts';
import { periodForm } from '../layout.ts';

export interface ProgramPageData {
  c: Current;
  ledger: LedgerView;
  history: KpiHistory;
  /** Net commissions booked per ledger month. */
  bookedByMonth: ReadonlyMap<string, string>;
  currency: string;
  partnerCount: number;
  /** The period's top partners (their read-model rows). */
  top: readonly PartnerReadRow[];
}

function stat(key: string, label: string, value: string, display: string, sub: SafeHtml | string = ''): SafeHtml {
  return html`<div class="stat"><dt id="dt-${key}">${label}</dt><dd data-kpi="${key}" data-value="${value}">${display}${sub === '' ? '' : html`<span class="sub">${sub}</span>`}</dd></div>`;
}

function headline(d: ProgramPageData, p: ProgramKpis): SafeHtml {
  const cur = d.currency;
  const t = d.ledger.totals;
  return html`<dl class="stats">
${stat('attributedRevenue', 'Partner-attributed revenue', p.attributedRevenue, money(p.attributedRevenue, cur), html`of ${money(p.totalWonRevenue, cur)} won in the period`)}
${stat('partnerRevenueShare', 'Share of all won revenue', String(p.partnerRevenueShare ?? ''), percent(p.partnerRevenueShare), p.partnerRevenueShare === null ? 'no won revenue in the period' : 'partner-attributed ÷ all won')}
${stat('totalWonRevenue', 'All won revenue', p.totalWonRevenue, money(p.totalWonRevenue, cur), 'every won deal closed in the period')}
${stat('activePartners', 'Active partners', String(p.activePartners), count(p.activePartners), html`of ${count(d.partnerCount)}; active within 90 days · <span data-kpi="newPartners" data-value="${p.newPartners}">${count(p.newPartners)}</span> new in the period`)}
${stat('commissionsNet', 'Commissions this period', t.net, money(t.net, cur), html`payable <span data-kpi="commissionsPayable" data-value="${t.payable}">${money(t.payable, cur)}</span> · held <span data-kpi="commissionsHeld" data-value="${t.held}">${money(t.held, cur)}</span>`)}
</dl>`;
}

function trend(d: ProgramPageData): SafeHtml {
  const months = d.history.months;
  const labels = months.map((m) => m.label);
  const attributed = months.map((m) => m.program.attributedRevenue);
  const total = months.map((m) => m.program.totalWonRevenue);
  const booked = labels.map((l) => d.bookedByMonth.get(l) ?? '0');
  const first = labels[0] ?? '';
  const last = labels[labels.length - 1] ?? '';
  const range = `${monthName(first)} to ${monthName(last)}`;
  const chart = lineChart({
    id: 'trend-chart',
    title: `Partner-attributed and all won revenue by month, ${range}`,
    desc: `Two lines in ${d.currency}: partner-attributed revenue (solid, round markers) and all won revenue (dashed, square markers). The table below lists every value.`,
    labels,
    series: [
      {
        name: 'Partner-attributed',
        values: attributed.map(Number),
        display: attributed.map((v) => money(v, d.currency)),
      },
      { name: 'All won revenue', values: total.map(Number), display: total.map((v) => money(v, d.currency)) },
    ],
  });
  const bars = barChart({
    id: 'commission-chart',
    title: `Commissions booked in the ledger by month, ${range}`,
    desc: `Net commissions (accruals, adjustments and clawbacks) booked per month in ${d.currency}. The table below lists every value.`,
    labels,
    name: 'Commissions booked',
    values: booked.map(Number),
    display: booked.map((v) => money(v, d.currency)),
  });
  const rows = months.map(
    (
      m,
      i,
    ) => html`<tr data-month="${m.label}"><th scope="row"><a href="/ui${queryString({ period: m.label })}">${monthName(m.label)}</a></th>
<td class="num" data-col="attributedRevenue" data-value="${m.program.attributedRevenue}">${money(m.program.attributedRevenue, d.currency)}</td>
<td class="num" data-col="totalWonRevenue" data-value="${m.program.totalWonRevenue}">${money(m.program.totalWonRevenue, d.currency)}</td>
<td class="num" data-col="partnerRevenueShare" data-value="${String(m.program.partnerRevenueShare ?? '')}">${percent(m.program.partnerRevenueShare)}</td>
<td class="num" data-col="newPartners" data-value="${m.program.newPartners}">${count(m.program.newPartners)}</td>
<td class="num" data-col="booked" data-value="${booked[i] ?? '0'}">${money(booked[i] ?? '0', d.currency)}</td></tr>`,
  );
  return html`<section aria-labelledby="trend-h"><h2 id="trend-h">12-month trend</h2>
<figure>${chart}<figcaption>Revenue by month, ${range}. Solid line with round markers: partner-attributed; dashed line with square markers: all won revenue.</figcaption></figure>
<figure>${bars}<figcaption>Commissions booked in the ledger by month (net of adjustments and clawbacks).</figcaption></figure>
<div class="table-wrap"><table id="trend-table"><caption>The trend as a table (each month as GET /v1/kpis?period=YYYY-MM reports it; commissions from the ledger)</caption>
<thead><tr><th scope="col">Month</th><th scope="col" class="num">Partner-attributed</th><th scope="col" class="num">All won revenue</th><th scope="col" class="num">Partner share</th><th scope="col" class="num">New partners</th><th scope="col" class="num">Commissions booked</th></tr></thead>
<tbody>${rows}</tbody></table></div></section>`;
}

function topPartners(d: ProgramPageData, p: ProgramKpis): SafeHtml {
  const byId = new Map(d.top.map((x) => [x.id, x]));
  const items = p.topPartners.map(
    (id) =>
      html`<li data-partner-id="${id}"><a href="/ui/partners/${encodeURIComponent(id)}${queryString({ period: d.c.period.label })}">${byId.get(id)?.name ?? id}</a>: ${money(byId.get(id)?.out.kpis.attributedRevenue, d.currency)}</li>`,
  );
  return html`<section aria-labelledby="top-h"><h2 id="top-h">Top partners in ${d.c.period.label}</h2>
${items.length === 0 ? html`<p class="muted">No partner-attributed revenue in this period.</p>` : html`<ol id="top-partners">${items}</ol>`}</section>`;
}

export function programBody(d: ProgramPageData): SafeHtml {
  const { c } = d;
  const p = c.result.program;
  return html`<h1>Program</h1>
<p class="lede">Period <strong>${c.period.label}</strong> (${c.tz.localDate(Date.parse(c.result.period.start))} to ${c.tz.localDate(Date.parse(c.result.period.end) - 1)}, ${c.tz.name}), as of ${c.result.asOf}. Amounts in ${d.currency}.</p>
${periodForm('/ui', c.currentMonth, c.period)}
<section aria-labelledby="kpi-h"><h2 id="kpi-h">Key figures for ${c.period.label}</h2>
${headline(d, p)}
<p class="muted">Commissions are the ledger's entries booked in ${d.ledger.months.length === 1 ? d.ledger.months[0] : `${d.ledger.months[0] ?? c.period.label} to ${d.ledger.months[d.ledger.months.length - 1] ?? c.period.label}`} (${count(d.ledger.entries)} entries), payable or held as of now or as of the period's close.</p>
</section>
${topPartners(d, p)}
${trend(d)}`;
}
