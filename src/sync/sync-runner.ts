// How `serve` runs a sync (issue 21): in a worker thread of its own (sync-worker.ts), so the
// event loop keeps answering /healthz and the API while the run computes. One thread per run,
// ended when the run ends: the memory a large run used goes back to the system with it, and a
// run never inherits another's state (docs/architecture.md "How a sync flows"); the next run's
// thread starts while none is running, so a run does not wait for it. Where the
// worker could not build the same deps — an adapter object handed in by a test, a test clock, an
// in-memory SQLite store, the in-process sandbox CRM, a provider outside this build's registry —
// the run stays on the service's thread, as before, and the service says so when it starts.
// A thread that dies mid-run (an uncaught error, an exit, its heap limit `sync.workerMaxHeapMb`,
// a terminate) leaves nothing stuck: the service frees the lock it announced and records the run
// failed before the next run can start (dead-run.ts).

import { randomUUID } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import type pino from 'pino';
import { activeCrm, type LoadedConfig } from '../config/load.ts';
import type { Fence } from '../ledger/port.ts';
import type { Logger } from '../log.ts';
import { builtInProviders } from '../providers.ts';
import { sqliteFileOf } from '../store/open-store.ts';
import type { Store } from '../store/store.ts';
import { settleDeadRun, SyncWorkerDied } from './dead-run.ts';
import type { SyncProgress } from './deps.ts';
import type { SyncOptions, SyncResult } from './run-sync.ts';
import {
  ABORT_FLAG,
  reviveError,
  type SyncWorkerData,
  type ToWorker,
  type WorkerFault,
  type WorkerMessage,
} from './sync-worker-protocol.ts';
import { keepWasmCode } from './wasm-code.ts';

/** Runs one sync and reports its progress (the sync service calls it; runSync in-thread by default). */
export type SyncRunner = (options: SyncOptions, onProgress: (p: SyncProgress) => void) => Promise<SyncResult>;

/** The worker's file next to this one: .ts when run from source, .js when built. */
const workerUrl = new URL(import.meta.url.endsWith('.ts') ? './sync-worker.ts' : './sync-worker.js', import.meta.url);

/**
 * Test hook: the next worker run blocks its thread at `step` (as a long synchronous compute
 * would) until `release()`; `reached` resolves when it is blocked there. With a `fault`, the
 * thread dies there instead (issue 21: `process.exit`, an uncaught error, its heap running out);
 * `terminate()` ends a blocked thread from outside. Used once.
 */
export class SyncHold {
  readonly step: SyncProgress['step'];
  readonly fault: WorkerFault | undefined;
  readonly reached: Promise<void>;
  #arrived: () => void = () => undefined;
  readonly #gate = new SharedArrayBuffer(4);
  #used = false;
  #terminate: (() => Promise<unknown>) | null = null;

  constructor(step: SyncProgress['step'], fault?: WorkerFault) {
    this.step = step;
    this.fault = fault;
    this.reached = new Promise<void>((resolve) => {
      this.#arrived = resolve;
    });
  }

