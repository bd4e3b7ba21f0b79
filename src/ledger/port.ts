// The ledger's persistence port: what the ledger's use cases need from a database. The store
// (src/store/kysely-store.ts) implements it on SQLite and PostgreSQL; posting appends in one
// transaction and numbers entries per account.

import type { Program } from '../domain/program.ts';
import type { KeyBalance, LedgerEntry, NewLedgerEntry, PeriodClose } from './types.ts';

/** A held per-account lock (closing a period must not interleave with a sync's posting). */
export interface LedgerLock {
  release(): Promise<void>;
}

export interface LedgerStore {
  /** What is posted per key so far: the sum and the latest entry. */
  keyBalances(account: string): Promise<Map<string, KeyBalance>>;
  /** Appends entries in one transaction (seq continues the account's sequence). */
  postEntries(account: string, runId: string, entries: readonly NewLedgerEntry[], at: number): Promise<LedgerEntry[]>;
  ledgerEntries(account: string, filter: { period?: string; partnerId?: string }): Promise<LedgerEntry[]>;
  ledgerPeriods(account: string): Promise<{ period: string; entries: number; net: bigint }[]>;
  periodCloses(account: string): Promise<PeriodClose[]>;
  closePeriod(account: string, close: PeriodClose): Promise<void>;
  /** The per-account lock syncs take; refused after `waitMs`. */
  lock(account: string, waitMs: number): Promise<LedgerLock>;
}

/** What the finance use cases (exports, statements, periods) receive. */
export interface LedgerDeps {
  store: LedgerStore;
  clock: { now(): number };
  config: { readonly program: Program };
}
