// How `serve` runs a sync (issue 21): in a worker thread of its own (sync-worker.ts), so the
// event loop keeps answering /healthz and the API while the run computes. One thread per run,
// ended when the run ends: the memory a large run used goes back to the system with it, and a
// run never inherits another's state (docs/architecture.md "How a sync flows"). Where the
// worker could not build the same deps — an adapter object handed in by a test, a test clock, an
// in-memory SQLite store, the in-process sandbox CRM, a provider outside this build's registry —
// the run stays on the service's thread, as before, and the service says so when it starts.

import { Worker } from 'node:worker_threads';
import type pino from 'pino';
import { activeCrm, type LoadedConfig } from '../config/load.ts';
import type { Logger } from '../log.ts';
import { builtInProviders } from '../providers.ts';
import { sqliteFileOf } from '../store/open-store.ts';
import type { SyncProgress } from './deps.ts';
import type { SyncOptions, SyncResult } from './run-sync.ts';
import { ABORT_FLAG, reviveError, type SyncWorkerData, type WorkerMessage } from './sync-worker-protocol.ts';

/** Runs one sync and reports its progress (the sync service calls it; runSync in-thread by default). */
export type SyncRunner = (options: SyncOptions, onProgress: (p: SyncProgress) => void) => Promise<SyncResult>;

/** The worker's file next to this one: .ts when run from source, .js when built. */
const workerUrl = new URL(import.meta.url.endsWith('.ts') ? './sync-worker.ts' : './sync-worker.js', import.meta.url);

/**
 * Test hook: the next worker run blocks its thread at `step` (as a long synchronous compute
 * would) until `release()`; `reached` resolves when it is blocked there. Used once.
 */
export class SyncHold {
  readonly step: SyncProgress['step'];
  readonly reached: Promise<void>;
  #arrived: () => void = () => undefined;
  readonly #gate = new SharedArrayBuffer(4);
  #used = false;

  constructor(step: SyncProgress['step']) {
    this.step = step;
    this.reached = new Promise<void>((resolve) => {
      this.#arrived = resolve;
    });
  }

  /** What the next worker run receives; undefined once used. */
  take(): { step: SyncProgress['step']; gate: SharedArrayBuffer } | undefined {
    if (this.#used) return undefined;
    this.#used = true;
    return { step: this.step, gate: this.#gate };
  }

  arrived(): void {
    this.#arrived();
  }

  release(): void {
    const gate = new Int32Array(this.#gate);
    Atomics.store(gate, 0, 1);
    Atomics.notify(gate, 0);
  }
}

export interface WorkerSyncSetup {
  config: LoadedConfig;
  /** Env.raw: the declared variables that are set. */
  env: Readonly<Record<string, string>>;
  storeUrl: string;
  cwd: string;
  dataDir: string;
  /** Where the worker's lines go (redacted there, like the service's own). */
  logger: Logger;
  hold?: SyncHold | undefined;
}

/**
 * Why this service's syncs cannot run in a worker thread (they run on the event loop, as
 * before), or null when they can.
 */
export function inThreadReason(o: {
  config: LoadedConfig;
  storeUrl: string;
  cwd: string;
  adapterGiven: boolean;
  clockGiven: boolean;
}): string | null {
  if (o.adapterGiven) return 'the CRM adapter was handed to the service (tests): it lives in this thread';
  if (o.clockGiven) return 'the clock was handed to the service (tests): it lives in this thread';
  const { provider } = activeCrm(o.config);
  if (provider.inProcessSandbox)
    return 'the in-process sandbox CRM runs in this thread (a second adapter would start a second emulator on its state)';
  if (builtInProviders.get(provider.name) !== provider)
    return `provider ${provider.name} is not in this build's registry (tests): a worker could not build it`;
  if (o.storeUrl.startsWith('sqlite:') && sqliteFileOf(o.storeUrl, o.cwd) === ':memory:')
    return 'an in-memory SQLite store cannot be opened from another thread';
  return null;
}

/**
 * The service's logger as the relay writes through it: errors arrive already serialised by the
 * worker's pino, so they are written as they are (serialising them again would name their type
 * "Object"); everything else — destination, redaction, bindings — is the service logger's.
 */
const relays = new WeakMap<Logger, Logger>();
function relayOf(logger: Logger): Logger {
  let relay = relays.get(logger);
  if (relay === undefined) {
    relay = logger.child({}, { serializers: { err: (e: unknown) => e } });
    relays.set(logger, relay);
  }
  return relay;
}

/** Relays a line the worker logged through the service's logger (its redaction included). */
export function relayLog(service: Logger, line: string): void {
  const logger = relayOf(service);
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    logger.warn({ line }, 'sync worker: a log line that is not JSON');
    return;
  }
  const { level, msg, ...fields } = entry;
  const label = (typeof level === 'number' ? logger.levels.labels[level] : undefined) ?? 'info';
  logger[label as pino.Level](fields, typeof msg === 'string' ? msg : undefined);
}

/** Runs each sync in a new worker thread, ended when the run ends. */
export function workerSyncRunner(setup: WorkerSyncSetup): SyncRunner {
  return (options, onProgress) => runInWorker(setup, options, onProgress);
}

function runInWorker(
  setup: WorkerSyncSetup,
  options: SyncOptions,
  onProgress: (p: SyncProgress) => void,
): Promise<SyncResult> {
  const { signal, ...rest } = options;
  const flags = new SharedArrayBuffer(4);
  const hold = setup.hold;
  const held = hold?.take();
  const data: SyncWorkerData = {
    configFile: setup.config.file,
    config: setup.config.config,
    programConfig: setup.config.programConfig,
    env: setup.env,
    storeUrl: setup.storeUrl,
    cwd: setup.cwd,
    dataDir: setup.dataDir,
    logLevel: setup.logger.level,
    options: rest,
    flags,
    hold: held,
  };
  const worker = new Worker(workerUrl, { workerData: data });
  return new Promise<SyncResult>((resolve, reject) => {
    let settled = false;
    const onAbort = (): void => {
      // the flag reaches a thread busy with synchronous work; the message one waiting on I/O
      Atomics.store(new Int32Array(flags), ABORT_FLAG, 1);
      worker.postMessage({ type: 'abort' });
      if (held !== undefined) hold?.release(); // a service that stops holds no test run
    };
    if (signal?.aborted === true) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
    // the thread is ended before the caller hears the outcome: its memory is given back, and a
    // service that stops next closes nothing a run still uses
    const finish = (outcome: () => void): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      worker.terminate().then(outcome, outcome);
    };
    worker.on('message', (m: WorkerMessage) => {
      switch (m.type) {
        case 'log':
          relayLog(setup.logger, m.line);
          break;
        case 'progress':
          onProgress(m.progress);
          break;
        case 'held':
          hold?.arrived();
          break;
        case 'result':
          finish(() => {
            resolve(m.result);
          });
          break;
        case 'error':
          finish(() => {
            reject(reviveError(m.error));
          });
          break;
      }
    });
    worker.on('error', (err: Error) => {
      finish(() => {
        reject(err);
      });
    });
    worker.on('exit', (code) => {
      finish(() => {
        reject(
          new Error(
            `the sync worker ended (exit code ${String(code)}) before its run did; the next run marks that run abandoned`,
          ),
        );
      });
    });
  });
}
