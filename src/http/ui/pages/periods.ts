// /ui/periods (finance and admin): every ledger month with its status — open, or closed with
// when and by whom (a token's name, `role#n` for an unnamed token, the SSO user or the CLI's
// --by) — its entries and net. Closing stays a deliberate act: `partnersync periods close` or
// POST /v1/periods/{period}/close.

import type { PeriodInfo } from '../../../ledger/periods.ts';
import { money } from '../format.ts';
import { html, type SafeHtml } from '../html.ts';
import { localTime } from './notifications.ts';

export function periodsBody(o: { periods: readonly PeriodInfo[]; timezone: string; currency: string }): SafeHtml {
  const rows = [...o.periods].reverse().map((p) => {
    const status =
      p.state === 'open'
        ? html`open`
        : html`closed <span data-closed-at>${p.closedAt === null ? '' : localTime(Date.parse(p.closedAt), o.timezone)}</span> by <span data-closed-by>${p.closedBy ?? '?'}</span>`;
    return html`<tr data-period="${p.period}" data-state="${p.state}"><th scope="row">${p.period}</th><td>${status}</td><td class="num">${p.entries}</td><td class="num">${money(p.net, o.currency)}</td></tr>`;
  });
  return html`<h1>Ledger periods</h1>
<p class="lede">Each month of the commission ledger, newest first. A closed month never changes; a later difference for it is booked in the oldest open month. Close a month with <code>partnersync periods close YYYY-MM</code> or <code>POST /v1/periods/YYYY-MM/close</code>; times are in the program time zone.</p>
<div class="table-wrap"><table id="periods-table"><caption class="visually-hidden">Ledger periods</caption>
<thead><tr><th scope="col">Month</th><th scope="col">Status</th><th scope="col" class="num">Entries</th><th scope="col" class="num">Net booked</th></tr></thead>
<tbody>${rows.length === 0 ? html`<tr><td colspan="4">No ledger entries yet.</td></tr>` : rows}</tbody></table></div>`;
}
