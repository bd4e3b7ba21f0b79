// The ledger's persistence port: what the ledger's use cases need from a database. The store
// (src/store/kysely-store.ts) implements it on SQLite and PostgreSQL; posting appends in one
// transaction and numbers entries per account.

import type { Program } from '../domain/program.ts';
import type { KeyBalance, LedgerEntry, NewLedgerEntry, PeriodClose } from './types.ts';

/**
 * Proof that the caller owns the account (issue 16): the lease epoch its lock acquisition raised
 * (the fencing token) and, on PostgreSQL, the backend pid of the session holding the advisory lock.
 * Every transaction that posts or records write-back state checks it inside the transaction.
 */
export interface Fence {
  readonly account: string;
  readonly epoch: number;
  readonly session: number | null;
}

/** A held per-account lock (closing a period must not interleave with a sync's posting). */
export interface LedgerLock {
  readonly fence: Fence;
  /** Why the lock is known to be lost (its database session ended), or null. */
  lost(): string | null;
  /** Never throws: a lock whose session died is simply gone. */
  release(): Promise<void>;
}

/** Where the ledger stood when a plan read it: the last entry's seq and how many closes there were. */
export interface LedgerVersion {
  seq: number;
  closes: number;
}

/** What a posting plan is made from, read together. */
export interface LedgerView {
  balances: Map<string, KeyBalance>;
  closes: PeriodClose[];
  version: LedgerVersion;
}

/** A posting plan's view of only the keys that can differ (issue 21; ledgerDiffView). */
export interface LedgerDiffView extends LedgerView {
  /** Keys (current spelling) whose target differs from what is posted: the only ones to plan. */
  keys: Set<string>;
  /** How many keys the targets and posted totals named in all (for the run report). */
  compared: number;
}

export interface LedgerStore {
  /** What is posted per key so far: the sum and the latest entry. */
  keyBalances(account: string): Promise<Map<string, KeyBalance>>;
  /** Balances, closes and their version, read in one transaction: what a posting plan starts from. */
  ledgerView(account: string): Promise<LedgerView>;
  /**
   * ledgerView for the keys that can need a posting: those whose target amount differs from the
   * running total of what is posted (ledger_key_totals), including keys with no target left. The
   * balances hold every stored spelling of those keys only; closes and version as ledgerView.
   */
  ledgerDiffView(
    account: string,
    targets: ReadonlyMap<string, bigint>,
    /** A scoped run (issue 21): only the posted totals of these partners' keys are compared. */
    partners?: readonly string[],
  ): Promise<LedgerDiffView>;
  /** The ledger's version now (last seq, number of closes). */
  ledgerVersion(account: string): Promise<LedgerVersion>;
  /**
   * Appends entries in one transaction (seq continues the account's sequence) that first proves
   * the caller still owns the account (AccountLostError) and that the ledger is still at the
   * version the entries were planned from (LedgerMovedError); either refusal posts nothing.
   */
  postEntries(
    fence: Fence,
    runId: string,
    entries: readonly NewLedgerEntry[],
    at: number,
    planned: LedgerVersion,
  ): Promise<LedgerEntry[]>;
  /** Throws AccountLostError unless `fence` still owns its account (before a CRM write). */
  checkFence(fence: Fence): Promise<void>;
  ledgerEntries(account: string, filter: { period?: string; partnerId?: string }): Promise<LedgerEntry[]>;
  ledgerPeriods(account: string): Promise<{ period: string; entries: number; net: bigint }[]>;
  periodCloses(account: string): Promise<PeriodClose[]>;
  /** Records a close in a transaction that checks the caller's fence. */
  closePeriod(fence: Fence, close: PeriodClose): Promise<void>;
  /** The per-account lock syncs take; refused after `waitMs`. */
  lock(account: string, waitMs: number): Promise<LedgerLock>;
}

/** What the finance use cases (exports, statements, periods) receive. */
export interface LedgerDeps {
  store: LedgerStore;
  clock: { now(): number };
  config: { readonly program: Program };
}
