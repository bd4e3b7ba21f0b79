// What the finance use cases of issue 20 receive (docs/architecture.md habit 5): the ledger's
// deps plus the finance tables, the cached CRM names, and where audit entries go. Callers (the
// CLI, the API) pass their own audit recorder, so the use cases record every action once.

import type { LedgerDeps, LedgerStore } from './port.ts';
import type { FinanceStore } from './finance-port.ts';

export interface NamedRecord {
  id: string;
  name?: string | null | undefined;
}

export interface FinanceLedgerStore extends LedgerStore {
  readonly finance: FinanceStore;
  /** The CRM records cached by the last sync: partner and deal names. */
  loadCache(account: string): Promise<{ partners: readonly NamedRecord[]; deals: readonly NamedRecord[] }>;
}

export type AuditAction =
  | 'adjustment.propose'
  | 'adjustment.approve'
  | 'adjustment.reject'
  | 'payout.create'
  | 'payout.approve'
  | 'payout.cancel'
  | 'payout.settle'
  | 'payout.export'
  | 'payee.update'
  | 'reconcile.run';

export type AuditRecorder = (
  action: AuditAction,
  actor: string,
  target: string | null,
  detail: Record<string, unknown>,
) => Promise<void>;

export interface FinanceDeps extends LedgerDeps {
  store: FinanceLedgerStore;
  audit: AuditRecorder;
}

/** Seconds a finance action waits for a running sync of the account before giving up. */
export const FINANCE_LOCK_WAIT_MS = 60_000;

/** Identities compared for the four-eyes rule: case and surrounding spaces do not make a second person. */
export const sameIdentity = (a: string, b: string): boolean => a.trim().toLowerCase() === b.trim().toLowerCase();
