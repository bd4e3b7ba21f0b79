// How `serve` runs a sync (issue 21): in a worker thread of its own (sync-worker.ts), so the
// event loop keeps answering /healthz and the API while the run computes. One thread per run,
// ended when the run ends: the memory a large run used goes back to the system with it, and a
// run never inherits another's state (docs/architecture.md "How a sync flows"); the next run's
// thread starts while none is running, so a run does not wait for it. Where the
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
import {
  ABORT_FLAG,
  reviveError,
  serializeError,
  type SyncWorkerData,
  type ToWorker,
  type WorkerMessage,
} from './sync-worker-protocol.ts';

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

/** What `serve` runs its syncs with (sync-service.ts `runner`), and ends at shutdown. */
export interface WorkerSyncRunner {
  run: SyncRunner;
  /** Starts the next run's thread now (once the service is up), not at the first run. */
  warm(): void;
  /** Ends the spare thread (shutdown); later runs start their own. */
  close(): Promise<void>;
}

/** A started worker thread, waiting for its one run or doing it. */
interface Thread {
  worker: Worker;
  /** Where its messages go while it runs (logs are relayed at all times). */
  handler: ((m: WorkerMessage) => void) | null;
  /** Why it can no longer run, once it failed or ended. */
  gone: Error | null;
}

/**
 * Runs each sync in a worker thread of its own, ended when the run ends. The next run's thread
 * is started as soon as one ends (or at the first run): it loads the code, opens its store
 * connection and builds its adapter while nothing waits for it, so a run does not pay for a
 * thread's start; a spare thread holds no run's data, only what a run starts with.
 */
export function workerSyncRunner(setup: WorkerSyncSetup): WorkerSyncRunner {
  const data: SyncWorkerData = {
    configFile: setup.config.file,
    config: setup.config.config,
    programConfig: setup.config.programConfig,
    env: setup.env,
    storeUrl: setup.storeUrl,
    cwd: setup.cwd,
    dataDir: setup.dataDir,
    logLevel: setup.logger.level,
  };
  let spare: Thread | null = null;
  let closed = false;

  const start = (): Thread => {
    const worker = new Worker(workerUrl, { workerData: data });
    const thread: Thread = { worker, handler: null, gone: null };
    worker.on('message', (m: WorkerMessage) => {
      if (m.type === 'log') relayLog(setup.logger, m.line);
      else thread.handler?.(m);
    });
    const fail = (err: Error): void => {
      thread.gone ??= err;
      thread.handler?.({ type: 'error', error: serializeError(err) });
    };
    worker.on('error', fail);
    worker.on('exit', (code) => {
      fail(
        new Error(
          `the sync worker ended (exit code ${String(code)}) before its run did; the next run marks that run abandoned`,
        ),
      );
    });
    worker.unref(); // a spare thread never keeps the process alive
    return thread;
  };

  const run: SyncRunner = (options, onProgress) => {
    const thread = spare !== null && spare.gone === null ? spare : start();
    if (spare !== null && spare !== thread) void spare.worker.terminate();
    spare = null;
    const { signal, ...rest } = options;
    const flags = new SharedArrayBuffer(4);
    const hold = setup.hold;
    const held = hold?.take();
    thread.worker.ref(); // a run in progress keeps the process alive
    return new Promise<SyncResult>((resolve, reject) => {
      let settled = false;
      const onAbort = (): void => {
        // the flag reaches a thread busy with synchronous work; the message one waiting on I/O
        Atomics.store(new Int32Array(flags), ABORT_FLAG, 1);
        thread.worker.postMessage({ type: 'abort' } satisfies ToWorker);
        if (held !== undefined) hold?.release(); // a service that stops holds no test run
      };
      if (signal?.aborted === true) onAbort();
      else signal?.addEventListener('abort', onAbort, { once: true });
      // the thread is ended before the caller hears the outcome: its memory is given back, and
      // a service that stops next closes nothing a run still uses
      const finish = (outcome: () => void): void => {
        if (settled) return;
        settled = true;
        thread.handler = null;
        signal?.removeEventListener('abort', onAbort);
        const next = (): void => {
          if (!closed && signal?.aborted !== true && spare === null) spare = start();
          outcome();
        };
        thread.worker.terminate().then(next, next);
      };
      thread.handler = (m) => {
        switch (m.type) {
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
          case 'log':
          case 'closed':
            break;
        }
      };
      if (thread.gone !== null) {
        thread.handler({ type: 'error', error: serializeError(thread.gone) });
        return;
      }
      thread.worker.postMessage({ type: 'run', options: rest, flags, hold: held } satisfies ToWorker);
    });
  };

  return {
    run,
    warm: () => {
      if (!closed && spare === null) spare = start();
    },
    close: async () => {
      closed = true;
      const s = spare;
      spare = null;
      if (s === null) return;
      // the spare closes its store connection and adapter itself; ended anyway after 5 s
      if (s.gone === null)
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 5_000);
          timer.unref();
          s.handler = (m) => {
            if (m.type === 'closed' || m.type === 'error') {
              clearTimeout(timer);
              resolve();
            }
          };
          s.worker.ref(); // the shutdown waits for it: the process must not end meanwhile
          s.worker.postMessage({ type: 'close' } satisfies ToWorker);
        });
      await s.worker.terminate();
    },
  };
}
