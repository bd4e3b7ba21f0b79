// /ui/write-failures: the writes the CRM refused for what they held (issue 14: e.g. HubSpot's
// portal validation rules) — which record, the properties the CRM named, its message, when, and
// when the write is tried again unchanged (values change, `sync --full`, or after a day).

import type { CrmLinker } from '../../../crm/provider.ts';
import type { WriteRefusal } from '../../../store/store.ts';
import { REFUSAL_HOLD_MS } from '../../../sync/write-refusals.ts';
import { html, type SafeHtml } from '../html.ts';
import { localTime } from './notifications.ts';

const OBJECT_LABEL: Readonly<Record<WriteRefusal['object'], string>> = {
  partner: 'Partner',
  deal: 'Deal',
  task: 'Task',
};

function recordCell(r: WriteRefusal, linker: CrmLinker, names: ReadonlyMap<string, string>): SafeHtml {
  if (r.object === 'task') {
    const partner = typeof r.fields['partnerId'] === 'string' ? r.fields['partnerId'] : null;
    const subject = typeof r.fields['subject'] === 'string' ? r.fields['subject'] : r.recordId;
    return html`${subject}${partner === null ? '' : html` <span class="muted">(partner ${names.get(partner) ?? partner})</span>`}`;
  }
  const href = r.object === 'partner' ? linker.partner(r.recordId) : linker.deal(r.recordId);
  const name = r.object === 'partner' ? (names.get(r.recordId) ?? r.recordId) : r.recordId;
  return href === null ? html`${name}` : html`<a href="${href}" rel="noopener">${name}</a>`;
}

export function writeFailuresBody(o: {
  refusals: readonly WriteRefusal[];
  linker: CrmLinker;
  names: ReadonlyMap<string, string>;
  timezone: string;
}): SafeHtml {
  const rows = o.refusals.map(
    (r) =>
      html`<tr data-object="${r.object}" data-record="${r.recordId}"><td>${localTime(r.at, o.timezone)}</td><td>${OBJECT_LABEL[r.object]}</td><td>${recordCell(r, o.linker, o.names)}</td><td>${r.properties.length === 0 ? '—' : html`<code>${r.properties.join(', ')}</code>`}</td><td class="message">${r.message}</td><td>${localTime(r.at + REFUSAL_HOLD_MS, o.timezone)}</td></tr>`,
  );
  return html`<h1>Write failures</h1>
<p class="lede">Writes the CRM refused for what they held — a property its rules require, a link the connected user may not create. Everything else was written. A refused write is sent again when its values change, on <code>sync --full</code>, or after the time shown.</p>
<div class="table-wrap"><table id="write-failures"><caption class="visually-hidden">Refused writes</caption>
<thead><tr><th scope="col">When</th><th scope="col">What</th><th scope="col">Record</th><th scope="col">Properties</th><th scope="col">CRM message</th><th scope="col">Tried again after</th></tr></thead>
<tbody>${rows.length === 0 ? html`<tr><td colspan="6">No refused write.</td></tr>` : rows}</tbody></table></div>`;
}
