// Event-to-write latency of `crm.hubspot.events: journal` (issue 14, item 5), part of
// `npm run bench` and runnable alone (`node bench/journal-latency.ts [--events N]`).
//
// A HubSpot sandbox in its own process (real limits, 1,000 deals, 40 partners); partnersync in
// this one, exactly as `serve` runs it: provision (which makes the journal subscriptions), a full
// sync, then startService with the defaults (journal polled every second; an event source's
// batch waits the 250 ms event debounce, not the webhooks' 2 s, before its targeted sync). A rep then changes N open partner-sourced deals' amounts, one at a
// time with 0.2–1.5 s between them (bursts and pauses), each deal from a different partner.
// Latency = the partner's `partner_pipeline` write minus the amount change, both timestamps taken
// from the sandbox's property history (one clock, no polling error). Target: p95 < 5 s.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { readEnv } from '../src/config/env.ts';
import { parseConfigText, type LoadedConfig } from '../src/config/load.ts';
import { silentLogger } from '../src/log.ts';
import { startService } from '../src/main.ts';
import { openStore } from '../src/store/open-store.ts';
import { createCrmAdapter } from '../src/sync/crm-adapter.ts';
import { systemClock } from '../src/sync/deps.ts';
import { runSync } from '../src/sync/run-sync.ts';
import { ROOT } from '../test/helpers/run-node.ts';
import { SandboxProcess } from './sandbox-client.ts';

export interface JournalLatency {
  deals: number;
  events: number;
  /** Changes whose partner write was found (the rest: reported, never guessed). */
  measured: number;
  p50Seconds: number | null;
  p95Seconds: number | null;
  maxSeconds: number | null;
  /** Targeted syncs the service ran for the changes (and its own write-back's journal entries). */
  runs: number;
  journalCalls: number;
  settings: string;
}

interface HistoryEntry {
  value: string;
  timestamp: string;
  sourceType: string;
}
interface ApiRecord {
  id: string;
  properties: Record<string, string | null>;
  propertiesWithHistory?: Record<string, HistoryEntry[]>;
}

const ENV = readEnv({
  HUBSPOT_ACCESS_TOKEN: 'bench-token',
  HUBSPOT_CLIENT_ID: 'bench-app',
  HUBSPOT_CLIENT_SECRET: 'bench-app-secret',
});
const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => {
    setTimeout(resolve, ms);
  });

/** Nearest-rank percentile. */
function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? null;
}

