// Every open alert (/ui/alerts), grouped by severity and then by code (issue 17: 92 alerts made a
// page 10,000 px tall), paged, with a link to the CRM record it is about (crm-links.ts decides
// which providers have links) and, once per code, what to do next.

import { z } from 'zod';
import type { AlertEpisode } from '../../../store/store.ts';
import type { CrmLinker } from '../crm-links.ts';
import { localDate } from '../format.ts';
import { html, queryString, raw, type SafeHtml } from '../html.ts';
import { severityBadge } from '../layout.ts';

const NEXT_STEP: Readonly<Record<string, string>> = {
  HEALTH_AT_RISK: 'Schedule a check-in with the partner and agree on the next joint deals.',
  HEALTH_DROPPED: 'Find what changed since the last sync (activity, pipeline, ratings) and talk to the partner.',
  INACTIVE: 'Reach out to re-engage the partner, or end the partnership.',
  NOT_ACTIVATED: 'Plan an activation call and a first joint opportunity.',
  REGISTRATION_PENDING: 'Approve or reject the deal registration.',
  REGISTRATION_EXPIRING: 'Close the deal or extend the registration before it expires.',
  REGISTRATION_EXPIRED:
    'Extend the registration or mark it expired: after expiry the partner no longer sources the deal.',
  REGISTRATION_CONFLICT: 'Decide which partner owns the opportunity and reject the other registrations.',
  SOURCE_CONFLICT: "Correct the deal's partner source or reject the registration.",
  LOW_WIN_RATE: 'Review deal qualification with the partner.',
  TIER_CHANGE: "Update the partner's tier in the CRM, or review the tier rules.",
  RECIPE_UNUSED: 'Revive the recipe with its partners, or retire it in the config.',
  DEAL_WITHOUT_RECIPE: "Set the deal's partner recipe or the partner's recipe so a commission can be computed.",
  ANTI_RECIPE: 'Review why the deal was accepted under an anti-recipe and whether its plan should still pay.',
  UNKNOWN_PARTNER: "Fix the deal's partner source, registration or influencers, or mark the company as a partner.",
  CLAWBACK_WINDOW_PASSED: 'Finance: decide whether to recover the commission by hand; the clawback window has passed.',
  CURRENCY_RATE_MISSING:
    'Add the exchange rates the message names to program.exchangeRates; see the Rejected deals page for each deal.',
};

export function nextStep(code: string): string {
  return NEXT_STEP[code] ?? 'Read the message and fix the record in the CRM.';
}

export const alertsQuery = z.object({
  severity: z.preprocess((v) => (v === '' ? undefined : v), z.enum(['critical', 'warning', 'info']).optional()),
  code: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z
      .string()
      .regex(/^[A-Z_]{1,60}$/)
      .optional(),
  ),
  page: z.preprocess((v) => (v === '' ? undefined : v), z.coerce.number().int().min(1).max(100_000).optional()),
});

/** Alerts per page: a program with hundreds of open alerts stays a page one can read. */
export const ALERTS_PER_PAGE = 50;

const SEVERITIES = [
  { id: 'critical', title: 'Critical' },
  { id: 'warning', title: 'Warnings' },
  { id: 'info', title: 'Information' },
] as const;

function recordLinks(a: AlertEpisode, names: ReadonlyMap<string, string>, linker: CrmLinker): SafeHtml {
  const parts: SafeHtml[] = [];
  if (a.partnerId !== null) {
    const crm = linker.partner(a.partnerId);
    const name = names.get(a.partnerId) ?? a.partnerId;
    parts.push(
      html`<a href="/ui/partners/${encodeURIComponent(a.partnerId)}">${name}</a>${crm === null ? '' : html` · <a href="${crm}" rel="noopener noreferrer" data-crm="partner">${linker.label ?? 'CRM'}<span class="visually-hidden"> record of ${name}</span></a>`}`,
    );
  }
  if (a.dealId !== null) {
    const crm = linker.deal(a.dealId);
    parts.push(
      crm === null
        ? html`deal ${a.dealId}`
        : html`<a href="${crm}" rel="noopener noreferrer" data-crm="deal">deal ${a.dealId}<span class="visually-hidden"> in ${linker.label ?? 'the CRM'}</span></a>`,
    );
  }
  if (a.recipe !== null) parts.push(html`recipe <a href="/ui/recipes">${a.recipe}</a>`);
  return html`${parts.map((p, i) => html`${i === 0 ? '' : raw('<br>')}${p}`)}`;
}

/** The page of alerts to show: total pages, the page (clamped), and the store offset. */
export function alertsPaging(
  counts: readonly { severity: string; code: string; count: number }[],
  q: { severity?: string | undefined; code?: string | undefined; page?: number | undefined },
): { pages: number; page: number; offset: number; limit: number } {
  const shown = counts
    .filter(
      (c) => (q.severity === undefined || c.severity === q.severity) && (q.code === undefined || c.code === q.code),
    )
    .reduce((n, c) => n + c.count, 0);
  const pages = Math.max(1, Math.ceil(shown / ALERTS_PER_PAGE));
  const page = Math.min(q.page ?? 1, pages);
  return { pages, page, offset: (page - 1) * ALERTS_PER_PAGE, limit: ALERTS_PER_PAGE };
}

