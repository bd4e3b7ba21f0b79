// Runs syncs inside the service: one at a time per process (the store's account lock keeps
// several instances apart), webhook notifications gathered into one targeted sync, and a
// graceful stop that lets the current run reach a checkpoint.

import { randomUUID } from 'node:crypto';
import { LockBusyError } from '../store/account-lock.ts';
import type { SyncDeps } from './deps.ts';
import { runSync, type SyncOptions, type SyncResult } from './run-sync.ts';

export interface SyncServiceOptions {
  /** Webhook bursts are gathered this long into one targeted sync (HubSpot sends in batches). */
  debounceMs?: number;
  onFinished?: (result: SyncResult) => void;
}

type StartOptions = Omit<SyncOptions, 'runId' | 'signal'>;

export class SyncService {
  private readonly deps: SyncDeps;
  private readonly debounceMs: number;
  private readonly onFinished: ((result: SyncResult) => void) | undefined;
  private readonly abort = new AbortController();
  private current: Promise<void> | null = null;
  private currentId: string | null = null;
  private pending = { deals: new Set<string>(), partners: new Set<string>() };
  private timer: NodeJS.Timeout | null = null;
  private closing = false;

  constructor(deps: SyncDeps, options: SyncServiceOptions = {}) {
    this.deps = deps;
    this.debounceMs = options.debounceMs ?? 2_000;
    this.onFinished = options.onFinished;
  }

  /** The id of the run in progress in this process, if any. */
  get runningId(): string | null {
    return this.currentId;
  }

  /** Starts a run in the background and returns its id; null when a run is already going. */
  start(options: StartOptions = {}): string | null {
    if (this.current !== null || this.closing) return null;
    const runId = randomUUID();
    this.currentId = runId;
    const log = this.deps.logger.child({ runId });
    this.current = runSync(this.deps, { ...options, runId, signal: this.abort.signal })
      .then((result) => this.onFinished?.(result))
      .catch((err: unknown) => {
        if (err instanceof LockBusyError) log.info('another instance is syncing this account; skipped');
        else log.error({ err }, 'sync run failed');
      })
      .finally(() => {
        this.current = null;
        this.currentId = null;
        if (this.hasPending()) this.schedule();
      });
    return runId;
  }

  /** Records the webhook notified about: they are synced together, soon. */
  enqueue(ids: { deals: readonly string[]; partners: readonly string[] }): void {
    for (const d of ids.deals) this.pending.deals.add(d);
    for (const p of ids.partners) this.pending.partners.add(p);
    if (this.hasPending()) this.schedule();
  }

  private hasPending(): boolean {
    return this.pending.deals.size + this.pending.partners.size > 0;
  }

  private schedule(): void {
    if (this.timer !== null || this.closing) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      if (this.current !== null) return; // the run in progress reschedules when it ends
      const targeted = { deals: [...this.pending.deals], partners: [...this.pending.partners] };
      this.pending = { deals: new Set(), partners: new Set() };
      this.start({ targeted });
    }, this.debounceMs);
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
