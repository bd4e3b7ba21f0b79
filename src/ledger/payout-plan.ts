// Which ledger entries a payout run pays (issue 20, docs/finance-rules.md §10.4). Pure: the
// entries, what earlier runs hold, the close state and the settings come in.
//
// An entry is eligible when no pending or paid payout line holds it, the month it is booked in
// is closed, and its payable date is on or before the cut-off. Per partner, the eligible entries
// are summed: a partner on hold, a balance of zero or less (clawbacks carried forward) or one
// below the minimum waits, its entries untouched, so they net into a later run; otherwise one
// line pays every eligible entry of the partner.

import type { LedgerEntry } from './types.ts';

export interface PayoutPlanInput {
  entries: readonly LedgerEntry[];
  /** Entries held by pending or paid lines of earlier runs. */
  allocated: ReadonlySet<string>;
  /** The last closed month, or null. */
  closedThrough: string | null;
  /** YYYY-MM-DD. */
  cutoff: string;
  /** Minor units: balances below wait. */
  minimum: bigint;
  holdPartners: ReadonlySet<string>;
}

export interface PlannedLine {
  partnerId: string;
  partnerName: string;
  amount: bigint;
  entryIds: string[];
}

export type WaitReason = 'held_partner' | 'not_positive' | 'below_minimum';

export interface WaitingBalance {
  partnerId: string;
  partnerName: string;
  amount: bigint;
  entries: number;
  reason: WaitReason;
}

export interface PayoutPlan {
  lines: PlannedLine[];
  waiting: WaitingBalance[];
}

/** An entry a run may pay (closed month, payable by the cut-off, not held by a line). */
export function eligible(
  e: LedgerEntry,
  input: Omit<PayoutPlanInput, 'entries' | 'minimum' | 'holdPartners'>,
): boolean {
  return (
    !input.allocated.has(e.id) &&
    input.closedThrough !== null &&
    e.period <= input.closedThrough &&
    e.payableOn <= input.cutoff
  );
}

export function planPayout(input: PayoutPlanInput): PayoutPlan {
  const byPartner = new Map<string, LedgerEntry[]>();
  for (const e of input.entries) {
    if (!eligible(e, input)) continue;
    const list = byPartner.get(e.partnerId);
    if (list) list.push(e);
    else byPartner.set(e.partnerId, [e]);
  }
  const lines: PlannedLine[] = [];
  const waiting: WaitingBalance[] = [];
  for (const partnerId of [...byPartner.keys()].sort()) {
    const list = (byPartner.get(partnerId) as LedgerEntry[]).sort((a, b) => a.seq - b.seq);
    const amount = list.reduce((s, e) => s + e.amount, 0n);
    // the latest name recorded for the partner
    const partnerName = (list[list.length - 1] as LedgerEntry).partnerName;
    const reason: WaitReason | null = input.holdPartners.has(partnerId)
      ? 'held_partner'
      : amount <= 0n
        ? 'not_positive'
        : amount < input.minimum
          ? 'below_minimum'
          : null;
    if (reason !== null) {
      waiting.push({ partnerId, partnerName, amount, entries: list.length, reason });
      continue;
    }
    lines.push({ partnerId, partnerName, amount, entryIds: list.map((e) => e.id) });
  }
  return { lines, waiting };
}