export function alertsBody(o: {
  /** Open episodes per severity and code (the whole account). */
  counts: readonly { severity: string; code: string; count: number }[];
  /** This page's episodes, in order (store.openEpisodePage). */
  slice: readonly AlertEpisode[];
  severity: string | undefined;
  code?: string | undefined;
  page?: number | undefined;
  names: ReadonlyMap<string, string>;
  linker: CrmLinker;
  timezone: string;
}): SafeHtml {
  const bySeverity = o.severity === undefined ? o.counts : o.counts.filter((c) => c.severity === o.severity);
  const counts = new Map<string, number>();
  let all = 0;
  for (const c of o.counts) {
    counts.set(c.severity, (counts.get(c.severity) ?? 0) + c.count);
    all += c.count;
  }
  const filterLinks = [
    html`<li><a href="/ui/alerts"${o.severity === undefined && o.code === undefined ? raw(' aria-current="true"') : ''}>All (${all})</a></li>`,
    ...SEVERITIES.map(
      (s) =>
        html`<li><a href="/ui/alerts${queryString({ severity: s.id })}"${o.severity === s.id && o.code === undefined ? raw(' aria-current="true"') : ''}>${s.title} (${counts.get(s.id) ?? 0})</a></li>`,
    ),
  ];
  // one group per code, most severe first, then by code
  const rank = (sev: string): number => SEVERITIES.findIndex((s) => s.id === sev);
  const codes = new Map<string, { severity: string; n: number }>();
  for (const c of bySeverity) codes.set(c.code, { severity: c.severity, n: (codes.get(c.code)?.n ?? 0) + c.count });
  const codeList = [...codes].sort(([a, x], [b, y]) => rank(x.severity) - rank(y.severity) || (a < b ? -1 : 1));
  const codeLinks = codeList.map(
    ([code, c]) =>
      html`<li><a href="/ui/alerts${queryString({ severity: o.severity, code })}"${o.code === code ? raw(' aria-current="true"') : ''}>${code} (${c.n})</a></li>`,
  );
  const { pages, page } = alertsPaging(o.counts, o);
  const slice = o.slice;

  const table = (sev: (typeof SEVERITIES)[number], code: string, list: readonly AlertEpisode[], total: number) => {
    const rows = list.map(
      (a) => html`<tr data-code="${a.code}" data-partner-id="${a.partnerId ?? ''}" data-deal-id="${a.dealId ?? ''}">
<td>${severityBadge(a.severity)}</td><td>${recordLinks(a, o.names, o.linker)}</td>
<td>${a.message}</td><td class="date">${localDate(new Date(a.openedAt).toISOString(), o.timezone)}</td></tr>`,
    );
    return html`<section class="alert-group" data-code="${code}" aria-labelledby="code-${code}"><h3 id="code-${code}">${code} <span class="muted">(${total} open${list.length < total ? html`, ${list.length} on this page` : ''})</span></h3>
<p class="next-step"><strong>What to do next:</strong> ${nextStep(code)}</p>
<div class="table-wrap"><table class="alerts-table" data-severity="${sev.id}" data-code="${code}"><caption class="visually-hidden">${code}: ${list.length} of ${total} open alerts</caption>
<thead><tr><th scope="col">Severity</th><th scope="col">Record</th><th scope="col">Details</th><th scope="col">Open since</th></tr></thead>
<tbody>${rows}</tbody></table></div></section>`;
  };
  const groups = SEVERITIES.filter((s) => o.severity === undefined || o.severity === s.id)
    .filter((s) => o.code === undefined || codes.get(o.code)?.severity === s.id)
    .map((s) => {
      const total = bySeverity.filter((c) => c.severity === s.id).reduce((n, c) => n + c.count, 0);
      const mine = codeList.filter(([, c]) => c.severity === s.id).map(([code]) => code);
      const parts = mine
        .map((code) => ({ code, list: slice.filter((a) => a.code === code) }))
        .filter((g) => g.list.length > 0)
        .map((g) => table(s, g.code, g.list, codes.get(g.code)?.n ?? g.list.length));
      return html`<section aria-labelledby="sev-${s.id}"><h2 id="sev-${s.id}">${s.title} (${total})</h2>
${total === 0 ? html`<p class="muted">None open.</p>` : parts.length === 0 ? html`<p class="muted">On other pages.</p>` : parts}</section>`;
    });
  const link = (n: number, text: string): SafeHtml =>
    html`<a href="/ui/alerts${queryString({ severity: o.severity, code: o.code, page: n === 1 ? undefined : String(n) })}" rel="${n < page ? 'prev' : 'next'}">${text}</a>`;
  const paging = (id: string, label: string): SafeHtml | '' =>
    pages === 1
      ? ''
      : html`<nav aria-label="${label}" class="paging" id="${id}">Page ${page} of ${pages}${page > 1 ? html` · ${link(page - 1, '← Previous')}` : ''}${page < pages ? html` · ${link(page + 1, 'Next →')}` : ''}</nav>`;
  return html`<h1>Alerts</h1>
<p class="lede">Open alerts from the last sync, most severe first, grouped by code (${ALERTS_PER_PAGE} per page). ${o.linker.label === null ? 'This CRM has no record pages to link to (sandbox or unknown instance); record ids are shown instead.' : html`Record links open ${o.linker.label}.`}</p>
<nav aria-label="Filter by severity"><ul class="plain" id="severity-filter">${filterLinks}</ul></nav>
${codeLinks.length === 0 ? '' : html`<nav aria-label="Filter by alert code"><ul class="plain" id="code-filter">${codeLinks}</ul></nav>`}
${paging('alert-pages', 'Pages of alerts')}
${groups}
${paging('alert-pages-end', 'Pages of alerts, at the end of the list')}`;
}
