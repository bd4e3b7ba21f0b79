// What the sync use cases receive (docs/architecture.md habit 5): one deps object, fakes in tests.

import type { LoadedConfig } from '../config/load.ts';
import type { CrmAdapter } from '../crm/port.ts';
import type { Logger } from '../log.ts';
import type { Store } from '../store/store.ts';

export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/**
 * The named step boundaries of a sync. Tests throw SimulatedCrash at each to prove a crash there
 * leaves a state the next run finishes from.
 */
export const FAULT_POINTS = [
  'after-lock',
  'after-page',
  'after-pull',
  'after-compute',
  'after-ledger',
  'after-alerts',
  'after-write-intents',
  'after-write-send',
  'after-write-back',
  'after-task-create',
  'after-tasks',
  'before-finish',
] as const;
export type FaultPoint = (typeof FAULT_POINTS)[number];

/** Called at every step boundary; a test hook throws here to simulate a crash. */
export type FaultHook = (point: FaultPoint, detail: { count: number }) => void;

/** Thrown by test fault hooks: the run stops as if the process died (no cleanup but the lock). */
export class SimulatedCrash extends Error {
  override readonly name = 'SimulatedCrash';
  readonly point: FaultPoint;

  constructor(point: FaultPoint) {
    super(`simulated crash at ${point}`);
    this.point = point;
  }
}

/**
 * Test hook awaited at moments where another process may act (issue 16): after the ledger plan is
 * made and before it is posted, before each CRM write batch, before the task step.
 */
export type PausePoint = 'ledger-planned' | 'write-batch' | 'tasks';

export interface SyncProgress {
  step: 'pull' | 'compute' | 'ledger' | 'alerts' | 'write-back' | 'tasks' | 'done';
  pages?: number;
  records?: number;
}

export interface SyncDeps {
  crm: CrmAdapter;
  store: Store;
  clock: Clock;
  logger: Logger;
  config: LoadedConfig;
  faults?: FaultHook | undefined;
  pause?: ((point: PausePoint) => Promise<void>) | undefined;
  onProgress?: ((p: SyncProgress) => void) | undefined;
  /** Records the write-back is planned, recorded and sent by (default WRITE_PART_RECORDS in run-sync.ts); tests set a few. */
  writePart?: number | undefined;
}

/** The store, clock and config: what read models and finance commands need (no CRM). */
export interface StoreDeps {
  store: Store;
  clock: Clock;
  config: LoadedConfig;
}