async function api<T>(url: string, init: RequestInit = {}): Promise<T> {
  const res = await fetch(url, {
    ...init,
    headers: { authorization: 'Bearer bench-rep', 'content-type': 'application/json' },
  });
  if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${url}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** Every record of a type with the given properties (list paging). */
async function listAll(base: string, type: string, properties: string[]): Promise<ApiRecord[]> {
  const out: ApiRecord[] = [];
  let after: string | null = null;
  do {
    const page: { results: ApiRecord[]; paging?: { next?: { after: string } } } = await api(
      `${base}/crm/v3/objects/${type}?limit=100&properties=${properties.join(',')}${after === null ? '' : `&after=${after}`}`,
    );
    out.push(...page.results);
    after = page.paging?.next?.after ?? null;
  } while (after !== null);
  return out;
}

async function history(base: string, type: string, id: string, property: string): Promise<HistoryEntry[]> {
  const r = await api<ApiRecord>(`${base}/crm/v3/objects/${type}/${id}?propertiesWithHistory=${property}`);
  return r.propertiesWithHistory?.[property] ?? [];
}

export async function journalLatency(
  options: { events?: number; log?: (line: string) => void } = {},
): Promise<JournalLatency> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const events = options.events ?? 30;
  const dealsInSandbox = 1000;
  log(`\n== hubspot journal: event-to-write latency (${events} rep changes, ${dealsInSandbox} deals, limits real)`);
  const sandbox = await SandboxProcess.start({
    crm: 'hubspot',
    seed: 1,
    partners: 40,
    deals: dealsInSandbox,
    limits: 'real',
  });
  const dir = mkdtempSync(path.join(tmpdir(), 'partnersync-journal-bench-'));
  try {
    const { portalId } = await sandbox.info();
    const program = readFileSync(path.join(ROOT, 'config/examples/program.yaml'), 'utf8');
    const text = `${program}\ncrm:\n  provider: hubspot\n  hubspot: { basePath: "${sandbox.url}", portalId: "${portalId ?? ''}", searchLagSeconds: 0, events: journal }\nstore: { url: "sqlite:${path.join(dir, 'store.db')}" }\n`;
    const config: LoadedConfig = { file: 'bench-journal.yaml', ...parseConfigText(text, 'bench-journal.yaml') };
    const logger = silentLogger();

    const adapter = await createCrmAdapter(config, { env: ENV, logger, dataDir: dir });
    const store = await openStore(`sqlite:${path.join(dir, 'store.db')}`);
    try {
      const plan = await adapter.provision({ dryRun: false });
      if (!plan.applied) throw new Error('provision did not apply');
      const full = await runSync({ crm: adapter, store, clock: systemClock, logger, config }, { full: true });
      if (full.status !== 'succeeded') throw new Error(`full sync ${full.status}`);
    } finally {
      await adapter.close();
      await store.close();
    }

    // open deals, each from a different partner
    const deals = await listAll(sandbox.url, 'deals', ['amount', 'dealstage', 'partner_source', 'hs_is_closed']);
    const companies = new Set((await listAll(sandbox.url, 'companies', ['name'])).map((c) => c.id));
    const picked: ApiRecord[] = [];
    const partners = new Set<string>();
    for (const d of deals) {
      const source = d.properties['partner_source'];
      if (d.properties['hs_is_closed'] !== 'false' || !source || partners.has(source) || !companies.has(source))
        continue;
      const amount = Number(d.properties['amount'] ?? '');
      if (!Number.isFinite(amount) || amount <= 0) continue; // the seed has some unreadable amounts
      partners.add(source);
      picked.push(d);
      if (picked.length === events) break;
    }
    if (picked.length < events) log(`   only ${picked.length} partners have an open deal: ${picked.length} changes`);

    const service = await startService({
      config,
      env: ENV,
      logger,
      cwd: dir,
      port: 0,
      scheduler: false,
    });
    const before = await sandbox.stats();
    let runs = 0;
    try {
      const runsBefore = (await service.store.listRuns(await service.crm.accountKey(), 1000)).length;
      for (const [i, d] of picked.entries()) {
        await api(`${sandbox.url}/crm/v3/objects/deals/${d.id}`, {
          method: 'PATCH',
          body: JSON.stringify({ properties: { amount: String(Number(d.properties['amount']) + 1000 + i) } }),
        });
        await sleep(200 + ((i * 7919) % 1300));
      }
      // quiet: poll + debounce + a run, with room
      await sleep(8000);
      runs = (await service.store.listRuns(await service.crm.accountKey(), 1000)).length - runsBefore;
    } finally {
      await service.stop();
    }
    const after = await sandbox.stats();
    const journalCalls = Object.entries(after.byRoute)
      .filter(([route]) => route.includes('webhooks-journal') || route.includes('journal-files'))
      .reduce((n, [route, s]) => n + s.count - (before.byRoute[route]?.count ?? 0), 0);

    const latencies: number[] = [];
    for (const d of picked) {
      const changed = (await history(sandbox.url, 'deals', d.id, 'amount')).find((h) => h.sourceType === 'API');
      const partnerId = d.properties['partner_source'] ?? '';
      if (changed === undefined) continue;
      const at = Date.parse(changed.timestamp);
      const written = (await history(sandbox.url, 'companies', partnerId, 'partner_pipeline'))
        .filter((h) => h.sourceType === 'API' && Date.parse(h.timestamp) >= at)
        .map((h) => Date.parse(h.timestamp))
        .sort((a, b) => a - b)[0];
      if (written !== undefined) latencies.push((written - at) / 1000);
    }
    latencies.sort((a, b) => a - b);
    const round = (n: number | null): number | null => (n === null ? null : Number(n.toFixed(2)));
    const result: JournalLatency = {
      deals: dealsInSandbox,
      events: picked.length,
      measured: latencies.length,
      p50Seconds: round(percentile(latencies, 50)),
      p95Seconds: round(percentile(latencies, 95)),
      maxSeconds: round(latencies.at(-1) ?? null),
      runs,
      journalCalls,
      settings: 'journalPollSeconds 1, event debounce 250 ms (the defaults), limits real',
    };
    log(
      `   ${result.measured}/${result.events} changes reached their partner: p50 ${String(result.p50Seconds)} s, p95 ${String(result.p95Seconds)} s, max ${String(result.maxSeconds)} s; ${runs} targeted runs, ${journalCalls} journal calls`,
    );
    return result;
  } finally {
    await sandbox.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

// run alone: node bench/journal-latency.ts [--events N]
if (import.meta.url === `file://${process.argv[1] ?? ''}`) {
  const { values } = parseArgs({ options: { events: { type: 'string' } } });
  const result = await journalLatency(values.events === undefined ? {} : { events: Number(values.events) });
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}
