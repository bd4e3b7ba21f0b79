// Measurement (not a test): the Salesforce adapter against the sandbox with real limits,
// 20,000 opportunities and 300 partner accounts. Full sync, idle re-sync, then
// `/__sandbox/mutate` 1,000 and a re-sync; prints calls (by route, from the sandbox's own
// counters), time and memory. Run: node test/crm/salesforce/measure.ts [deals] [partners]

import { startSandbox, type SandboxHandle } from '../../../src/sandbox/server.ts';
import type { SandboxStats } from '../../../src/sandbox/stats.ts';
import { adapterFor, salesforceConfig } from './helpers.ts';
import { MiniSync, type RunSummary } from './mini-sync.ts';

const deals = Number(process.argv[2] ?? 20_000);
const partners = Number(process.argv[3] ?? 300);

function diff(
  a: SandboxStats,
  b: SandboxStats,
): { reads: number; writes: number; total: number; rateLimited: number; routes: Record<string, number> } {
  const routes: Record<string, number> = {};
  let reads = 0;
  let writes = 0;
  for (const [route, s] of Object.entries(b.byRoute)) {
    const n = s.count - (a.byRoute[route]?.count ?? 0);
    if (n === 0) continue;
    routes[route] = n;
    if (route.startsWith('GET ')) reads += n;
    else writes += n;
  }
  return { reads, writes, total: b.total - a.total, rateLimited: b.rateLimited - a.rateLimited, routes };
}

async function step(name: string, sandbox: SandboxHandle, fn: () => Promise<RunSummary>): Promise<RunSummary> {
  const before = sandbox.state.stats();
  const t0 = performance.now();
  const result = await fn();
  const ms = performance.now() - t0;
  const calls = diff(before, sandbox.state.stats());
  const records = result.pull.deals + result.pull.partners;
  console.log(
    JSON.stringify(
      {
        step: name,
        ms: Math.round(ms),
        steps: result.ms,
        pullRecordsPerSecond: Math.round(records / (Math.max(1, result.ms.pull) / 1000)),
        pull: result.pull,
        written: {
          partners: result.report.partnersWritten,
          deals: result.report.dealsWritten,
          failed: result.report.failed.length,
        },
        planned: { partners: result.changes.partners.length, deals: result.changes.deals.length },
        calls,
        heapMB: Math.round(process.memoryUsage().heapUsed / 1e6),
        rssMB: Math.round(process.memoryUsage().rss / 1e6),
      },
      null,
      1,
    ),
  );
  if (result.report.failed.length > 0) console.log('failures', result.report.failed.slice(0, 5));
  return result;
}

const sandbox = await startSandbox({ crm: 'salesforce', seed: 42, partners, deals, limits: 'real' });
try {
  const config = salesforceConfig();
  const adapter = adapterFor(sandbox.url, config, { sleep: undefined, backoff: undefined, random: undefined });
  const plan = await adapter.provision({ dryRun: false });
  console.log(
    'provision',
    plan.applied,
    plan.actions.filter((a) => a.action !== 'ok').map((a) => `${a.action} ${a.target}`),
  );
  const sync = new MiniSync(adapter, config.program);
  const asOf = Date.now();
  await step('full sync', sandbox, () => sync.run('full', asOf));
  await step('idle re-sync 1', sandbox, () => sync.run('incremental', asOf));
  await step('idle re-sync 2', sandbox, () => sync.run('incremental', asOf));
  const mutated = sandbox.state.mutate(1000);
  console.log('mutated', mutated.length);
  const r = await step('after mutate 1000', sandbox, () => sync.run('incremental', asOf));
  const bound = 1.2 * (Math.ceil(1000 / 2000) + Math.ceil(1000 / 1000)) + 5;
  console.log('read bound', bound);
  const changedDeals = new Set(mutated);
  console.log('deal writes outside the mutated set', r.changes.deals.filter((d) => !changedDeals.has(d.id)).length);
  const all = sandbox.state.stats();
  console.log(
    'total sandbox requests',
    all.total,
    'refused for limits',
    all.rateLimited,
    `(${((100 * all.rateLimited) / all.total).toFixed(2)}%)`,
  );
  console.log('adapter call stats', JSON.stringify(adapter.callStats()));
} finally {
  await sandbox.stop();
}
