// /ui/rejected: every deal the last finished sync left out, with the value it holds, the fix
// (src/sync/rejection-details.ts) and a link to the record in the CRM (issue 17). The `sync`
// command lists the first ten and points here.

import type { RejectedDeal } from '../../../sync/rejection-details.ts';
import type { CrmLinker } from '../crm-links.ts';
import { html, type SafeHtml } from '../html.ts';
import { localTime } from './notifications.ts';

export function rejectedBody(o: {
  run: { id: string; finishedAt: number } | null;
  rejected: readonly RejectedDeal[];
  names: ReadonlyMap<string, string>;
  linker: CrmLinker;
  timezone: string;
}): SafeHtml {
  if (o.run === null)
    return html`<h1>Rejected deals</h1><p class="lede">No sync has finished yet: run <code>partnersync sync</code>.</p>`;
  const byReason = new Map<string, number>();
  for (const r of o.rejected) byReason.set(r.reason, (byReason.get(r.reason) ?? 0) + 1);
  const summary = [...byReason]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, n]) => html`<li><code>${k}</code>: ${n}</li>`);
  const rows = o.rejected.map((r) => {
    const crm = o.linker.deal(r.dealId);
    const name = o.names.get(r.dealId);
    const label = name === undefined ? r.dealId : `${name} (${r.dealId})`;
    const cell =
      crm === null
        ? html`${label}`
        : html`<a href="${crm}" rel="noopener noreferrer" data-crm="deal">${label}<span class="visually-hidden"> in ${o.linker.label ?? 'the CRM'}</span></a>`;
    return html`<tr data-deal-id="${r.dealId}" data-reason="${r.reason}"><th scope="row">${cell}</th><td><code>${r.reason}</code></td><td>${r.detail}</td></tr>`;
  });
  return html`<h1>Rejected deals</h1>
<p class="lede">${o.rejected.length} deal${o.rejected.length === 1 ? ' was' : 's were'} left out of every figure by the last finished sync (${localTime(o.run.finishedAt, o.timezone)}): fix each in the CRM or the config as its line says; the next sync picks it up. ${o.linker.label === null ? 'This CRM has no record pages to link to; deal ids are shown instead.' : html`Deal links open ${o.linker.label}.`}</p>
${summary.length === 0 ? '' : html`<ul class="rejected-summary">${summary}</ul>`}
<div class="table-wrap"><table id="rejected-table"><caption class="visually-hidden">Rejected deals of the last sync</caption>
<thead><tr><th scope="col">Deal</th><th scope="col">Reason</th><th scope="col">Value and fix</th></tr></thead>
<tbody>${rows.length === 0 ? html`<tr><td colspan="3">No deal was rejected.</td></tr>` : rows}</tbody></table></div>`;
}
