// /ui/audit (admins): who signed in (or failed to), closed periods, downloaded exports and
// statements, started syncs, invited partners, and when the loaded config changed; filterable,
// with a CSV export of what is shown.

import { AUDIT_ACTIONS, type AuditEntry } from '../../../store/notifications.ts';
import { html, queryString, raw, type SafeHtml } from '../html.ts';
import { localTime } from './notifications.ts';

export function auditBody(o: {
  entries: readonly AuditEntry[];
  timezone: string;
  filter: {
    action?: string | undefined;
    actor?: string | undefined;
    from?: string | undefined;
    to?: string | undefined;
  };
}): SafeHtml {
  const f = o.filter;
  const opt = (v: string): SafeHtml =>
    html`<option value="${v}"${v === f.action ? raw(' selected') : ''}>${v}</option>`;
  const rows = o.entries.map(
    (e) =>
      html`<tr data-action="${e.action}"><td>${localTime(e.at, o.timezone)}</td><td>${e.actor}</td><td><code>${e.action}</code></td><td>${e.target ?? ''}</td><td><code class="detail">${Object.keys(e.detail).length === 0 ? '' : JSON.stringify(e.detail)}</code></td></tr>`,
  );
  return html`<h1>Audit log</h1>
<p class="lede">Who did what, newest first. Times in the program time zone; the CSV has them in UTC.</p>
<form method="get" action="/ui/audit" class="toolbar" aria-label="Filter the audit log">
<div class="field"><label for="action">Action</label><select id="action" name="action"><option value="">any</option>${AUDIT_ACTIONS.map(opt)}</select></div>
<div class="field"><label for="actor">Who</label><input id="actor" name="actor" value="${f.actor ?? ''}" spellcheck="false"></div>
<div class="field"><label for="from">From (YYYY-MM-DD)</label><input id="from" name="from" value="${f.from ?? ''}" pattern="\\d{4}-\\d{2}-\\d{2}"></div>
<div class="field"><label for="to">To (YYYY-MM-DD)</label><input id="to" name="to" value="${f.to ?? ''}" pattern="\\d{4}-\\d{2}-\\d{2}"></div>
<button type="submit">Show</button></form>
<p><a id="audit-csv" href="/ui/audit/export.csv${queryString(f)}">Download CSV</a></p>
<div class="table-wrap"><table id="audit-table"><caption class="visually-hidden">Audit log entries</caption>
<thead><tr><th scope="col">When</th><th scope="col">Who</th><th scope="col">Action</th><th scope="col">Target</th><th scope="col">Detail</th></tr></thead>
<tbody>${rows.length === 0 ? html`<tr><td colspan="5">No entry matches.</td></tr>` : rows}</tbody></table></div>`;
}
