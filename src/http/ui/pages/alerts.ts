// Every open alert (/ui/alerts), grouped by severity, with a link to the CRM record it is about
// (crm-links.ts decides which providers have links) and what to do next.

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
});

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

export function alertsBody(o: {
  alerts: readonly AlertEpisode[];
  severity: string | undefined;
  names: ReadonlyMap<string, string>;
  linker: CrmLinker;
  timezone: string;
}): SafeHtml {
  const shown = o.severity === undefined ? o.alerts : o.alerts.filter((a) => a.severity === o.severity);
  const counts = new Map<string, number>();
  for (const a of o.alerts) counts.set(a.severity, (counts.get(a.severity) ?? 0) + 1);
  const filterLinks = [
    html`<li><a href="/ui/alerts"${o.severity === undefined ? raw(' aria-current="true"') : ''}>All (${o.alerts.length})</a></li>`,
    ...SEVERITIES.map(
      (s) =>
        html`<li><a href="/ui/alerts${queryString({ severity: s.id })}"${o.severity === s.id ? raw(' aria-current="true"') : ''}>${s.title} (${counts.get(s.id) ?? 0})</a></li>`,
    ),
  ];
  const groups = SEVERITIES.filter((s) => o.severity === undefined || o.severity === s.id).map((s) => {
    const list = shown.filter((a) => a.severity === s.id);
    const rows = list.map(
      (a) => html`<tr data-code="${a.code}" data-partner-id="${a.partnerId ?? ''}" data-deal-id="${a.dealId ?? ''}">
<td>${severityBadge(a.severity)}</td><th scope="row">${a.code}</th><td>${recordLinks(a, o.names, o.linker)}</td>
<td>${a.message}</td><td>${nextStep(a.code)}</td><td class="date">${localDate(new Date(a.openedAt).toISOString(), o.timezone)}</td></tr>`,
    );
    return html`<section aria-labelledby="sev-${s.id}"><h2 id="sev-${s.id}">${s.title} (${list.length})</h2>
${
  list.length === 0
    ? html`<p class="muted">None open.</p>`
    : html`<div class="table-wrap"><table class="alerts-table" data-severity="${s.id}"><caption class="visually-hidden">${s.title}: ${list.length} open alerts</caption>
<thead><tr><th scope="col">Severity</th><th scope="col">Alert</th><th scope="col">Record</th><th scope="col">Details</th><th scope="col">What to do next</th><th scope="col">Open since</th></tr></thead>
<tbody>${rows}</tbody></table></div>`
}</section>`;
  });
  return html`<h1>Alerts</h1>
<p class="lede">Open alerts from the last sync, most severe first. ${o.linker.label === null ? 'This CRM has no record pages to link to (sandbox or unknown instance); record ids are shown instead.' : html`Record links open ${o.linker.label}.`}</p>
<nav aria-label="Filter by severity"><ul class="plain" id="severity-filter">${filterLinks}</ul></nav>
${groups}`;
}
