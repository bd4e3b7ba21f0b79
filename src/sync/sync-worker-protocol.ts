// What the service and its sync worker (sync-runner.ts, sync-worker.ts) send each other: the
// worker's data, its messages, and errors as plain data that become the same error classes again
// on the service's side (a LockBusyError must still be one: the service logs it as a skip).

import type { LoadedConfig } from '../config/load.ts';
import { CrmError, type CrmErrorKind } from '../crm/port.ts';
import type { Fence } from '../ledger/port.ts';
import { LockBusyError, type LockHolder } from '../store/account-lock.ts';
import type { SyncProgress } from './deps.ts';
import type { SyncOptions, SyncResult } from './run-sync.ts';

/** Index in `flags` set to 1 when the service aborts the run (graceful shutdown). */
export const ABORT_FLAG = 0;

export interface SyncWorkerData {
  configFile: string;
  config: LoadedConfig['config'];
  programConfig: LoadedConfig['programConfig'];
  /** The declared environment variables that are set (Env.raw): what providers read. */
  env: Readonly<Record<string, string>>;
  storeUrl: string;
  cwd: string;
  dataDir: string;
  logLevel: string;
}

/** What the service sends a worker: its one run, then perhaps an abort. */
export type ToWorker =
  | {
      type: 'run';
      options: Omit<SyncOptions, 'signal'>;
      /** Int32Array over it: [ABORT_FLAG]. */
      flags: SharedArrayBuffer;
      /**
       * Test hook (SyncHold): at this step, block until the gate's first Int32 is non-zero, or die
       * as `fault` says.
       */
      hold?: { step: SyncProgress['step']; gate: SharedArrayBuffer; fault?: WorkerFault | undefined } | undefined;
    }
  | { type: 'abort' }
  /** Shutdown of a thread that was not asked for a run: close the store and the adapter. */
  | { type: 'close' };

/**
 * Test hook: how a held worker dies instead of waiting (issue 21) — `process.exit` in the thread,
 * an uncaught error, or its heap running out (`sync.workerMaxHeapMb`).
 */
export type WorkerFault = 'exit' | 'throw' | 'oom';

export interface SerializedError {
  name: string;
  message: string;
  stack?: string | undefined;
  lock?: { account: string; holder: LockHolder | null } | undefined;
  crm?:
    | {
        provider: string;
        kind: CrmErrorKind;
        code: string | null;
        status: number | null;
        retryAfterMs: number | null;
      }
    | undefined;
}

export type WorkerMessage =
  | { type: 'log'; line: string }
  | { type: 'progress'; progress: SyncProgress }
  | { type: 'held'; step: SyncProgress['step'] }
  /**
   * The run is about to take the account lock with this token (issue 21): should the thread die
   * holding it, the service frees it (account-lock.ts `LockClaim`).
   */
  | { type: 'lock'; account: string; token: string }
  | { type: 'locked'; token: string; fence: Fence }
  /** Released (or never granted). */
  | { type: 'unlocked'; token: string }
  | { type: 'result'; result: SyncResult }
  | { type: 'error'; error: SerializedError }
  | { type: 'closed' };

export function serializeError(err: unknown): SerializedError {
  if (!(err instanceof Error)) return { name: 'Error', message: String(err) };
  const out: SerializedError = { name: err.name, message: err.message, stack: err.stack };
  if (err instanceof LockBusyError) out.lock = { account: err.account, holder: err.holder };
  if (err instanceof CrmError)
    out.crm = {
      provider: err.provider,
      kind: err.kind,
      code: err.code,
      status: err.status,
      retryAfterMs: err.retryAfterMs,
    };
  return out;
}

/** The error the worker threw, as the class it was when the service's code tells them apart. */
export function reviveError(e: SerializedError): Error {
  let err: Error;
  if (e.lock !== undefined) err = new LockBusyError(e.lock.account, e.lock.holder);
  else if (e.crm !== undefined) err = new CrmError({ ...e.crm, message: e.message });
  else {
    err = new Error(e.message);
    err.name = e.name;
  }
  if (e.stack !== undefined) err.stack = e.stack;
  return err;
}
