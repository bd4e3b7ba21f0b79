// Ledger periods (docs/finance-rules.md §5): calendar months in the program time zone. Closing a month closes
// it and every earlier one; a closed month never changes, later differences for it are booked in
// the oldest open month (ledger.ts). Closing takes the account lock, so it never races a sync's
// posting.

import { formatInstant, monthLabel, parseMonthLabel, TimeZone } from '../domain/time.ts';
import { formatMinor } from '../domain/money.ts';
import { LedgerInputError } from './errors.ts';
import type { LedgerDeps } from './port.ts';
import { closedThrough, closeOf } from './plan.ts';
import { parseLedgerPeriod } from './exports.ts';

export interface PeriodInfo {
  period: string;
  state: 'open' | 'closed';
  closedAt: string | null;
  /** Who closed it: a token's name (or `role#n`), the SSO user, or the CLI's --by. */
  closedBy: string | null;
  entries: number;
  net: string;
}

/** Every month from the first one with entries (or closed) to the current month. */
export async function listPeriods(deps: LedgerDeps, account: string): Promise<PeriodInfo[]> {
  const { store, config, clock } = deps;
  const tz = new TimeZone(config.program.timezone);
  const stats = await store.ledgerPeriods(account);
  const closes = await store.periodCloses(account);
  const months = [...stats.map((s) => s.period), ...closes.map((c) => c.period)].map((p) => parseMonthLabel(p) ?? 0);
  const current = tz.monthOf(clock.now());
  if (months.length === 0) return [];
  const first = Math.min(...months);
  const last = Math.max(current, ...months);
  const byPeriod = new Map(stats.map((s) => [s.period, s]));
  const out: PeriodInfo[] = [];
  for (let m = first; m <= last; m++) {
    const period = monthLabel(m);
    const close = closeOf(closes, period);
    const s = byPeriod.get(period);
    out.push({
      period,
      state: close ? 'closed' : 'open',
      closedAt: close ? formatInstant(close.closedAt) : null,
      closedBy: close ? close.closedBy : null,
      entries: s?.entries ?? 0,
      net: formatMinor(s?.net ?? 0n, config.program.exponent),
    });
  }
  return out;
}

export interface CloseResult {
  period: string;
  /** Months closed by this call (the period and the open months before it that had entries or came after the last close). */
  closedThrough: string;
  alreadyClosed: boolean;
  closedAt: string;
}

/** Seconds a close waits for a running sync of the account before giving up. */
const CLOSE_LOCK_WAIT_MS = 60_000;

export async function closePeriod(
  deps: LedgerDeps,
  account: string,
  periodText: string,
  closedBy: string,
): Promise<CloseResult> {
  const period = parseLedgerPeriod(periodText);
  const { store, config, clock } = deps;
  const tz = new TimeZone(config.program.timezone);
  const now = clock.now();
  const idx = parseMonthLabel(period) ?? 0;
  if (tz.monthStart(idx + 1) > now) {
    throw new LedgerInputError(
      `period ${period} has not ended yet (it ends ${formatInstant(tz.monthStart(idx + 1))} in ${tz.name}): close it after its last day`,
    );
  }
  const lock = await store.lock(account, CLOSE_LOCK_WAIT_MS);
  try {
    const closes = await store.periodCloses(account);
    const through = closedThrough(closes);
    if (through !== null && through >= period) {
      const close = closeOf(closes, period);
      return { period, closedThrough: through, alreadyClosed: true, closedAt: formatInstant(close?.closedAt ?? now) };
    }
    await store.closePeriod(lock.fence, { period, closedAt: now, closedBy });
    return { period, closedThrough: period, alreadyClosed: false, closedAt: formatInstant(now) };
  } finally {
    await lock.release();
  }
}
