// The worker side of sync-runner.ts (issue 21): one sync of `serve` in a thread of its own, so
// the service's event loop keeps answering /healthz and the API while the run loads the
// snapshot cache (synchronous SQLite calls), computes, plans the ledger and the write-back.
// It builds its own deps from what the service was started with: its own store connection (the
// account lock and the fence work across connections, docs/architecture.md §5a) and its own CRM
// adapter through the provider registry. Logs, progress, the result and errors go back to the
// service as messages; the service's abort arrives as a message and as a shared flag (read at
// every progress report, so a run busy with synchronous work still stops at the next checkpoint).
// A thread does one run: it starts (code, store connection, adapter) before the run is asked for,
// and the service ends it when the run has ended. The account locks the run takes are announced
// to the service, which frees them should this thread die holding one (dead-run.ts).

import { randomUUID } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';
import pino from 'pino';
import { activeCrm, type LoadedConfig } from '../config/load.ts';
import type { CrmAdapter } from '../crm/port.ts';
import { prepareProgram } from '../domain/program.ts';
import { builtInProviders } from '../providers.ts';
import type { AccountLock } from '../store/account-lock.ts';
import { openStore } from '../store/open-store.ts';
import type { Store } from '../store/store.ts';
import { storeCredentials } from './credentials.ts';
import { systemClock, type SyncProgress } from './deps.ts';
import { runSync, type SyncResult } from './run-sync.ts';
import {
  ABORT_FLAG,
  serializeError,
  type SyncWorkerData,
  type ToWorker,
  type WorkerFault,
  type WorkerMessage,
} from './sync-worker-protocol.ts';

const port = parentPort;
if (port === null) throw new Error('sync-worker.ts runs in a worker thread (see sync-runner.ts)');
const data = workerData as SyncWorkerData;
const abort = new AbortController();
const post = (m: WorkerMessage): void => {
  port.postMessage(m);
};

// every line goes to the service's logger, which redacts it and writes it where its own lines go
const logger = pino(
  { level: data.logLevel, base: null, timestamp: false },
  {
    write: (line: string) => {
      post({ type: 'log', line });
    },
  },
);

interface Deps {
  loaded: LoadedConfig;
  store: Awaited<ReturnType<typeof openStore>>;
  crm: CrmAdapter;
}

/**
 * Every account lock the run takes is announced to the service before it is asked for (with the
 * token its SQLite lock file will name), when granted (with its fence) and when released: should
 * this thread die holding it — an uncaught error, `process.exit`, its heap running out, a
 * terminate — the service frees it and records the run failed (sync-runner.ts, issue 21).
 */
function announceLocks(store: Store): void {
  const lockOf = store.lock.bind(store);
  store.lock = async (account, waitMs, mode) => {
    const token = randomUUID();
    post({ type: 'lock', account, token });
    let lock: AccountLock;
    try {
      lock = await lockOf(account, waitMs, mode, token);
    } catch (err) {
      post({ type: 'unlocked', token });
      throw err;
    }
    post({ type: 'locked', token, fence: lock.fence });
    return {
      fence: lock.fence,
      lost: () => lock.lost(),
      release: async () => {
        await lock.release();
        post({ type: 'unlocked', token });
      },
    };
  };
}

/** Test hook (SyncHold with a fault): the thread dies here, as a real fault would end it. */
function die(fault: WorkerFault): void {
  if (fault === 'exit') process.exit(70);
  if (fault === 'throw')
    queueMicrotask(() => {
      throw new Error('injected fault: an uncaught error in the sync worker');
    });
  if (fault === 'oom') {
    // grows until the heap limit (sync.workerMaxHeapMb) ends the thread
    const hoard: number[][] = [];
    for (;;) hoard.push(Array.from({ length: 100_000 }, (_, i) => i + hoard.length));
  }
}

/** Built as soon as the thread starts, before its run is asked for (sync-runner.ts keeps one spare). */
async function build(): Promise<Deps> {
  const loaded: LoadedConfig = {
    file: data.configFile,
    config: data.config,
    programConfig: data.programConfig,
    program: prepareProgram(data.programConfig),
    providers: builtInProviders,
  };
  const { provider, settings } = activeCrm(loaded);
  const store = await openStore(data.storeUrl, { cwd: data.cwd });
  announceLocks(store);
  try {
    const crm = await provider.createAdapter({
      ...settings,
      env: data.env,
      logger,
      dataDir: data.dataDir,
      credentials: storeCredentials(store, systemClock),
    });
    return { loaded, store, crm };
  } catch (err) {
    await store.close();
    throw err;
  }
}
const deps = build();
deps.catch(() => undefined); // reported when the run asks for them

async function run(request: Extract<ToWorker, { type: 'run' }>): Promise<SyncResult> {
  const flags = new Int32Array(request.flags);
  const takeAbort = (): void => {
    if (Atomics.load(flags, ABORT_FLAG) === 1 && !abort.signal.aborted) abort.abort();
  };
  let held = false;
  /** Test hook (SyncHold): blocks this thread, as a long synchronous compute does, until released. */
  const hold = (step: SyncProgress['step']): void => {
    if (request.hold === undefined || held || request.hold.step !== step) return;
    held = true;
    post({ type: 'held', step });
    if (request.hold.fault !== undefined) {
      die(request.hold.fault);
      return;
    }
    const gate = new Int32Array(request.hold.gate);
    while (Atomics.load(gate, 0) === 0) Atomics.wait(gate, 0, 0);
  };
  const { loaded, store, crm } = await deps;
  try {
    takeAbort();
    return await runSync(
      {
        crm,
        store,
        clock: systemClock,
        logger,
        config: loaded,
        onProgress: (p) => {
          post({ type: 'progress', progress: p });
          takeAbort();
          hold(p.step);
          takeAbort();
        },
      },
      { ...request.options, signal: abort.signal },
    );
  } finally {
    try {
      await crm.close();
    } finally {
      await store.close();
    }
  }
}

let started = false;
port.on('message', (m: ToWorker) => {
  if (m.type === 'abort') {
    abort.abort();
    return;
  }
  if (m.type === 'close') {
    if (started) return; // a run closes what it used itself
    started = true;
    const closed = (): void => {
      post({ type: 'closed' });
    };
    deps
      .then(async ({ crm, store }) => {
        try {
          await crm.close();
        } finally {
          await store.close();
        }
      })
      .then(closed, closed);
    return;
  }
  if (started) return; // one run per thread
  started = true;
  // the outcome is posted last, after the adapter and the store are closed: the service ends
  // the thread when it arrives
  run(m).then(
    (result) => {
      post({ type: 'result', result });
    },
    (err: unknown) => {
      post({ type: 'error', error: serializeError(err) });
    },
  );
});
