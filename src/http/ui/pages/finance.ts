// /ui/finance (finance and admin, issue 20): manual adjustments waiting for a second person, the
// propose form, payout runs and the form that creates one; /ui/finance/payouts/{id}: a run's
// lines, its approval, its files, and marking lines paid or failed. Every form carries the
// session's CSRF token; whoever proposed or created something sees no approve button for it.

import { formatMinor } from '../../../domain/money.ts';
import type { ManualAdjustment, PayoutRun } from '../../../ledger/finance-port.ts';
import { sameIdentity } from '../../../ledger/finance-deps.ts';
import { money } from '../format.ts';
import { html, type SafeHtml } from '../html.ts';
import { localTime } from './notifications.ts';

export interface FinancePageData {
  user: string;
  csrf: string;
  currency: string;
  exponent: number;
  timezone: string;
  adjustments: readonly ManualAdjustment[];
  runs: readonly PayoutRun[];
  partners: readonly { id: string; name: string }[];
  currentMonth: string;
  notice: string | null;
  error: string | null;
}

const csrfField = (csrf: string): SafeHtml => html`<input type="hidden" name="_csrf" value="${csrf}">`;

export function flash(notice: string | null, error: string | null): SafeHtml {
  return html`${notice === null ? '' : html`<p class="note" role="status" id="finance-notice">${notice}</p>`}${error === null ? '' : html`<p class="error-box" role="alert" id="finance-error">${error}</p>`}`;
}

function adjustmentRow(a: ManualAdjustment, d: FinancePageData): SafeHtml {
  const act =
    a.status !== 'proposed'
      ? html`${a.status} by ${a.decidedBy ?? ''}${a.bookedPeriod === null ? '' : html` · booked in ${a.bookedPeriod}`}`
      : sameIdentity(a.proposedBy, d.user)
        ? html`waiting for another finance user`
        : html`<form method="post" action="/ui/finance/adjustments/${a.id}/approve" class="inline">${csrfField(d.csrf)}<button type="submit" id="approve-${a.id}">Approve</button></form>
<form method="post" action="/ui/finance/adjustments/${a.id}/reject" class="inline">${csrfField(d.csrf)}<button type="submit">Reject</button></form>`;
  return html`<tr data-adjustment="${a.id}" data-status="${a.status}"><td>${a.partnerName} <span class="muted">(${a.partnerId})</span></td><td class="num">${money(formatMinor(a.amount, d.exponent), d.currency)}</td><td>${a.targetPeriod}</td><td>${a.reason}</td><td>${a.description}</td><td>${a.proposedBy}</td><td>${act}</td></tr>`;
}

function runRow(r: PayoutRun, d: FinancePageData): SafeHtml {
  return html`<tr data-run="${r.id}" data-status="${r.status}"><td><a href="/ui/finance/payouts/${r.id}">${r.id}</a></td><td>${r.cutoff}</td><td>${r.status}</td><td class="num">${money(formatMinor(r.total, d.exponent), d.currency)}</td><td>${r.lines.length}</td><td>${r.createdBy}</td><td>${r.approvedBy ?? ''}</td></tr>`;
}

