// When `serve`'s sync worker thread dies in the middle of a run (issue 21) — an uncaught error,
// `process.exit` in the thread, its heap limit (`sync.workerMaxHeapMb`), a terminate — nothing of
// the run's own clean-up ran: its account lock is still held (on SQLite the lock file names the
// service's own pid, which is alive, so no later run would take it over until a restart) and its
// run row still says `running`. The service settles it on its own thread, before the next run
// can start: it frees the lock of each acquisition the worker announced and did not release
// (fenced: a later holder's lock is never touched, account-lock.ts `LockClaim`), records the run
// failed with the cause, and queues the `sync.failed` notification a failed run sends. Everything
// the run committed before it died stays, as after a crash: every step is keyed and idempotent,
// and the next run completes the work (docs/architecture.md §4).

import type { LoadedConfig } from '../config/load.ts';
import type { Logger } from '../log.ts';
import { runNotifications } from '../notify/sync-hook.ts';
import type { LockClaim } from '../store/account-lock.ts';
import type { RunRecord, Store } from '../store/store.ts';

/** What a run whose worker thread died rejects with: the cause, as the run's record names it. */
export class SyncWorkerDied extends Error {
  override readonly name = 'SyncWorkerDied';
}

export interface DeadRun {
  runId: string;
  /** Why the thread ended, in words (deathCause in sync-runner.ts). */
  cause: string;
  /** The lock acquisitions it announced and had not released. */
  claims: readonly LockClaim[];
}

export interface DeadRunOutcome {
  /** How many of the claims freed a lock that was still held. */
  locksFreed: number;
  /** The run as now recorded; null when it had no `running` row (it died before recording it, or it had ended). */
  run: RunRecord | null;
}

/** The error a dead worker's run is recorded with. */
export function deadRunError(cause: string): string {
  return `the sync worker died: ${cause}. The service freed the account lock and recorded this run failed; the next run completes its work`;
}

/** Frees the dead run's lock, records it failed and queues its notification; never throws (it logs). */
export async function settleDeadRun(
  deps: { store: Store; config: LoadedConfig; logger: Logger },
  dead: DeadRun,
): Promise<DeadRunOutcome> {
  const { store, config } = deps;
  const log = deps.logger.child({ runId: dead.runId });
  const outcome: DeadRunOutcome = { locksFreed: 0, run: null };
  for (const claim of dead.claims) {
    try {
      if (await store.reclaimLock(claim)) outcome.locksFreed += 1;
    } catch (err) {
      log.error({ err, account: claim.account }, 'the dead sync worker’s account lock could not be freed');
    }
  }
  const error = deadRunError(dead.cause);
  const at = Date.now();
  try {
    outcome.run = await store.abandonRun(dead.runId, at, error);
  } catch (err) {
    log.error({ err }, 'the dead sync worker’s run could not be recorded failed; the next run marks it abandoned');
  }
  const run = outcome.run;
  if (run !== null)
    await runNotifications(store, config, {
      ...{ runId: run.id, account: run.account, status: 'failed', mode: run.mode },
      ...{ startedAt: run.startedAt, finishedAt: at, asOf: run.asOf, error, stoppedAt: null, writeFailures: [] },
    }).catch((err: unknown) => {
      log.error({ err }, 'notifications of the run could not be queued');
    });
  log.error(
    { cause: dead.cause, locksFreed: outcome.locksFreed, recorded: run !== null },
    'the sync worker died during a run; its lock is freed and the run recorded failed',
  );
  return outcome;
}
