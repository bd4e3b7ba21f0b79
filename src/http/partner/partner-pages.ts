// The partner pages' HTML (issue 19): server-rendered, no script, every value escaped by `html`
// (partner-entered text included). The shell is the dashboard's stylesheet with a navigation of
// its own: partners see nothing of /ui.

import type { ExportLine, Statements } from '../../ledger/exports.ts';
import { STYLESHEET_HREF } from '../ui/assets.ts';
import { html, raw, type SafeHtml } from '../ui/html.ts';
import type { DealView, PartnerOverview, RegistrationView } from './partner-data.ts';

export interface PartnerShell {
  title: string;
  /** Signed-in partner user (partner name and the logout form's token); null before sign-in. */
  user: { partnerName: string; email: string; csrf: string } | null;
}

const NAV = [
  ['/partner', 'Overview'],
  ['/partner/registrations', 'Registrations'],
  ['/partner/registrations/new', 'Register a deal'],
  ['/partner/deals', 'Deals'],
  ['/partner/statement', 'Statement'],
] as const;

export function partnerPage(shell: PartnerShell, body: SafeHtml): string {
  const nav =
    shell.user === null
      ? ''
      : html`<nav class="site-nav" aria-label="Partner pages"><ul>${NAV.map(([href, label]) => html`<li><a href="${href}">${label}</a></li>`)}</ul></nav><div class="who"><span>Signed in as <span data-user>${shell.user.email}</span> · <strong data-partner>${shell.user.partnerName}</strong></span><form method="post" action="/partner/logout"><input type="hidden" name="_csrf" value="${shell.user.csrf}"><button type="submit">Log out</button></form></div>`;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${shell.title} · partner pages</title>
<link rel="stylesheet" href="${STYLESHEET_HREF}">
</head>
<body>
<a class="skip-link" href="#main">Skip to main content</a>
<header class="site-header"><div class="bar"><span class="brand">Partner pages</span>${nav}</div></header>
<main id="main" tabindex="-1">
<h1>${shell.title}</h1>
${body}
</main>
</body>
</html>
`.text;
}

export function messageBody(text: string): SafeHtml {
  return html`<p role="status" data-message>${text}</p>`;
}

/** The page a sign-in link opens: a button that POSTs, so a mail scanner fetching the link burns nothing. */
export function signInBody(token: string | null): SafeHtml {
  if (token === null)
    return html`<p>Open the sign-in link from your e-mail. If it expired or was used, ask your partner manager for a new one.</p>`;
  return html`<form method="post" action="/partner/signin"><input type="hidden" name="t" value="${token}"><p>Press the button to sign in to your partner pages.</p><button type="submit" data-signin>Sign in</button></form>`;
}

const statusText = (s: string): string =>
  s === 'refused' ? 'refused by the CRM' : s === 'pending' ? 'not recorded yet (submit again)' : s;

export function overviewBody(o: PartnerOverview): SafeHtml {
  const next =
    o.nextTier === null
      ? html`<p data-next-tier>You are at the highest tier of your plan.</p>`
      : html`<p data-next-tier>${o.nextTier.winsNeeded} more won deal${o.nextTier.winsNeeded === 1 ? '' : 's'} in 365 days for <strong>${o.nextTier.name}</strong> (${o.nextTier.minWonDeals} wins).</p>`;
  return html`<section aria-labelledby="tier"><h2 id="tier">Tier</h2>
<p>Earned tier: <strong data-tier>${o.tier ?? 'none'}</strong>${o.grantedTier === null ? '' : html` · granted: ${o.grantedTier}`} · won deals you sourced in the last 365 days: <span data-wins>${o.winsLast365}</span></p>${next}</section>
<p><a href="/partner/registrations/new">Register a deal</a> · <a href="/partner/deals">Your deals</a> · <a href="/partner/statement">Your statement</a></p>`;
}

export function registrationsBody(list: readonly RegistrationView[]): SafeHtml {
  if (list.length === 0)
    return html`<p>No registrations yet. <a href="/partner/registrations/new">Register a deal</a>.</p>`;
  return html`<table><caption>Your registrations, newest first</caption><thead><tr><th scope="col">Customer</th><th scope="col">Domain</th><th scope="col">Amount</th><th scope="col">Submitted</th><th scope="col">Status</th><th scope="col">Reason</th><th scope="col">Protected until</th></tr></thead><tbody>${list.map(
    (r) =>
      html`<tr data-registration="${r.id}"><td><a href="/partner/registrations/${r.id}">${r.company}</a></td><td>${r.domain}</td><td>${r.amount} ${r.currency}</td><td>${r.submittedAt.slice(0, 10)}</td><td data-status>${statusText(r.status)}</td><td>${r.reason ?? r.error ?? ''}</td><td>${r.expiresAt?.slice(0, 10) ?? ''}</td></tr>`,
  )}</tbody></table>`;
}

export function registrationBody(r: RegistrationView): SafeHtml {
  return html`<dl class="facts">
<dt>Customer</dt><dd data-company>${r.company} (${r.domain})</dd>
<dt>Expected</dt><dd>${r.amount} ${r.currency}, closing ${r.closeDate}</dd>
<dt>Submitted</dt><dd>${r.submittedAt}</dd>
<dt>Status</dt><dd data-status>${statusText(r.status)}</dd>
${r.reason === null ? '' : html`<dt>Reason</dt><dd data-reason>${r.reason}</dd>`}
${r.error === null ? '' : html`<dt>CRM message</dt><dd data-error>${r.error}</dd>`}
${r.expiresAt === null ? '' : html`<dt>Protected until</dt><dd>${r.expiresAt}</dd>`}
</dl><p><a href="/partner/registrations">All registrations</a></p>`;
}

export interface FormState {
  csrf: string;
  idem: string;
  values: Readonly<Record<string, string>>;
  errors: Readonly<Record<string, string>>;
  currencies: readonly string[];
  recipes: readonly { id: string; name: string }[];
}

function field(s: FormState, name: string, label: string, input: (describedBy: string | null) => SafeHtml): SafeHtml {
  const error = s.errors[name];
  const id = `${name}-error`;
  return html`<div class="field"><label for="${name}">${label}</label>${input(error === undefined ? null : id)}${error === undefined ? '' : html`<p class="error" id="${id}" data-error-for="${name}">${error}</p>`}</div>`;
}

const described = (id: string | null): SafeHtml =>
  id === null ? raw('') : html` aria-invalid="true" aria-describedby="${id}"`;

export function registrationFormBody(s: FormState): SafeHtml {
  const v = (k: string): string => s.values[k] ?? '';
  const text = (name: string, label: string, type = 'text', extra = ''): SafeHtml =>
    field(
      s,
      name,
      label,
      (d) => html`<input id="${name}" name="${name}" type="${type}" value="${v(name)}"${raw(extra)}${described(d)}>`,
    );
  const formError = s.errors['form'];
  return html`${formError === undefined ? '' : html`<div class="error" role="alert" data-form-error>${formError}</div>`}
<form method="post" action="/partner/registrations" novalidate>
<input type="hidden" name="_csrf" value="${s.csrf}"><input type="hidden" name="idem" value="${s.idem}">
${text('company', 'Customer company name', 'text', ' required maxlength="200"')}
${text('domain', 'Customer web domain (e.g. acme.com)', 'text', ' required')}
${text('contactName', 'Customer contact name', 'text', ' required maxlength="200"')}
${text('contactEmail', 'Customer contact e-mail', 'email', ' required')}
${text('amount', 'Expected amount', 'text', ' required inputmode="decimal"')}
${field(s, 'currency', 'Currency', (d) => html`<select id="currency" name="currency"${described(d)}>${s.currencies.map((c) => html`<option value="${c}"${v('currency') === c ? raw(' selected') : ''}>${c}</option>`)}</select>`)}
${text('closeDate', 'Expected close date', 'date', ' required')}
${
  s.recipes.length === 0
    ? ''
    : field(
        s,
        'recipe',
        'Kind of partnership',
        (d) =>
          html`<select id="recipe" name="recipe"${described(d)}>${s.recipes.map((r) => html`<option value="${r.id}"${v('recipe') === r.id ? raw(' selected') : ''}>${r.name}</option>`)}</select>`,
      )
}
${field(s, 'notes', 'Notes', (d) => html`<textarea id="notes" name="notes" maxlength="2000" rows="4"${described(d)}>${v('notes')}</textarea>`)}
<button type="submit" data-register>Register the deal</button>
</form>`;
}

export function dealsBody(o: PartnerOverview): SafeHtml {
  if (o.deals.length === 0) return html`<p>No deals credit you yet.</p>`;
  return html`<table><caption>Deals you sourced, influenced or registered (your own attribution, in ${o.currency})</caption><thead><tr><th scope="col">Deal</th><th scope="col">Stage</th><th scope="col">Close date</th><th scope="col">Your part</th><th scope="col">Your attribution</th><th scope="col">Your share</th></tr></thead><tbody>${o.deals.map(
    (d: DealView) =>
      html`<tr data-deal="${d.id}"><td><a href="/partner/deals/${encodeURIComponent(d.id)}">${d.name}</a></td><td>${d.stage}</td><td>${d.closeDate ?? ''}</td><td>${d.role}</td><td data-amount>${d.amount}</td><td>${d.sharePercent === null ? '' : `${d.sharePercent}%`}</td></tr>`,
  )}</tbody></table>`;
}

export function dealBody(d: DealView, currency: string): SafeHtml {
  return html`<dl class="facts"><dt>Deal</dt><dd data-deal-name>${d.name}</dd><dt>Stage</dt><dd>${d.stage}</dd><dt>Close date</dt><dd>${d.closeDate ?? ''}</dd><dt>Your part</dt><dd>${d.role}</dd><dt>Your attribution</dt><dd data-amount>${d.amount} ${currency}</dd><dt>Your share</dt><dd>${d.sharePercent === null ? '' : `${d.sharePercent}%`}</dd></dl><p><a href="/partner/deals">All deals</a></p>`;
}

export function statementBody(s: Statements, currency: string): SafeHtml {
  const p = s.partners[0];
  const lines: readonly ExportLine[] = p?.lines ?? [];
  const t = s.totals;
  return html`<form method="get" action="/partner/statement" class="toolbar"><div class="field"><label for="period">Month</label><input id="period" name="period" value="${s.period}" pattern="\\d{4}-\\d{2}"></div><button type="submit">Show</button></form>
<p><a href="/partner/statement.csv?period=${encodeURIComponent(s.period)}" data-csv>Download CSV</a></p>
<table><caption>Commission statement ${s.period} (${currency})</caption><thead><tr><th scope="col">#</th><th scope="col">Type</th><th scope="col">Deal</th><th scope="col">Amount</th><th scope="col">Status</th><th scope="col">Payable on</th><th scope="col">How</th></tr></thead><tbody>${lines.map(
    (l, i) =>
      html`<tr><td>${i + 1}</td><td>${l.type}</td><td>${l.dealName ?? l.dealId ?? ''}</td><td>${l.amount}</td><td>${l.status}</td><td>${l.payableOn}</td><td>${l.explanation}</td></tr>`,
  )}</tbody></table>
<dl class="facts" data-totals><dt>Accruals</dt><dd>${t.accruals}</dd><dt>Adjustments</dt><dd>${t.adjustments}</dd><dt>Clawbacks</dt><dd>${t.clawbacks}</dd><dt>Net</dt><dd data-net>${t.net}</dd><dt>Payable</dt><dd>${t.payable}</dd><dt>Held</dt><dd>${t.held}</dd></dl>`;
}
