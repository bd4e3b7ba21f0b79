// The equivalence check of test/sync/equivalence.test.ts at benchmark size (issue 21): a synthetic
// account (bench/synthetic.ts) in two fake CRMs; random CRM changes and time steps; after each,
// world A's incremental run must leave the state of world B's full sync, and A's postings must be
// those of a plan over every balance. Throws on the first difference.
//   node bench/equivalence.ts [deals=100000] [steps=6] [sqlite|postgres://…]

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { loadConfigFile } from '../src/config/load.ts';
import { createRng } from '../src/sandbox/rng.ts';
import { closeTwin, makeTwin, start, step, type StepLog } from '../test/sync/equivalence-harness.ts';
import { syntheticSnapshot } from './synthetic.ts';

export interface EquivalenceResult {
  deals: number;
  partners: number;
  steps: number;
  /** Runs of the incremental world by mode (e.g. "incremental", "targeted", "incremental (skipped)"). */
  modes: Record<string, number>;
  log: StepLog[];
  /** Wall time of everything (both worlds' runs and the comparisons). */
  totalMs: number;
}

export async function runEquivalence(options: {
  deals: number;
  steps: number;
  partners?: number;
  seed?: number;
  url?: string;
}): Promise<EquivalenceResult> {
  const t0 = performance.now();
  const partners = options.partners ?? Math.max(10, Math.floor(options.deals / 100));
  const config = loadConfigFile('config/examples/program.yaml');
  const at = Date.parse('2026-11-15T12:00:00Z');
  const snapshot = syntheticSnapshot(options.deals, partners, at, options.seed ?? 42);
  const sqlite = (): string => `sqlite:${path.join(mkdtempSync(path.join(tmpdir(), 'pseq-')), 'eq.db')}`;
  const url = options.url ?? 'sqlite';
  const twin = await makeTwin({
    urlA: url === 'sqlite' ? sqlite() : url,
    urlB: url === 'sqlite' ? sqlite() : url,
    config,
    at,
    partners: snapshot.partners.map((p) => ({ ...p })),
    deals: snapshot.deals.map((d) => ({ ...d })),
    pageSize: 1000,
  });
  const r = createRng(options.seed ?? 42);
  const log: StepLog[] = [];
  try {
    await start(twin);
    for (let i = 0; i < options.steps; i++) log.push(await step(r, twin));
  } finally {
    await closeTwin(twin);
  }
  return {
    deals: options.deals,
    partners,
    steps: options.steps,
    modes: twin.modes,
    log,
    totalMs: Math.round(performance.now() - t0),
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [deals, steps, url] = process.argv.slice(2);
  const result = await runEquivalence({
    deals: Number(deals ?? 100_000),
    steps: Number(steps ?? 6),
    url: url ?? 'sqlite',
  });
  console.log(JSON.stringify(result, null, 2));
  console.log(`equivalent: ${result.steps} steps at ${result.deals} deals in ${result.totalMs} ms`);
}
