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
    // only fixed fees (no deal): a deal whose id is "-" keeps its own key
    const key =
      b.last.dealId === null && b.key.startsWith(OLD_FIXED_FEE_PREFIX)
        ? `${FIXED_FEE_PREFIX}:${b.key.slice(OLD_FIXED_FEE_PREFIX.length)}`
        : b.key;
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

/** The reserved prefix of entries finance books by hand (docs/finance-rules.md §5 "Manual entries"). */
export const MANUAL_PREFIX = 'manual:';

/** `manual:{id}`: one segment after the prefix, so a deal whose id is "manual" (`manual:p1:2026-04`) is not one. */
export const isManualKey = (key: string): boolean =>
  key.startsWith(MANUAL_PREFIX) && !key.slice(MANUAL_PREFIX.length).includes(':');

export const manualKey = (id: string): string => `${MANUAL_PREFIX}${id}`;
