// Runs syncs inside the service: one at a time per process (the store's account lock keeps
// several instances apart), webhook notifications gathered into one targeted sync, and a
// graceful stop that lets the current run reach a checkpoint.

import { randomUUID } from 'node:crypto';
import { LockBusyError } from '../store/account-lock.ts';
import type { SyncDeps, SyncProgress } from './deps.ts';
import { runSync, type SyncOptions, type SyncResult } from './run-sync.ts';
import type { SyncRunner } from './sync-runner.ts';

export interface SyncServiceOptions {
  /** Webhook bursts are gathered this long into one targeted sync (HubSpot sends in batches). */
  debounceMs?: number;
  /**
   * Changes from event sources are gathered this long (default: the shorter of 250 ms and
   * `debounceMs`): a source hands over what it has already gathered (a poll's batch of journal
   * entries, a stream's burst), so only a short wait is needed to join concurrent ones.
   */
  eventDebounceMs?: number;
  onFinished?: (result: SyncResult) => void;
  /** How a run is run: `serve` passes the worker-thread runner (sync-runner.ts); default runSync on this thread. */
  runner?: SyncRunner | undefined;
}

type StartOptions = Omit<SyncOptions, 'runId' | 'signal'>;

/** Told how a run ended: its result, or what it threw (another instance holds the account, …). */
type Settle = (outcome: { result: SyncResult } | { error: unknown }) => void;

interface Waiter {
  resolve: () => void;
  reject: (err: unknown) => void;
}

/** A run that ended otherwise than `succeeded`, for callers that wait on it. */
export class SyncNotSucceeded extends Error {
  override readonly name = 'SyncNotSucceeded';
}

function settleWaiters(waiters: readonly Waiter[]): Settle {
  return (outcome) => {
    if ('result' in outcome && outcome.result.status === 'succeeded') {
      for (const w of waiters) w.resolve();
      return;
    }
    const err =
      'error' in outcome
        ? outcome.error
        : new SyncNotSucceeded(
            `run ${outcome.result.runId} ${outcome.result.status}: ${outcome.result.report.error ?? ''}`,
          );
    for (const w of waiters) w.reject(err);
  };
}

export class SyncService {
  private readonly deps: SyncDeps;
  private readonly debounceMs: number;
  private readonly eventDebounceMs: number;
  private readonly onFinished: ((result: SyncResult) => void) | undefined;
  private readonly abort = new AbortController();
  private current: Promise<void> | null = null;
  private currentId: string | null = null;
  private pending = { deals: new Set<string>(), partners: new Set<string>() };
  private waiters: Waiter[] = [];
  private timer: NodeJS.Timeout | null = null;
  private closing = false;
  private readonly runner: SyncRunner;
  private step: SyncProgress | null = null;

  constructor(deps: SyncDeps, options: SyncServiceOptions = {}) {
    this.deps = deps;
    this.debounceMs = options.debounceMs ?? 2_000;
    this.eventDebounceMs = options.eventDebounceMs ?? Math.min(this.debounceMs, 250);
    this.onFinished = options.onFinished;
    this.runner = options.runner ?? ((o, onProgress) => runSync({ ...this.deps, onProgress }, o));
  }

  /** The last progress the run in progress reported (null when none is running). */
  get progress(): SyncProgress | null {
    return this.current === null ? null : this.step;
  }

  /** The id of the run in progress in this process, if any. */
  get runningId(): string | null {
    return this.currentId;
  }

