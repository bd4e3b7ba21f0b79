// The markdown report of `npm run bench`: one row per scenario, then calls by endpoint, the
// naive baseline and the targets of issue 8.

import type { ScenarioResult } from './scenario.ts';

interface BaselineView {
  deals: number;
  callRatio: number;
  wallRatio: number;
  naive: { apiCalls: number; wallSeconds: number };
  partnersync: { apiCalls: number; wallSeconds: number };
}

interface VerdictView {
  target: string;
  met: boolean;
  detail: string;
}

/** "POST /crm/v3/objects/deals/batch/update" (or /crm/objects/2026-09/…) → "POST deals/batch/update". */
export function shortRoute(route: string): string {
  return route
    .replace(/\/crm\/v3\/objects\//, '')
    .replace(/\/crm\/objects\/\d{4}-\d{2}\//, '')
    .replace(/\/crm\/([a-z-]+)\/\d{4}-\d{2}\//, '$1/')
    .replace(/\/crm\/v[34]\//, '')
    .replace(/\/services\/data\/v[\d.]+\//, '')
    .replace(/\/services\//, '');
}

const cell = (v: number | string | null): string =>
  v === null ? '–' : typeof v === 'number' ? v.toLocaleString('en-US') : v;

function row(values: readonly (number | string | null)[]): string {
  return `| ${values.map(cell).join(' | ')} |`;
}

export function markdownTable(
  scenarios: readonly ScenarioResult[],
  base: BaselineView | null,
  verdicts: readonly VerdictView[],
): string {
  const lines: string[] = [];
  lines.push(
    row([
      'scenario',
      'CRM',
      'deals',
      'limits',
      'wall s',
      'records/s',
      'API calls',
      'reads',
      'writes',
      'minimum',
      'calls ÷ min',
      'rate ÷ limit',
      '429s',
      'peak RSS MB',
    ]),
  );
  lines.push(row(Array.from({ length: 14 }, () => '---')));
  for (const s of scenarios) {
    lines.push(
      row([
        s.kind,
        s.crm,
        s.deals,
        s.limits,
        s.wallSeconds,
        s.recordsPerSecond,
        s.apiCalls,
        s.reads,
        s.writes,
        s.minimumCalls,
        s.callRatio,
        s.achievedRateRatio,
        s.rateLimited,
        s.peakRssMb,
      ]),
    );
  }
  lines.push('', 'API calls by endpoint (as the sandbox counted them):', '');
  lines.push(row(['scenario', 'CRM', 'deals', 'limits', 'calls by endpoint']));
  lines.push(row(['---', '---', '---', '---', '---']));
  for (const s of scenarios.filter((x) => x.crm !== null)) {
    const endpoints = Object.entries(s.callsByEndpoint)
      .sort(([, a], [, b]) => b - a)
      .map(([r, n]) => `${shortRoute(r)} ${n}`)
      .join(' · ');
    lines.push(row([s.kind, s.crm, s.deals, s.limits, endpoints]));
  }
  lines.push('', 'Must see / changed records (counted by the sandbox) and the minimum they give:', '');
  lines.push(
    row([
      'scenario',
      'CRM',
      'deals',
      'limits',
      'must see (partners, deals, links)',
      'changed (partners, deals, tasks)',
      'minimum = reads + writes + fixed',
    ]),
  );
  lines.push(row(['---', '---', '---', '---', '---', '---', '---']));
  for (const s of scenarios.filter((x) => x.mustSee !== null)) {
    const m = s.mustSee;
    const c = s.changed;
    const min = s.minimum;
    lines.push(
      row([
        s.kind,
        s.crm,
        s.deals,
        s.limits,
        m ? `${m.partners}, ${m.deals}, ${m.links}` : null,
        c ? `${c.partners}, ${c.deals}, ${c.tasksCreated}` : null,
        min ? `${min.reads} + ${min.writes} + ${min.fixed}` : null,
      ]),
    );
  }
  if (base !== null) {
    lines.push(
      '',
      `Naive baseline (one read and one write per record through @hubspot/api-client), HubSpot, ${base.deals.toLocaleString('en-US')} deals, limits off: ${base.naive.apiCalls.toLocaleString('en-US')} calls in ${base.naive.wallSeconds} s; partnersync's full sync: ${base.partnersync.apiCalls.toLocaleString('en-US')} calls in ${base.partnersync.wallSeconds} s → **${base.callRatio}× the calls, ${base.wallRatio}× the wall time**. Under HubSpot's real limit (190 per 10 s) the naive script could not take less than ${Math.round(base.naive.apiCalls / 19).toLocaleString('en-US')} s.`,
    );
  }
  lines.push('', 'Targets (issue 8):', '');
  for (const v of verdicts) lines.push(`- ${v.met ? '✅' : '❌'} ${v.target} — ${v.detail}`);
  return lines.join('\n');
}