export function financeBody(d: FinancePageData): SafeHtml {
  const options = d.partners.map((p) => html`<option value="${p.id}">${p.name} (${p.id})</option>`);
  return html`<h1>Finance</h1>
<p class="lede">Manual adjustments and payout runs. Each needs a second finance or admin user to approve it; you are signed in as <strong>${d.user}</strong>.</p>
${flash(d.notice, d.error)}
<h2>Manual adjustments</h2>
<div class="table-wrap"><table id="adjustments-table"><caption class="visually-hidden">Manual adjustments</caption>
<thead><tr><th scope="col">Partner</th><th scope="col">Amount</th><th scope="col">Month</th><th scope="col">Reason (internal)</th><th scope="col">On the statement</th><th scope="col">Proposed by</th><th scope="col">Decision</th></tr></thead>
<tbody>${d.adjustments.length === 0 ? html`<tr><td colspan="7">No adjustment yet.</td></tr>` : d.adjustments.map((a) => adjustmentRow(a, d))}</tbody></table></div>
<h3>Propose an adjustment</h3>
<form method="post" action="/ui/finance/adjustments" id="propose-form" class="stack">${csrfField(d.csrf)}
<div class="field"><label for="adj-partner">Partner</label><select id="adj-partner" name="partnerId" required>${options}</select></div>
<div class="field"><label for="adj-amount">Amount in ${d.currency} (negative to deduct)</label><input id="adj-amount" name="amount" required pattern="-?\\d+(\\.\\d+)?" inputmode="decimal"></div>
<div class="field"><label for="adj-period">Month (YYYY-MM)</label><input id="adj-period" name="period" required value="${d.currentMonth}" pattern="\\d{4}-\\d{2}"></div>
<div class="field"><label for="adj-reason">Reason (internal)</label><input id="adj-reason" name="reason" required maxlength="500"></div>
<div class="field"><label for="adj-description">Description on the statement</label><input id="adj-description" name="description" maxlength="500" placeholder="Manual adjustment"></div>
<button type="submit">Propose</button></form>
<h2>Payout runs</h2>
<div class="table-wrap"><table id="runs-table"><caption class="visually-hidden">Payout runs</caption>
<thead><tr><th scope="col">Run</th><th scope="col">Cut-off</th><th scope="col">Status</th><th scope="col">Total</th><th scope="col">Lines</th><th scope="col">Created by</th><th scope="col">Approved by</th></tr></thead>
<tbody>${d.runs.length === 0 ? html`<tr><td colspan="7">No payout run yet.</td></tr>` : d.runs.map((r) => runRow(r, d))}</tbody></table></div>
<h3>Create a payout run</h3>
<form method="post" action="/ui/finance/payouts" id="run-form" class="stack">${csrfField(d.csrf)}
<div class="field"><label for="run-cutoff">Cut-off date (YYYY-MM-DD)</label><input id="run-cutoff" name="cutoff" required pattern="\\d{4}-\\d{2}-\\d{2}"></div>
<button type="submit">Create payout run</button></form>`;
}

export function payoutRunBody(o: {
  run: PayoutRun;
  user: string;
  csrf: string;
  currency: string;
  exponent: number;
  timezone: string;
  notice: string | null;
  error: string | null;
}): SafeHtml {
  const { run } = o;
  const approve =
    run.status !== 'draft'
      ? ''
      : sameIdentity(run.createdBy, o.user)
        ? html`<p>Waiting for another finance user to approve it.</p>`
        : html`<form method="post" action="/ui/finance/payouts/${run.id}/approve" class="inline">${csrfField(o.csrf)}<button type="submit" id="approve-run">Approve payout run</button></form>`;
  const cancel =
    run.status === 'draft'
      ? html`<form method="post" action="/ui/finance/payouts/${run.id}/cancel" class="inline">${csrfField(o.csrf)}<button type="submit">Cancel run</button></form>`
      : '';
  const lines = run.lines.map((l) => {
    const mark =
      run.status === 'approved' && l.status === 'pending'
        ? html`<form method="post" action="/ui/finance/payouts/${run.id}/lines/${l.id}" class="inline">${csrfField(o.csrf)}<label for="ref-${l.id}" class="visually-hidden">Reference for ${l.id}</label><input id="ref-${l.id}" name="reference" placeholder="reference" maxlength="200"><button type="submit" name="status" value="paid" id="paid-${l.id}">Mark paid</button><button type="submit" name="status" value="failed">Mark failed</button></form>`
        : html`${l.reference ?? ''}`;
    return html`<tr data-line="${l.id}" data-status="${l.status}"><td>${l.id}</td><td>${l.partnerName} <span class="muted">(${l.partnerId})</span></td><td class="num">${money(formatMinor(l.amount, o.exponent), o.currency)}</td><td>${l.entryIds.length}</td><td data-col="status">${l.status}</td><td>${mark}</td></tr>`;
  });
  return html`<h1>Payout run ${run.id}</h1>
<p class="lede">Cut-off ${run.cutoff} · ${run.status} · total ${money(formatMinor(run.total, o.exponent), o.currency)} · created by ${run.createdBy} ${localTime(run.createdAt, o.timezone)}${run.approvedBy === null ? '' : html` · approved by ${run.approvedBy}`}</p>
${flash(o.notice, o.error)}
<p>${approve} ${cancel}</p>
<p><a href="/ui/finance/payouts/${run.id}/export?format=csv">Download CSV</a>${run.status === 'approved' ? html` · <a href="/ui/finance/payouts/${run.id}/export?format=wise">Download Wise batch file</a>` : ''} · <a href="/ui/finance">Back to finance</a></p>
<div class="table-wrap"><table id="lines-table"><caption class="visually-hidden">Lines of payout run ${run.id}</caption>
<thead><tr><th scope="col">Line</th><th scope="col">Partner</th><th scope="col">Amount</th><th scope="col">Entries</th><th scope="col">Status</th><th scope="col">Reference</th></tr></thead>
<tbody>${lines}</tbody></table></div>`;
}
