// Keys that name one ledger entry. Fixed fees were posted as `-:{partnerId}:{period}` until
// docs/finance-rules.md §4 named them `fee:{partnerId}:{period}`; posted entries keep their keys (closed
// months export as they were), so the planner reads both spellings as the one current key.

import { FIXED_FEE_PREFIX } from '../domain/commissions.ts';
import type { KeyBalance } from './types.ts';

const OLD_FIXED_FEE_PREFIX = '-:';

/**
 * Balances by the key new entries are posted under: a fixed fee's postings under its old and
 * new key are summed, and the latest of them is the one the planner explains a change from.
 */
export function balancesByCurrentKey(balances: ReadonlyMap<string, KeyBalance>): Map<string, KeyBalance> {
  const out = new Map<string, KeyBalance>();
  for (const b of balances.values()) {
    const key = currentKey(b.key, b.last.dealId);
    const seen = out.get(key);
    out.set(
      key,
      seen === undefined
        ? { key, posted: b.posted, last: b.last }
        : { key, posted: seen.posted + b.posted, last: b.last.seq > seen.last.seq ? b.last : seen.last },
    );
  }
  return out;
}

/** The key new entries are posted under for a posted key: only fixed fees (no deal) changed spelling. */
export function currentKey(key: string, dealId: string | null): string {
  // a deal whose id is "-" keeps its own key
  return dealId === null && key.startsWith(OLD_FIXED_FEE_PREFIX)
    ? `${FIXED_FEE_PREFIX}:${key.slice(OLD_FIXED_FEE_PREFIX.length)}`
    : key;
}

/** The key as it may be stored: itself, and for a fixed fee also its old spelling. */
export function storedKeys(key: string): string[] {
  return key.startsWith(`${FIXED_FEE_PREFIX}:`)
    ? [key, `${OLD_FIXED_FEE_PREFIX}${key.slice(FIXED_FEE_PREFIX.length + 1)}`]
    : [key];
}

/** The reserved prefix of entries finance books by hand (docs/finance-rules.md §5 "Manual entries"). */
export const MANUAL_PREFIX = 'manual:';

/** `manual:{id}`: one segment after the prefix, so a deal whose id is "manual" (`manual:p1:2026-04`) is not one. */
export const isManualKey = (key: string): boolean =>
  key.startsWith(MANUAL_PREFIX) && !key.slice(MANUAL_PREFIX.length).includes(':');

export const manualKey = (id: string): string => `${MANUAL_PREFIX}${id}`;

/** Whether an entry counts in its key's running total (ledger_key_totals): the planner's own filter, manual entries out. */
export const inKeyTotals = (key: string, kind: string): boolean => kind !== 'manual' && !isManualKey(key);
