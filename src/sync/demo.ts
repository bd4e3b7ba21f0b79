// `partnersync demo`: the whole product on the local sandbox CRM in one command — provision,
// a full sync, and a short report of what partnersync found, plus where to look next.

import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { CrmAdapter, ProvisionPlan } from '../crm/port.ts';
import { monthLabel, TimeZone } from '../domain/time.ts';
import type { Store } from '../store/store.ts';
import type { SyncDeps } from './deps.ts';
import { commissionExport, commissionExportCsv, statements } from '../ledger/exports.ts';
import { listPartners } from './queries.ts';
import { runSync, type SyncResult } from './run-sync.ts';

export interface DemoReport {
  plan: ProvisionPlan;
  sync: SyncResult;
  lines: string[];
  exportFile: string;
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

function planLine(plan: ProvisionPlan): string {
  const n = (a: string): number => plan.actions.filter((x) => x.action === a).length;
  return `provisioned the CRM: ${n('create')} created, ${n('update')} updated, ${n('ok')} already correct${n('conflict') > 0 ? `, ${n('conflict')} conflicts` : ''}`;
}

async function bandLines(deps: { store: Store }, account: string): Promise<string[]> {
  const partners = await listPartners(deps, account);
  const bands = new Map<string, number>();
  for (const p of partners) {
    const band = p.latest?.health.band ?? 'no score';
    bands.set(band, (bands.get(band) ?? 0) + 1);
  }
  const scored = partners
    .filter((p) => p.latest?.health.score != null)
    .sort((a, b) => (a.latest?.health.score ?? 0) - (b.latest?.health.score ?? 0) || (a.id < b.id ? -1 : 1));
  const worst = scored
    .slice(0, 3)
    .map((p) => `${p.name} (${p.latest?.health.score ?? '?'}, ${p.latest?.health.band ?? '?'})`);
  return [
    `partners by health: ${['healthy', 'watch', 'at_risk', 'no score']
      .filter((b) => bands.has(b))
      .map((b) => `${b} ${bands.get(b) ?? 0}`)
      .join(', ')}`,
    `  needing attention first: ${worst.join('; ') || 'none'}`,
  ];
}

async function alertLines(store: Store, account: string): Promise<string[]> {
  const open = await store.openEpisodes(account);
  const byCode = new Map<string, { n: number; severity: string }>();
  for (const e of open) byCode.set(e.code, { n: (byCode.get(e.code)?.n ?? 0) + 1, severity: e.severity });
  const rank: Record<string, number> = { critical: 0, warning: 1, info: 2 };
  const codes = [...byCode.entries()].sort(
    (a, b) => (rank[a[1].severity] ?? 3) - (rank[b[1].severity] ?? 3) || b[1].n - a[1].n,
  );
  return [
    `open alerts: ${open.length}`,
    ...codes.map(([code, v]) => `  ${v.severity.padEnd(8)} ${code.padEnd(24)} ${v.n}`),
  ];
}

export async function runDemo(
  deps: SyncDeps & { crm: CrmAdapter },
  options: { dataDir: string; configFile: string },
): Promise<DemoReport> {
  const plan = await deps.crm.provision({ dryRun: false });
  const sync = await runSync(deps, { full: true });
  const account = sync.account;
  const tz = new TimeZone(deps.config.program.timezone);
  const lastMonth = monthLabel(tz.monthOf(deps.clock.now()) - 1);
  const x = await commissionExport(deps, account, lastMonth);
  const exportFile = path.join(options.dataDir, 'exports', `commissions-${lastMonth}.csv`);
  await mkdir(path.dirname(exportFile), { recursive: true });
  await writeFile(exportFile, commissionExportCsv(x));
  const st = await statements(deps, account, lastMonth);
  const top = [...st.partners].sort((a, b) => Number(b.totals.net) - Number(a.totals.net)).slice(0, 8);
  const r = sync.report;
  const cfg = path.relative(process.cwd(), options.configFile) || options.configFile;
  const lines = [
    planLine(plan),
    `synced ${plural(r.snapshot.partners, 'partner')} and ${plural(r.snapshot.deals, 'deal')} (${r.snapshot.rejected.length} rejected: bad amounts or currencies, shown in the run report); ${Object.values(r.apiCalls).reduce((n, c) => n + c.count, 0)} CRM API calls`,
    `ledger: ${r.ledger.posted.accrual} accruals posted; ${r.writeBack.partners} partner and ${r.writeBack.deals} deal records written back; ${r.tasks.created} tasks created for critical alerts`,
    ...(await bandLines(deps, account)),
    ...(await alertLines(deps.store, account)),
    `commissions booked in ${lastMonth}: ${st.totals.net} ${x.currency} (${st.totals.payable} payable, ${st.totals.held} held) across ${plural(st.partners.length, 'partner')}`,
    ...top.map((p) => `  ${p.partnerName.padEnd(32)} ${p.totals.net.padStart(12)}`),
    `export for finance: ${exportFile}`,
    '',
    'next:',
    `  serve the API and dashboard on this data:  PARTNERSYNC_TOKENS="admin:$(openssl rand -hex 16)" node bin/partnersync.js serve --config ${cfg}`,
    '  call the API:                               curl -H "Authorization: Bearer <that token>" http://127.0.0.1:8080/v1/kpis',
    '  open the dashboard:                         http://127.0.0.1:8080/ui (sign in with the same token)',
    `  finance:                                    node bin/partnersync.js statements --period ${lastMonth} --config ${cfg}`,
  ];
  return { plan, sync, lines, exportFile };
}
