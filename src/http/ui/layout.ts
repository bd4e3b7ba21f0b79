// The page shell (landmarks, skip link, navigation, who is signed in, logout form) and small
// shared pieces: badges that carry an icon shape and a word besides their colour, and the
// period selector.

import { monthLabel, type MonthIndex, type Period } from '../../domain/time.ts';
import { roleAtLeast, type Role } from '../auth.ts';
import { ICON_HREF, STYLESHEET_HREF } from './assets.ts';
import { bandLabel } from './format.ts';
import { html, queryString, raw, type HtmlValue, type SafeHtml } from './html.ts';

export type Section =
  | 'program'
  | 'recipes'
  | 'partners'
  | 'alerts'
  | 'notifications'
  | 'audit'
  | 'periods'
  | 'rejected'
  | 'writes'
  | 'partner-users';

export interface Shell {
  title: string;
  section: Section | null;
  /** Signed-in role, name and the logout form's CSRF token; null on the login page. */
  user: { role: Role; csrf: string; name?: string | undefined } | null;
  /** Moves on to this address at once (meta refresh: the dashboard runs no script). */
  refreshTo?: string | undefined;
  /** Carried along the navigation links. */
  period?: string | undefined;
  openAlerts?: number | undefined;
  /** Footer line (as of, currency). */
  footer?: HtmlValue;
}

const NAV: readonly { section: Section; href: string; label: string; role?: Role }[] = [
  { section: 'program', href: '/ui', label: 'Program' },
  { section: 'recipes', href: '/ui/recipes', label: 'Recipe box' },
  { section: 'partners', href: '/ui/partners', label: 'Partners' },
  { section: 'alerts', href: '/ui/alerts', label: 'Alerts' },
  { section: 'rejected', href: '/ui/rejected', label: 'Rejected deals' },
  { section: 'periods', href: '/ui/periods', label: 'Periods', role: 'finance' },
  { section: 'writes', href: '/ui/write-failures', label: 'Write failures' },
  { section: 'notifications', href: '/ui/notifications', label: 'Notifications', role: 'admin' },
  { section: 'audit', href: '/ui/audit', label: 'Audit log', role: 'admin' },
  { section: 'partner-users', href: '/ui/partner-users', label: 'Partner users', role: 'admin' },
];

function nav(shell: Shell): SafeHtml {
  const role = shell.user?.role ?? 'viewer';
  const items = NAV.filter((n) => n.role === undefined || roleAtLeast(role, n.role)).map((n) => {
    const periodic = n.section === 'program' || n.section === 'recipes' || n.section === 'partners';
    const href = periodic ? `${n.href}${queryString({ period: shell.period })}` : n.href;
    const extra =
      n.section === 'alerts' && shell.openAlerts !== undefined
        ? html` <span class="visually-hidden">(</span>${shell.openAlerts}<span class="visually-hidden"> open)</span>`
        : '';
    return html`<li><a href="${href}"${shell.section === n.section ? raw(' aria-current="page"') : ''}>${n.label}${extra}</a></li>`;
  });
  return html`<nav class="site-nav" aria-label="Dashboard sections"><ul>${items}</ul></nav>`;
}

export function page(shell: Shell, body: SafeHtml): string {
  const who =
    shell.user === null
      ? ''
      : html`<div class="who"><span>Signed in as ${shell.user.name === undefined ? '' : html`<span data-user>${shell.user.name}</span> · `}<strong>${shell.user.role}</strong></span><form method="post" action="/ui/logout"><input type="hidden" name="_csrf" value="${shell.user.csrf}"><button type="submit">Log out</button></form></div>`;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">${
    shell.refreshTo === undefined
      ? ''
      : html`
<meta http-equiv="refresh" content="0;url=${shell.refreshTo}">`
  }
