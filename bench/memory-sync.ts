// One sync in its own process, wired as test/reliability/sync-runner.ts wires it (as
// `partnersync sync` does), measuring where its memory goes (bench/memory.ts runs it):
//  - a worker thread samples the process's resident set every 25 ms, so the peak of each step is
//    seen even while the sync's thread computes without yielding;
//  - at each step boundary (the run's progress reports, and the store calls that begin the steps
//    with no report of their own: loadCache, writeReadModels, saveComputeMark) the sync's thread
//    records its V8 heap (used, total) and external memory;
//  - with --heap-snapshot STEP, a V8 heap snapshot is written when STEP begins (v8.writeHeapSnapshot:
//    what is alive then, with its retainers), named on stdout;
//  - with --gc-marks (and node --expose-gc), a full collection at each boundary first, so the heap
//    in use is what the run holds alive there (the peak RSS is then not the product's).
// The last stdout line is JSON: { status, error?, wallMs, peakRssMb, steps: [...], report }.
// Usage: node --expose-gc bench/memory-sync.ts --config F --as-of ISO [--full] [--heap-snapshot STEP] [--gc-marks]

import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import v8 from 'node:v8';
import { Worker } from 'node:worker_threads';
import pino from 'pino';
import { readEnv } from '../src/config/env.ts';
import { loadConfigFile } from '../src/config/load.ts';
import { createCrmAdapter } from '../src/sync/crm-adapter.ts';
import { createLogger } from '../src/log.ts';
import { openStore, resolveStoreUrl } from '../src/store/open-store.ts';
import type { Store } from '../src/store/store.ts';
import { runSync, type RunReport } from '../src/sync/run-sync.ts';

export interface StepMemory {
  step: string;
  /** ms since the sync began. */
  startMs: number;
  endMs: number;
  /** The process's peak resident set while the step ran (sampled), MB. */
  peakRssMb: number;
  /** The sync thread's V8 heap in use and reserved, and external memory, when the step began (MB). */
  heapUsedMb: number;
  heapTotalMb: number;
  externalMb: number;
}

export interface MemoryRunOutput {
  status: string;
  error?: string;
  wallMs: number;
  peakRssMb: number;
  steps: StepMemory[];
  snapshot?: string;
  report?: RunReport;
}

const { values } = parseArgs({
  options: {
    config: { type: 'string' },
    'as-of': { type: 'string' },
    full: { type: 'boolean', default: false },
    'heap-snapshot': { type: 'string' },
    'gc-marks': { type: 'boolean', default: false },
  },
});

const MB = 1024 * 1024;
const mb = (n: number): number => Math.round(n / MB);

/** The sampler: a thread of its own, so it samples while the sync's thread is busy. */
function startSampler(): { stop: () => Promise<[number, number][]> } {
  const worker = new Worker(
    `const { parentPort } = require('node:worker_threads');
     const samples = [];
     const take = () => samples.push([Date.now(), process.memoryUsage.rss()]);
     const timer = setInterval(take, 25);
     parentPort.on('message', () => { clearInterval(timer); take(); parentPort.postMessage(samples); });`,
    { eval: true },
  );
  return {
    stop: () =>
      new Promise((resolve) => {
        worker.once('message', (samples: [number, number][]) => {
          void worker.terminate();
          resolve(samples);
        });
        worker.postMessage('stop');
      }),
  };
}

async function main(): Promise<MemoryRunOutput> {
  if (values.config === undefined || values['as-of'] === undefined)
    throw new Error('--config and --as-of are required');
  const loaded = loadConfigFile(path.resolve(values.config));
  const env = readEnv(process.env);
  const at = Date.parse(values['as-of']);
  const clock = { now: () => at };
  const logger = createLogger({ level: 'warn', destination: pino.destination({ dest: 2, sync: true }) });
  const opened = await openStore(resolveStoreUrl(loaded.config.store.url, env.DATABASE_URL));
  const crm = await createCrmAdapter(loaded, { env, logger, dataDir: path.resolve('data') });
  const marks: { step: string; at: number; heapUsed: number; heapTotal: number; external: number }[] = [];
  let snapshot: string | undefined;
  const mark = (step: string): void => {
    // --gc-marks (with node --expose-gc): the heap in use is then what is alive at the boundary
    if (values['gc-marks']) (globalThis as { gc?: () => void }).gc?.();
    const m = process.memoryUsage();
    marks.push({ step, at: Date.now(), heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external });
    if (values['heap-snapshot'] === step && snapshot === undefined) snapshot = v8.writeHeapSnapshot();
  };
  // the store calls that begin steps with no progress report of their own
  const STEP_CALLS: Record<string, string> = {
    loadCache: 'loadCache',
    writeReadModels: 'readModels:write',
    saveComputeMark: 'mark',
  };
  // the read models are built after the tasks step (its outbox read, or its tasks marked sent)
  const after = (key: string, res: unknown): void => {
    if (key === 'loadCache') mark('engine');
    if (key === 'markTasks' || (key === 'pendingTasks' && Array.isArray(res) && res.length === 0))
      mark('readModels:build');
  };
  const store = new Proxy(opened, {
    get(target, key, receiver) {
      const value: unknown = Reflect.get(target, key, receiver);
      if (typeof value !== 'function' || typeof key !== 'string') return value;
      if (!(key in STEP_CALLS) && key !== 'pendingTasks' && key !== 'markTasks') return value;
      return async (...args: unknown[]) => {
        // saveComputeMark(fence, null) before the compute is not the mark step
        if (key in STEP_CALLS && (key !== 'saveComputeMark' || args[1] !== null)) mark(STEP_CALLS[key] ?? key);
        const res: unknown = await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        after(key, res);
        return res;
      };
    },
  }) as Store;
  const sampler = startSampler();
  const t0 = performance.now();
  const started = Date.now();
  mark('start');
  let result;
  try {
    result = await runSync(
      {
        crm,
        store,
        clock,
        logger,
        config: loaded,
        onProgress: (p) => {
          if (p.step === 'pull' && marks.at(-1)?.step === 'pull') return;
          mark(p.step);
        },
      },
      { full: values.full },
    );
  } finally {
    await crm.close();
    await opened.close();
  }
  mark('end');
  const samples = await sampler.stop();
  const wallMs = Math.round(performance.now() - t0);
  const steps: StepMemory[] = marks.slice(0, -1).map((m, i) => {
    const end = marks[i + 1]?.at ?? Date.now();
    const inStep = samples.filter(([t]) => t >= m.at && t <= end).map(([, rss]) => rss);
    return {
      step: m.step,
      startMs: m.at - started,
      endMs: end - started,
      peakRssMb: mb(Math.max(0, ...inStep)),
      heapUsedMb: mb(m.heapUsed),
      heapTotalMb: mb(m.heapTotal),
      externalMb: mb(m.external),
    };
  });
  const out: MemoryRunOutput = {
    status: result.status,
    wallMs,
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    steps,
    report: result.report,
  };
  if (result.report.error !== undefined) out.error = result.report.error;
  if (snapshot !== undefined) out.snapshot = snapshot;
  return out;
}

try {
  process.stdout.write(`${JSON.stringify(await main())}\n`);
} catch (err) {
  process.stdout.write(
    `${JSON.stringify({ status: 'error', error: String(err), wallMs: 0, peakRssMb: 0, steps: [] })}\n`,
  );
  process.exitCode = 1;
}