  /** Starts a run in the background and returns its id; null when a run is already going. */
  start(options: StartOptions = {}, settle?: Settle): string | null {
    if (this.current !== null || this.closing) return null;
    const runId = randomUUID();
    this.currentId = runId;
    const log = this.deps.logger.child({ runId });
    this.step = null;
    this.current = this.runner({ ...options, runId, signal: this.abort.signal }, (p) => {
      this.step = p;
      this.deps.onProgress?.(p);
    })
      .then((result) => {
        settle?.({ result });
        this.onFinished?.(result);
      })
      .catch((err: unknown) => {
        settle?.({ error: err });
        if (err instanceof LockBusyError) log.info('another instance is syncing this account; skipped');
        else log.error({ err }, 'sync run failed');
      })
      .finally(() => {
        this.current = null;
        this.currentId = null;
        if (this.hasPending()) this.schedule(this.waiters.length > 0 ? this.eventDebounceMs : this.debounceMs);
      });
    return runId;
  }

  /** Records a change event named: they are synced together, soon (a targeted sync). */
  enqueue(ids: { deals: readonly string[]; partners: readonly string[] }): void {
    this.add(ids);
    if (this.hasPending()) this.schedule(this.debounceMs);
  }

  private add(ids: { deals: readonly string[]; partners: readonly string[] }): void {
    for (const d of ids.deals) this.pending.deals.add(d);
    for (const p of ids.partners) this.pending.partners.add(p);
  }

  /**
   * As `enqueue`, and resolves when a targeted sync that read these records succeeded (rejects
   * when it failed, stopped, or could not start): an event source commits its position then.
   */
  enqueueAndWait(ids: { deals: readonly string[]; partners: readonly string[] }): Promise<void> {
    if (ids.deals.length + ids.partners.length === 0) return Promise.resolve();
    if (this.closing) return Promise.reject(new SyncNotSucceeded('the service is stopping'));
    const done = new Promise<void>((resolve, reject) => {
      this.waiters.push({ resolve, reject });
    });
    this.add(ids);
    if (this.hasPending()) this.schedule(this.eventDebounceMs);
    return done;
  }

  /**
   * Runs an incremental sync as soon as no run is going (events were lost, so targeted reads
   * are not enough); resolves when it succeeded.
   */
  async requestSync(options: { refreshLinks: boolean }): Promise<void> {
    for (;;) {
      if (this.closing) throw new SyncNotSucceeded('the service is stopping');
      await this.idle();
      const launched = { id: null as string | null };
      await new Promise<void>((resolve, reject) => {
        launched.id = this.start({ refreshLinks: options.refreshLinks }, settleWaiters([{ resolve, reject }]));
        // another caller started a run between idle() and here: wait for it, then try again
        if (launched.id === null) resolve();
      });
      if (launched.id !== null) return;
    }
  }

  private hasPending(): boolean {
    return this.pending.deals.size + this.pending.partners.size > 0;
  }

  private schedule(delayMs: number): void {
    if (this.timer !== null || this.closing) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      if (this.current !== null) return; // the run in progress reschedules when it ends
      const targeted = { deals: [...this.pending.deals], partners: [...this.pending.partners] };
      const waiters = this.waiters;
      this.pending = { deals: new Set(), partners: new Set() };
      this.waiters = [];
      const settle = settleWaiters(waiters);
      if (this.start({ targeted }, settle) === null) settle({ error: new SyncNotSucceeded('the service is stopping') });
    }, delayMs);
    this.timer.unref();
  }

  /** Waits for the run in progress (if any). */
  async idle(): Promise<void> {
    while (this.current !== null) await this.current;
  }

  /**
   * Graceful stop: no new runs; the current run stops at its next checkpoint (or finishes);
   * after `timeoutMs` it is left to the next start to resume.
   */
  async stop(timeoutMs = 30_000): Promise<void> {
    this.closing = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    settleWaiters(this.waiters)({ error: new SyncNotSucceeded('the service stopped before syncing these changes') });
    this.waiters = [];
    this.abort.abort();
    if (this.current === null) return;
    let timeout: NodeJS.Timeout | undefined;
    await Promise.race([
      this.current,
      new Promise<void>((resolve) => {
        timeout = setTimeout(resolve, timeoutMs);
      }),
    ]);
    clearTimeout(timeout);
  }
}