  /** What the next worker run receives; undefined once used. */
  take(
    terminate: () => Promise<unknown>,
  ): { step: SyncProgress['step']; gate: SharedArrayBuffer; fault?: WorkerFault | undefined } | undefined {
    if (this.#used) return undefined;
    this.#used = true;
    this.#terminate = terminate;
    return { step: this.step, gate: this.#gate, fault: this.fault };
  }

  arrived(): void {
    this.#arrived();
  }

  release(): void {
    const gate = new Int32Array(this.#gate);
    Atomics.store(gate, 0, 1);
    Atomics.notify(gate, 0);
  }

  /** Ends the held run's thread from outside (`Worker.terminate`), as if it had been killed. */
  async terminate(): Promise<void> {
    await this.#terminate?.();
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
  /**
   * The service's own store: when a worker dies mid-run, the service frees the account lock it
   * held and records its run failed there (dead-run.ts).
   */
  store: Store;
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
  /** Told when the thread dies (an uncaught error, its heap limit, an exit) while a run uses it. */
  onDeath: ((cause: string) => void) | null;
  /** Why it can no longer run, once it failed or ended. */
  gone: string | null;
}

/** What a worker's death is called in the run's record and the log. */
function deathCause(err: unknown, heapMb: number | undefined): string {
  if (!(err instanceof Error)) return `an uncaught error: ${String(err)}`;
  if ((err as NodeJS.ErrnoException).code === 'ERR_WORKER_OUT_OF_MEMORY')
    return heapMb === undefined
      ? `it ran out of memory (${err.message}); sync.workerMaxHeapMb sets the limit`
      : `it ran out of memory: more than sync.workerMaxHeapMb (${String(heapMb)} MiB) of heap (${err.message})`;
  return `an uncaught error: ${err.message}`;
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
  const heapMb = setup.config.config.sync.workerMaxHeapMb;
  let spare: Thread | null = null;
  let closed = false;

  const start = (): Thread => {
    keepWasmCode(); // threads that start and end while others run wasm (wasm-code.ts)
    const worker = new Worker(workerUrl, {
      workerData: data,
      // past it the thread alone ends (ERR_WORKER_OUT_OF_MEMORY), not the service
      ...(heapMb === undefined ? {} : { resourceLimits: { maxOldGenerationSizeMb: heapMb } }),
    });
    const thread: Thread = { worker, handler: null, onDeath: null, gone: null };
    worker.on('message', (m: WorkerMessage) => {
      if (m.type === 'log') relayLog(setup.logger, m.line);
      else thread.handler?.(m);
    });
    // 'error' (an uncaught error, the heap limit) comes before 'exit': the first names the cause
    const died = (cause: string): void => {
      if (thread.gone !== null) return;
      thread.gone = cause;
      thread.onDeath?.(cause);
    };
    worker.on('error', (err: unknown) => {
      died(deathCause(err, heapMb));
    });
    worker.on('exit', (code) => {
      died(`it ended (exit code ${String(code)})`);
    });
    worker.unref(); // a spare thread never keeps the process alive
    return thread;
  };

  const run: SyncRunner = (options, onProgress) => {
    const thread = spare !== null && spare.gone === null ? spare : start();
    if (spare !== null && spare !== thread) void spare.worker.terminate();
    spare = null;
    const { signal, ...rest } = options;
    // the service names its runs; a run named here can still be recorded failed if its thread dies
    const runId = rest.runId ?? randomUUID();
    const flags = new SharedArrayBuffer(4);
    const hold = setup.hold;
    const held = hold?.take(() => thread.worker.terminate());
    /** The account locks the run announced (sync-worker.ts), until released. */
    const claims = new Map<string, { account: string; fence: Fence | null; grantedAt: number | null }>();
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
      // a service that stops next closes nothing a run still uses; a thread that died first has
      // its lock freed and its run recorded failed before the next run can start (issue 21)
      const finish = (outcome: () => void, died?: string): void => {
        if (settled) return;
        settled = true;
        thread.handler = null;
        thread.onDeath = null;
        signal?.removeEventListener('abort', onAbort);
        void (async () => {
          await thread.worker.terminate().catch(() => undefined);
          if (died !== undefined) {
            const now = performance.now();
            await settleDeadRun(
              { store: setup.store, config: setup.config, logger: setup.logger },
              {
                runId,
                cause: died,
                claims: [...claims].map(([token, c]) => ({
                  account: c.account,
                  token,
                  fence: c.fence,
                  grantedMsAgo: c.grantedAt === null ? null : now - c.grantedAt,
                })),
              },
            );
          }
          if (!closed && signal?.aborted !== true && spare === null) spare = start();
          outcome();
        })();
      };
      thread.handler = (m) => {
        switch (m.type) {
          case 'progress':
            onProgress(m.progress);
            break;
          case 'held':
            hold?.arrived();
            break;
          case 'lock':
            claims.set(m.token, { account: m.account, fence: null, grantedAt: null });
            break;
          case 'locked': {
            const claim = claims.get(m.token);
            if (claim !== undefined) Object.assign(claim, { fence: m.fence, grantedAt: performance.now() });
            break;
          }
          case 'unlocked':
            claims.delete(m.token);
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
      const onDeath = (cause: string): void => {
        finish(() => {
          reject(new SyncWorkerDied(`the sync worker died: ${cause}`));
        }, cause);
      };
      if (thread.gone !== null) {
        onDeath(thread.gone);
        return;
      }
      thread.onDeath = onDeath;
      thread.worker.postMessage({
        type: 'run',
        options: { ...rest, runId },
        flags,
        hold: held,
      } satisfies ToWorker);
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
          const done = (): void => {
            clearTimeout(timer);
            resolve();
          };
          s.handler = (m) => {
            if (m.type === 'closed' || m.type === 'error') done();
          };
          s.onDeath = done;
          s.worker.ref(); // the shutdown waits for it: the process must not end meanwhile
          s.worker.postMessage({ type: 'close' } satisfies ToWorker);
        });
      await s.worker.terminate();
    },
  };
}
