// One sync run in its own process, wired exactly as `partnersync sync` wires it
// (src/cli/commands/sync.ts: config file, environment, store URL with DATABASE_URL winning, adapter
// from the registry, runSync), with what the benchmark and the reliability suite need on top:
//   --as-of ISO   pins the sync's clock, so runs minutes apart compute as of one instant and their
//                 results can be compared value for value (the CRM clients keep real time);
//   --go-on-stdin loads everything (modules, store, adapter), prints {"event":"ready"}, and starts
//                 the sync only when a line arrives on stdin, printing {"event":"started"}, then
//                 {"event":"step","step":S} as each step begins (pull, compute, ledger, alerts,
//                 write-back, tasks) — so a test can start two syncs at the same moment, or kill
//                 one at a chosen moment of its run;
//   the last stdout line is JSON: { exit, status, error?, wallMs, peakRssMb, report? }.
// Exit codes are the CLI's: 0 ok, 1 run failed or the account is locked, 2 bad config.
// Usage: node test/reliability/sync-runner.ts --config F [--full] [--wait S] [--as-of ISO] [--go-on-stdin] [--log-level L]

import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { ConfigError } from '../../src/config/errors.ts';
import { readEnv } from '../../src/config/env.ts';
import { loadConfigFile } from '../../src/config/load.ts';
import { createCrmAdapter } from '../../src/sync/crm-adapter.ts';
import { createLogger } from '../../src/log.ts';
import { LockBusyError } from '../../src/store/account-lock.ts';
import { openStore, resolveStoreUrl } from '../../src/store/open-store.ts';
import { systemClock, type Clock, type SyncProgress } from '../../src/sync/deps.ts';
import { runSync, type RunReport } from '../../src/sync/run-sync.ts';

export interface RunnerOutput {
  exit: number;
  status: string;
  error?: string;
  wallMs: number;
  peakRssMb: number;
  report?: RunReport;
}

const { values } = parseArgs({
  options: {
    config: { type: 'string' },
    full: { type: 'boolean', default: false },
    wait: { type: 'string' },
    'as-of': { type: 'string' },
    'go-on-stdin': { type: 'boolean', default: false },
    'log-level': { type: 'string', default: 'warn' },
  },
});

function pinnedClock(iso: string | undefined): Clock {
  if (iso === undefined) return systemClock;
  const at = Date.parse(iso);
  if (Number.isNaN(at))
    throw new ConfigError('arguments', [{ path: '--as-of', message: `"${iso}" is not an ISO instant` }]);
  return { now: () => at };
}

/** Prints `ready` and resolves on the first line of stdin. */
async function waitForGo(): Promise<void> {
  process.stdout.write('{"event":"ready"}\n');
  const lines = createInterface({ input: process.stdin });
  for await (const line of lines) {
    if (line.trim() !== '') break;
  }
  lines.close();
  process.stdout.write('{"event":"started"}\n');
}

function finish(out: RunnerOutput): void {
  process.stdout.write(`${JSON.stringify(out)}\n`);
  process.exitCode = out.exit;
}

const peakRssMb = (): number => Math.round(process.resourceUsage().maxRSS / 1024);

async function run(): Promise<RunnerOutput> {
  const t0 = performance.now();
  if (values.config === undefined) throw new ConfigError('arguments', [{ path: '--config', message: 'is required' }]);
  const loaded = loadConfigFile(path.resolve(values.config));
  const env = readEnv(process.env);
  const clock = pinnedClock(values['as-of']);
  // Logs go to stderr: stdout carries the one JSON result line.
  const logger = createLogger({ level: values['log-level'], destination: pino.destination({ dest: 2, sync: true }) });
  const store = await openStore(resolveStoreUrl(loaded.config.store.url, env.DATABASE_URL));
  try {
    const crm = await createCrmAdapter(loaded, { env, logger, dataDir: path.resolve('data') });
    try {
      const wait = values.wait === undefined ? undefined : Number(values.wait) * 1000;
      if (values['go-on-stdin']) await waitForGo();
      const started = performance.now();
      const seen = new Set<string>();
      const onProgress = values['go-on-stdin']
        ? (p: SyncProgress): void => {
            if (seen.has(p.step)) return;
            seen.add(p.step);
            process.stdout.write(`${JSON.stringify({ event: 'step', step: p.step })}\n`);
          }
        : undefined;
      const result = await runSync(
        { crm, store, clock, logger, config: loaded, onProgress },
        { full: values.full, lockWaitMs: wait },
      );
      const out: RunnerOutput = {
        exit: result.status === 'failed' ? 1 : 0,
        status: result.status,
        wallMs: Math.round(performance.now() - (values['go-on-stdin'] ? started : t0)),
        peakRssMb: peakRssMb(),
        report: result.report,
      };
      if (result.report.error !== undefined) out.error = result.report.error;
      return out;
    } finally {
      await crm.close();
    }
  } finally {
    await store.close();
  }
}

try {
  finish(await run());
} catch (err) {
  // What the CLI would print on stderr, as a named error in the JSON line.
  const exit = err instanceof ConfigError ? 2 : 1;
  const status = err instanceof LockBusyError ? 'locked' : err instanceof ConfigError ? 'bad-config' : 'error';
  const message =
    err instanceof ConfigError
      ? err.lines().join('; ')
      : err instanceof Error
        ? `${err.name}: ${err.message}`
        : String(err);
  finish({ exit, status, error: message, wallMs: 0, peakRssMb: peakRssMb() });
}
