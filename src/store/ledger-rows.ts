// A posted ledger entry as its `ledger_entries` row: one mapping for every writer of the ledger
// (a sync's posting in kysely-store.ts, a manual entry in finance-queries.ts).

import { sql, type Insertable, type Kysely } from 'kysely';
import { currentKey, inKeyTotals } from '../ledger/keys.ts';
import type { LedgerEntry } from '../ledger/types.ts';
import type { Database, LedgerEntryRow } from './schema.ts';

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

/**
 * Adds posted entries to their keys' running totals (ledger_key_totals, migration 012), inside the
 * transaction that inserts them: every writer of ledger_entries calls this.
 */
export async function addKeyTotals(
  trx: Kysely<Database>,
  account: string,
  posted: readonly LedgerEntry[],
): Promise<void> {
  const sums = new Map<string, { posted: bigint; partner_id: string; deal_id: string | null }>();
  for (const e of posted) {
    if (!inKeyTotals(e.key, e.kind)) continue;
    const key = currentKey(e.key, e.dealId);
    const sum = sums.get(key) ?? { posted: 0n, partner_id: e.partnerId, deal_id: e.dealId };
    sum.posted += e.amount;
    sums.set(key, sum);
  }
  // the partner and deal (migration 014) let a scoped run read the totals of its partners only
  const rows = [...sums].map(([key, s]) => ({ account, key, ...s }));
  for (let i = 0; i < rows.length; i += 500) {
    await trx
      .insertInto('ledger_key_totals')
      .values(rows.slice(i, i + 500))
      .onConflict((oc) =>
        oc.columns(['account', 'key']).doUpdateSet({ posted: sql`ledger_key_totals.posted + excluded.posted` }),
      )
      .execute();
  }
  await addPeriodTotals(trx, account, posted);
}

/**
 * Adds posted entries (manual ones included) to their month's count and net
 * (ledger_period_totals, migration 016), so the ledger's months are listed without summing every
 * entry (issue 21: the program page and the periods page). Called by addKeyTotals, in the same
 * transaction, so every writer of ledger_entries keeps it.
 */
export async function addPeriodTotals(
  trx: Kysely<Database>,
  account: string,
  posted: readonly LedgerEntry[],
): Promise<void> {
  const sums = new Map<string, { entries: number; net: bigint }>();
  for (const e of posted) {
    const s = sums.get(e.period) ?? { entries: 0, net: 0n };
    s.entries++;
    s.net += e.amount;
    sums.set(e.period, s);
  }
  const rows = [...sums].map(([period, s]) => ({ account, period, entries: s.entries, net: s.net }));
  for (let i = 0; i < rows.length; i += 500) {
    await trx
      .insertInto('ledger_period_totals')
      .values(rows.slice(i, i + 500))
      .onConflict((oc) =>
        oc.columns(['account', 'period']).doUpdateSet({
          entries: sql`ledger_period_totals.entries + excluded.entries`,
          net: sql`ledger_period_totals.net + excluded.net`,
        }),
      )
      .execute();
  }
}
