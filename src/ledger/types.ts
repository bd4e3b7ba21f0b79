// The ledger's model (docs/finance-rules.md §5): append-only entries, what produced each one,
// balances per key and period closes. The planner (plan.ts), finance views (exports.ts,
// periods.ts) and the persistence port (port.ts) speak these types; the store implements the port.

/**
 * The first posting of a key, a reversal because the deal is no longer won, or any other
 * difference; `manual`: an entry finance booked by hand under `manual:{id}` (§5 "Manual entries").
 */
export type LedgerKind = 'accrual' | 'adjustment' | 'clawback' | 'manual';

/** Who booked a manual entry and why (issue 20): the internal reason and the partner-facing description. */
export interface ManualInputs {
  adjustmentId: string;
  proposedBy: string;
  approvedBy: string;
  reason: string;
  description: string;
  /** The period finance asked for (the entry is booked in the next open one when it is closed). */
  targetPeriod: string;
}

/** What produced a ledger entry (docs/finance-rules.md §5): enough to explain a statement line. */
export interface LedgerInputs {
  recipe: string;
  plan: string;
  planType: 'percent' | 'flat' | 'fixed_fee' | 'manual';
  /** Attributed amount the commission is based on (base currency, decimal), deal entries. */
  basis: string | null;
  rateBps: number | null;
  tier: string | null;
  wonDealsForTier: number | null;
  /** The deal's own amount and currency, the rate applied and A(d). */
  dealAmount: string | null;
  dealCurrency: string | null;
  exchangeRate: string | null;
  baseAmount: string | null;
  attributionModel: string;
  role: 'sourced' | 'influenced' | null;
  /** The row's whole commission after the cap; instalment k of n. */
  commission: string;
  instalment: number;
  instalments: number | null;
  capped: boolean;
  /** The target amount of the key after this posting (decimal). */
  target: string;
  /** When the deal closed won (ms), for the clawback window. */
  dealClosedAt: number | null;
  clawbackDays: number;
  /** Manual entries only: author, approver, reason and the statement's description. */
  manual?: ManualInputs;
}

export interface NewLedgerEntry {
  key: string;
  kind: LedgerKind;
  period: string;
  originalPeriod: string;
  partnerId: string;
  partnerName: string;
  dealId: string | null;
  dealName: string | null;
  amount: bigint;
  payableAt: number;
  payableOn: string;
  reason: string;
  inputs: LedgerInputs;
}

export interface LedgerEntry extends NewLedgerEntry {
  id: string;
  seq: number;
  runId: string;
  postedAt: number;
}

/** What is posted per key so far: the sum and the latest entry (its inputs, names, payability). */
export interface KeyBalance {
  key: string;
  posted: bigint;
  last: LedgerEntry;
}

export interface PeriodClose {
  period: string;
  closedAt: number;
  closedBy: string;
}

/** A target entry (docs/finance-rules.md §4) in ledger terms: an entry before its kind, original period and reason. */
export type TargetEntry = Omit<NewLedgerEntry, 'kind' | 'originalPeriod' | 'reason'>;
