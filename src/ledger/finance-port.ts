// What the finance use cases of issue 20 need from a database, beside the ledger's own port:
// manual adjustments awaiting a second approval, payout runs with their lines and the entries
// each line pays, and sealed payee details. src/store/finance-queries.ts implements it.

import type { Fence } from './port.ts';
import type { LedgerEntry, NewLedgerEntry } from './types.ts';

export type AdjustmentStatus = 'proposed' | 'approved' | 'rejected';

export interface ManualAdjustment {
  id: string;
  partnerId: string;
  partnerName: string;
  /** Minor units of the program currency; negative allowed. */
  amount: bigint;
  /** Finance's own reason (export, audit); never on a statement. */
  reason: string;
  /** What the partner reads on the statement. */
  description: string;
  dealId: string | null;
  dealName: string | null;
  targetPeriod: string;
  status: AdjustmentStatus;
  proposedBy: string;
  proposedAt: number;
  decidedBy: string | null;
  decidedAt: number | null;
  decisionNote: string | null;
  entryId: string | null;
  bookedPeriod: string | null;
}

export type PayoutRunStatus = 'draft' | 'approved' | 'cancelled';
/** pending until the bank confirms; failed lines give their entries back; paid lines never change. */
export type PayoutLineStatus = 'pending' | 'paid' | 'failed' | 'cancelled';

export interface PayoutLine {
  id: string;
  runId: string;
  partnerId: string;
  partnerName: string;
  amount: bigint;
  status: PayoutLineStatus;
  reference: string | null;
  settledBy: string | null;
  settledAt: number | null;
  /** The ledger entries this line pays (their sum is the amount). */
  entryIds: string[];
}

export interface PayoutRun {
  id: string;
  cutoff: string;
  status: PayoutRunStatus;
  currency: string;
  total: bigint;
  createdBy: string;
  createdAt: number;
  approvedBy: string | null;
  approvedAt: number | null;
  cancelledBy: string | null;
  cancelledAt: number | null;
  lines: PayoutLine[];
}

export interface SealedPayee {
  partnerId: string;
  sealed: string;
  updatedBy: string;
  updatedAt: number;
}

export type SettleOutcome = 'settled' | 'unchanged' | 'not_found' | 'run_not_approved' | 'final';

export interface FinanceStore {
  insertAdjustment(account: string, a: ManualAdjustment): Promise<void>;
  adjustments(account: string, status?: AdjustmentStatus): Promise<ManualAdjustment[]>;
  adjustment(account: string, id: string): Promise<ManualAdjustment | null>;
  /**
   * Approval: the adjustment still proposed becomes approved and its entry is appended to the
   * ledger (the account's next seq), in one transaction that first checks the caller still owns
   * the account (the fence, AccountLostError); null when it was decided meanwhile.
   */
  approveAdjustment(
    fence: Fence,
    id: string,
    decidedBy: string,
    at: number,
    entry: NewLedgerEntry,
  ): Promise<LedgerEntry | null>;
  rejectAdjustment(account: string, id: string, decidedBy: string, at: number, note: string): Promise<boolean>;

  /** Ids of entries a pending or paid payout line holds (failed and cancelled lines free theirs). */
  allocatedEntryIds(account: string): Promise<Set<string>>;
  /** A new run (draft) with its lines and their entries, in one transaction under the caller's fence. */
  insertPayoutRun(fence: Fence, run: PayoutRun): Promise<void>;
  payoutRuns(account: string): Promise<PayoutRun[]>;
  payoutRun(account: string, id: string): Promise<PayoutRun | null>;
  /** draft → approved; false when the run is not a draft any more. */
  approvePayoutRun(account: string, id: string, by: string, at: number): Promise<boolean>;
  /** draft → cancelled, its lines cancelled (their entries unpaid again); false when not a draft. */
  cancelPayoutRun(account: string, id: string, by: string, at: number): Promise<boolean>;
  /** A pending line of an approved run becomes paid or failed; paid and failed lines never change. */
  settlePayoutLine(
    account: string,
    runId: string,
    lineId: string,
    status: 'paid' | 'failed',
    reference: string | null,
    by: string,
    at: number,
  ): Promise<SettleOutcome>;

  payee(account: string, partnerId: string): Promise<SealedPayee | null>;
  payees(account: string): Promise<SealedPayee[]>;
  savePayee(account: string, payee: SealedPayee): Promise<void>;
}
