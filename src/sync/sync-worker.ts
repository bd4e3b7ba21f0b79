// The worker side of sync-runner.ts (issue 21): one sync of `serve` in a thread of its own, so
// the service's event loop keeps answering /healthz and the API while the run loads the
// snapshot cache (synchronous SQLite calls), computes, plans the ledger and the write-back.
// It builds its own deps from what the service was started with: its own store connection (the
// account lock and the fence work across connections, docs/architecture.md §5a) and its own CRM
// adapter through the provider registry. Logs, progress, the result and errors go back to the
// service as messages; the service's abort arrives as a message and as a shared flag (read at
// every progress report, so a run busy with synchronous work still stops at the next checkpoint).

import { parentPort, workerData } from 'node:worker_threads';
import pino from 'pino';
import { activeCrm, type LoadedConfig } from '../config/load.ts';
import { prepareProgram } from '../domain/program.ts';
import { builtInProviders } from '../providers.ts';
import { openStore } from '../store/open-store.ts';
import { storeCredentials } from './credentials.ts';
import { systemClock, type SyncProgress } from './deps.ts';
import { runSync, type SyncResult } from './run-sync.ts';
import { ABORT_FLAG, serializeError, type SyncWorkerData, type WorkerMessage } from './sync-worker-protocol.ts';

const port = parentPort;
if (port === null) throw new Error('sync-worker.ts runs in a worker thread (see sync-runner.ts)');
const data = workerData as SyncWorkerData;
const flags = new Int32Array(data.flags);
const abort = new AbortController();
const post = (m: WorkerMessage): void => {
  port.postMessage(m);
};

// the only message the service sends: abort (graceful shutdown)
port.on('message', () => {
  abort.abort();
});

const takeAbort = (): void => {
  if (Atomics.load(flags, ABORT_FLAG) === 1 && !abort.signal.aborted) abort.abort();
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

let held = false;
/** Test hook (SyncHold): blocks this thread, as a long synchronous compute does, until released. */
function hold(step: SyncProgress['step']): void {
  if (data.hold === undefined || held || data.hold.step !== step) return;
  held = true;
  post({ type: 'held', step });
  const gate = new Int32Array(data.hold.gate);
  while (Atomics.load(gate, 0) === 0) Atomics.wait(gate, 0, 0);
}

async function run(): Promise<SyncResult> {
  const loaded: LoadedConfig = {
    file: data.configFile,
    config: data.config,
    programConfig: data.programConfig,
    program: prepareProgram(data.programConfig),
    providers: builtInProviders,
  };
  const { provider, settings } = activeCrm(loaded);
  const store = await openStore(data.storeUrl, { cwd: data.cwd });
  try {
    const crm = await provider.createAdapter({
      ...settings,
      env: data.env,
      logger,
      dataDir: data.dataDir,
      credentials: storeCredentials(store, systemClock),
    });
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
        { ...data.options, signal: abort.signal },
      );
    } finally {
      await crm.close();
    }
  } finally {
    await store.close();
  }
}

// the outcome is posted last, after the adapter and the store are closed: the service ends the
// thread when it arrives
run().then(
  (result) => {
    post({ type: 'result', result });
  },
  (err: unknown) => {
    post({ type: 'error', error: serializeError(err) });
  },
);
