// HubSpot connector benchmark (issue 4) on the sandbox with HubSpot's real limits: provision,
// full sync, idle re-sync, then 1,000 deals changed through /__sandbox/mutate and a re-sync, and
// a links refresh. Drives the real adapter with the test harness (pull → computeDetailed +
// outcomes → diff with sameValue → write-back). Prints calls by endpoint, time, 429 share, memory.
// Usage: node bench/hubspot-sync.ts [--deals 20000] [--partners 300] [--json]

import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { splitReadsWrites } from '../src/crm/shared/call-stats.ts';
import type { CallStats } from '../src/crm/port.ts';
import { startSandbox } from '../src/sandbox/server.ts';
import { isHubspotPersonality } from '../src/sandbox/hubspot/personality.ts';
import { HubspotAdapter } from '../src/crm/hubspot/adapter.ts';
import { staticToken } from '../src/crm/hubspot/token-source.ts';
import { silentLogger } from '../src/log.ts';
import { SyncHarness, type SyncSummary } from '../test/crm/hubspot-harness.ts';
import { hubspotSettings } from '../test/crm/hubspot-fixtures.ts';
import { hubspotBlock } from '../src/crm/hubspot/config.ts';
import { readBlock } from '../src/crm/provider.ts';

const { values } = parseArgs({
  options: {
    deals: { type: 'string', default: '20000' },
    partners: { type: 'string', default: '300' },
    json: { type: 'boolean', default: false },
  },
});
const deals = Number(values.deals);
const partners = Number(values.partners);

function delta(after: CallStats, before: CallStats): CallStats {
  const byEndpoint: CallStats['byEndpoint'] = {};
  for (const [endpoint, entry] of Object.entries(after.byEndpoint)) {
    const prior = before.byEndpoint[endpoint];
    const count = entry.count - (prior?.count ?? 0);
    if (count === 0) continue;
    const statuses: Record<string, number> = {};
    for (const [status, n] of Object.entries(entry.statuses)) {
      const d = n - (prior?.statuses[status] ?? 0);
      if (d > 0) statuses[status] = d;
    }
    byEndpoint[endpoint] = { count, statuses };
  }
  return { total: after.total - before.total, rateLimited: after.rateLimited - before.rateLimited, byEndpoint };
}

interface Phase {
  name: string;
  seconds: number;
  reads: number;
  writes: number;
  rateLimited: number;
  calls: CallStats['byEndpoint'];
  pulled?: { deals: number; partners: number; links: number; removedDeals: number };
  written?: { partners: number; deals: number; failed: number };
}

const sandbox = await startSandbox({ crm: 'hubspot', partners, deals, limits: 'real' });
const personality = sandbox.state.personality;
const settings = hubspotSettings('  hubspot: { searchLagSeconds: 0 }\n');
const adapter = new HubspotAdapter({
  settings,
  env: {},
  logger: silentLogger(),
  basePath: sandbox.url,
  tokens: staticToken('bench'),
  ...(isHubspotPersonality(personality) ? { portalId: String(personality.state.portalId) } : {}),
});
const harness = new SyncHarness(adapter, settings.program);
const asOf = Math.floor(Date.now() / 1000) * 1000;
const phases: Phase[] = [];

async function phase(name: string, run: () => Promise<SyncSummary | undefined>): Promise<void> {
  const before = adapter.callStats();
  const t = performance.now();
  const summary = await run();
  const seconds = (performance.now() - t) / 1000;
  const d = delta(adapter.callStats(), before);
  const { reads, writes } = splitReadsWrites(d);
  const p: Phase = {
    name,
    seconds: +seconds.toFixed(1),
    reads,
    writes,
    rateLimited: d.rateLimited,
    calls: d.byEndpoint,
  };
  if (summary) {
    p.pulled = {
      deals: summary.pull.deals,
      partners: summary.pull.partners,
      links: summary.pull.links,
      removedDeals: summary.pull.removedDeals,
    };
    p.written = {
      partners: summary.report.partnersWritten,
      deals: summary.report.dealsWritten,
      failed: summary.report.failed.length,
    };
  }
  phases.push(p);
  if (!values.json) printPhase(p);
}

function printPhase(p: Phase): void {
  console.log(
    `\n== ${p.name}: ${p.seconds} s, ${p.reads} read and ${p.writes} write requests, ${p.rateLimited} answered 429`,
  );
  if (p.pulled)
    console.log(
      `   pulled ${p.pulled.deals} deals, ${p.pulled.partners} partners, ${p.pulled.links} links; wrote ${p.written?.partners ?? 0} partners, ${p.written?.deals ?? 0} deals (${p.written?.failed ?? 0} failed)`,
    );
  for (const [endpoint, e] of Object.entries(p.calls))
    console.log(`   ${String(e.count).padStart(6)}  ${endpoint}  ${JSON.stringify(e.statuses)}`);
}

try {
  await phase('provision', async () => {
    await adapter.provision({ dryRun: false });
    return undefined;
  });
  await phase('full sync', () => harness.sync('full', asOf));
  await phase("immediate re-sync (reads back the full sync's own writes)", () => harness.sync('incremental', asOf));
  // Our writes bump hs_lastmodifieddate, so runs starting within searchOverlapSeconds of them read
  // them again (on a 15-minute schedule: only the next run). Let them age out of the overlap.
  const overlap = readBlock(settings.crm, hubspotBlock).searchOverlapSeconds;
  if (!values.json) console.log(`\n(waiting ${overlap + 1} s: the search overlap)`);
  await new Promise((resolve) => {
    setTimeout(resolve, (overlap + 1) * 1000);
  });
  await phase('re-sync after the overlap (its window still reaches back over the writes)', () =>
    harness.sync('incremental', asOf),
  );
  await phase('idle re-sync (steady state)', () => harness.sync('incremental', asOf));
  const changed = sandbox.state.mutate(1000);
  await new Promise((resolve) => {
    setTimeout(resolve, 10);
  });
  await phase(`re-sync after /__sandbox/mutate changed ${changed.length} deals`, () =>
    harness.sync('incremental', asOf),
  );
  await phase('links refresh (incremental + refreshLinks)', () => harness.sync('incremental', asOf, true));
  const total = adapter.callStats();
  const server = sandbox.state.stats();
  const figures = {
    deals,
    partners,
    bound: 1.2 * (Math.ceil(1000 / 200) + Math.ceil(1000 / 1000)) + 5,
    total: total.total,
    rateLimited: total.rateLimited,
    rateLimitedShare: +((total.rateLimited / Math.max(total.total, 1)) * 100).toFixed(3),
    sandboxTotal: server.total,
    sandboxRateLimited: server.rateLimited,
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
  };
  if (values.json) console.log(JSON.stringify({ figures, phases }, null, 2));
  else {
    console.log('\n== totals');
    for (const [k, v] of Object.entries(figures)) console.log(`   ${k.padEnd(20)} ${v}`);
  }
} finally {
  await sandbox.stop();
}
