// A posted ledger entry as its `ledger_entries` row: one mapping for every writer of the ledger
// (a sync's posting in kysely-store.ts, a manual entry in finance-queries.ts).

import type { Insertable } from 'kysely';
import type { LedgerEntry } from '../ledger/types.ts';
import type { LedgerEntryRow } from './schema.ts';

export function ledgerEntryRow(account: string, e: LedgerEntry): Insertable<LedgerEntryRow> {
  return {
    id: e.id,
    account,
    seq: e.seq,
    run_id: e.runId,
    key: e.key,
    kind: e.kind,
    period: e.period,
    original_period: e.originalPeriod,
    partner_id: e.partnerId,
    partner_name: e.partnerName,
    deal_id: e.dealId,
    deal_name: e.dealName,
    amount: e.amount,
    payable_at: e.payableAt,
    payable_on: e.payableOn,
    reason: e.reason,
    inputs: JSON.stringify(e.inputs),
    posted_at: e.postedAt,
  };
}
