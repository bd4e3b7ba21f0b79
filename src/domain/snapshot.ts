// The canonical snapshot (docs/finance-rules.md §1.2): what adapters produce and `compute` reads.
// Fields are typed loosely on purpose: a snapshot comes from a CRM or a file, and every
// malformed value must end in a named rejection, never in an exception.

export type Stage = 'open' | 'won' | 'lost';
export const STAGES: readonly Stage[] = ['open', 'won', 'lost'];
export type RegistrationStatus = 'submitted' | 'approved' | 'rejected' | 'expired';
export const REGISTRATION_STATUSES: readonly RegistrationStatus[] = ['submitted', 'approved', 'rejected', 'expired'];

export interface SnapshotPartner {
  id: string;
  name?: string | null | undefined;
  recipe?: string | null | undefined;
  tier?: string | null | undefined;
  onboardedAt?: string | null | undefined;
  endedAt?: string | null | undefined;
  ratings?: Readonly<Record<string, unknown>> | null | undefined;
  fit?: Readonly<Record<string, unknown>> | null | undefined;
}

export interface SnapshotRegistration {
  partnerId?: string | null | undefined;
  status?: string | null | undefined;
  submittedAt?: string | null | undefined;
  decidedAt?: string | null | undefined;
  expiresAt?: string | null | undefined;
}

export interface SnapshotTouch {
  partnerId: string;
  at: string;
}

export interface SnapshotDeal {
  id: string;
  name?: string | null | undefined;
  amount?: unknown;
  currency?: string | null | undefined;
  stage: string;
  createdAt: string;
  closedAt?: string | null | undefined;
  customerId?: string | null | undefined;
  recipe?: string | null | undefined;
  sourcePartnerId?: string | null | undefined;
  registration?: SnapshotRegistration | null | undefined;
  touches?: readonly SnapshotTouch[] | null | undefined;
}

export interface Snapshot {
  partners: readonly SnapshotPartner[];
  deals: readonly SnapshotDeal[];
}

/**
 * Why a deal is left out. Four are docs/finance-rules.md §2; the others are partnersync's own, for deals too
 * malformed to evaluate (see README, "How partnersync reads the rules", for the order). A
 * malformed touch or registration only drops that part, with a warning.
 */
export type RejectionReason =
  | 'AMOUNT_INVALID'
  | 'CURRENCY_UNKNOWN'
  | 'CLOSE_DATE_MISSING'
  | 'FUTURE_TIMESTAMP'
  | 'ID_INVALID'
  | 'DUPLICATE_DEAL'
  | 'STAGE_INVALID'
  | 'TIMESTAMP_INVALID'
  /** Sync mode only: a commission on the deal beyond what the ledger holds (docs/finance-rules.md §10.2). */
  | 'COMMISSION_TOO_LARGE';

export interface Rejection {
  dealId: string;
  reason: RejectionReason;
}