<title>${shell.title} · partnersync</title>
<link rel="stylesheet" href="${STYLESHEET_HREF}">
<link rel="icon" href="${ICON_HREF}" type="image/svg+xml">
</head>
<body>
<a class="skip-link" href="#main">Skip to main content</a>
<header class="site-header"><div class="bar"><a class="brand" href="/ui">partnersync</a>${shell.user === null ? '' : nav(shell)}${who}</div></header>
<main id="main" tabindex="-1">
${body}
</main>
<footer>${shell.footer ?? 'partnersync: partner program economics in your CRM'}</footer>
</body>
</html>
`.text;
}

// ---- badges -------------------------------------------------------------------------------------

// Three shapes, so bands and severities read without colour: circle (good / info), triangle
// (watch / warning), square (at risk / critical). Hidden from screen readers: the word says it.
const ICONS = {
  circle: raw('<svg viewBox="0 0 10 10" aria-hidden="true" focusable="false"><circle cx="5" cy="5" r="4.5"/></svg>'),
  triangle: raw('<svg viewBox="0 0 10 10" aria-hidden="true" focusable="false"><path d="M5 0.5 9.8 9.5H0.2z"/></svg>'),
  square: raw(
    '<svg viewBox="0 0 10 10" aria-hidden="true" focusable="false"><rect x="0.5" y="0.5" width="9" height="9"/></svg>',
  ),
  dash: raw(
    '<svg viewBox="0 0 10 10" aria-hidden="true" focusable="false"><rect x="1" y="4" width="8" height="2"/></svg>',
  ),
} as const;

export function bandBadge(band: string | null, score: number | null): SafeHtml {
  const icon =
    band === 'healthy'
      ? ICONS.circle
      : band === 'watch'
        ? ICONS.triangle
        : band === 'at_risk'
          ? ICONS.square
          : ICONS.dash;
  const cls = band === null ? 'none' : band;
  return html`<span class="badge band-${cls}" data-band="${band ?? 'none'}">${icon}${score === null ? '' : html`<span data-score>${score}</span> `}${bandLabel(band)}</span>`;
}

export function severityBadge(severity: string): SafeHtml {
  const icon = severity === 'critical' ? ICONS.square : severity === 'warning' ? ICONS.triangle : ICONS.circle;
  const label = severity === 'critical' ? 'Critical' : severity === 'warning' ? 'Warning' : 'Info';
  return html`<span class="badge sev-${severity}">${icon}${label}</span>`;
}

export function flagBadge(kind: 'bad' | 'warn' | 'ok', text: string): SafeHtml {
  const icon = kind === 'bad' ? ICONS.square : kind === 'warn' ? ICONS.triangle : ICONS.circle;
  return html`<span class="badge flag-${kind}">${icon}${text}</span>`;
}

// ---- period selector ------------------------------------------------------------------------------

/** Months (the last 12), quarters (the last 5) and years (the last 3), plus the selected one. */
export function periodOptions(currentMonth: MonthIndex, selected: Period): SafeHtml {
  const months = Array.from({ length: 12 }, (_, i) => monthLabel(currentMonth - i));
  const q0 = Math.floor(currentMonth / 3);
  const quarters = Array.from({ length: 5 }, (_, i) => `${Math.floor((q0 - i) / 4)}-Q${((q0 - i) % 4) + 1}`);
  const y0 = Math.floor(currentMonth / 12);
  const years = [y0, y0 - 1, y0 - 2].map(String);
  const known = new Set([...months, ...quarters, ...years]);
  const opt = (v: string): SafeHtml =>
    html`<option value="${v}"${v === selected.label ? raw(' selected') : ''}>${v}</option>`;
  return html`${known.has(selected.label) ? '' : html`<optgroup label="Selected">${opt(selected.label)}</optgroup>`}<optgroup label="Months">${months.map(opt)}</optgroup><optgroup label="Quarters">${quarters.map(opt)}</optgroup><optgroup label="Years">${years.map(opt)}</optgroup>`;
}

/** The period form of the program, recipe and partner pages (GET: works without script). */
export function periodForm(
  action: string,
  currentMonth: MonthIndex,
  selected: Period,
  hidden: Readonly<Record<string, string | undefined>> = {},
): SafeHtml {
  const fields = Object.entries(hidden)
    .filter((e): e is [string, string] => e[1] !== undefined && e[1] !== '')
    .map(([k, v]) => html`<input type="hidden" name="${k}" value="${v}">`);
  // pages open on the last complete month; the month under way is one click away
  const current = monthLabel(currentMonth);
  const shortcut =
    selected.label === current
      ? ''
      : html` <a class="period-shortcut" data-current-month href="${action}${queryString({ ...hidden, period: current })}">This month so far (${current})</a>`;
  return html`<form method="get" action="${action}" class="toolbar" aria-label="Choose the period">
<div class="field"><label for="period">Period</label><select id="period" name="period">${periodOptions(currentMonth, selected)}</select></div>
${fields}<button type="submit">Show</button>${shortcut}</form>`;
}
