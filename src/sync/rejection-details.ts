// What the run report says about deals left out: the engine's rejection names the deal and the
// reason; finance also needs the field and the value the CRM holds, and the fix (issue 17).
// Unreadable dates (TIMESTAMP_INVALID) also become warnings naming the field and value.

import { LEDGER_COMMISSION_LIMIT } from '../domain/commissions.ts';
import { formatMinor } from '../domain/money.ts';
import type { Rejection, SnapshotDeal } from '../domain/snapshot.ts';
import type { Program } from '../domain/program.ts';
import type { TimeZone } from '../domain/time.ts';

/** One line per unreadable date of each TIMESTAMP_INVALID deal: `deal D left out (TIMESTAMP_INVALID): closedAt "…"`. */
export function timestampDetails(
  deals: readonly SnapshotDeal[],
  rejected: readonly Rejection[],
  tz: TimeZone,
): string[] {
  const ids = new Set(rejected.filter((r) => r.reason === 'TIMESTAMP_INVALID').map((r) => r.dealId));
  if (ids.size === 0) return [];
  const lines: string[] = [];
  for (const d of deals) {
    if (!ids.has(d.id)) continue;
    // an open deal's close date is an expectation the engine ignores (docs/finance-rules.md §2)
    const fields = d.stage === 'open' ? (['createdAt'] as const) : (['createdAt', 'closedAt'] as const);
    for (const field of fields) {
      const value = d[field];
      if (typeof value === 'string' && tz.parse(value) !== null) continue;
      if (field === 'closedAt' && (value === null || value === undefined)) continue;
      lines.push(
        `deal ${d.id} left out (TIMESTAMP_INVALID): ${field} ${JSON.stringify(value ?? null)} is not a date partnersync reads; fix it in the CRM`,
      );
    }
  }
  return lines;
}

/** A rejected deal with what the CRM holds and what to do about it. */
export interface RejectedDeal {
  dealId: string;
  reason: string;
  /** The offending value and the fix, e.g. `CAD — add program.exchangeRates.CAD`. */
  detail: string;
}

const shown = (v: unknown): string => (v === null || v === undefined || v === '' ? 'empty' : JSON.stringify(v));

/**
 * One line of detail per rejection: the value the deal holds and the fix. Rejections are the
 * engine's (docs/finance-rules.md §2, docs/finance-rules.md); the detail only re-reads the cached deal.
 */
export function rejectionDetails(
  deals: readonly SnapshotDeal[],
  rejected: readonly Rejection[],
  program: Pick<Program, 'currency' | 'rates' | 'exponent'>,
  tz: TimeZone,
  asOf: number,
): RejectedDeal[] {
  const byId = new Map<string, SnapshotDeal>();
  for (const d of deals) if (!byId.has(d.id)) byId.set(d.id, d);
  return rejected.map((r) => ({ ...r, detail: detailOf(byId.get(r.dealId), r.reason, program, tz, asOf) }));
}

function detailOf(
  d: SnapshotDeal | undefined,
  reason: string,
  program: Pick<Program, 'currency' | 'rates' | 'exponent'>,
  tz: TimeZone,
  asOf: number,
): string {
  if (reason === 'ID_INVALID') return 'the CRM sent a deal without an id; it cannot be linked or paid';
  if (reason === 'DUPLICATE_DEAL') return 'the CRM listed this id more than once; only the first copy counts';
  if (d === undefined) return reason;
  switch (reason) {
    case 'AMOUNT_INVALID':
      return `amount ${shown(d.amount)} — set a non-negative decimal amount on the deal in the CRM`;
    case 'CURRENCY_UNKNOWN': {
      const c = typeof d.currency === 'string' ? d.currency.trim() : '';
      if (c === '') return `no currency — set the deal's currency in the CRM (the program's is ${program.currency})`;
      if (program.rates.has(c))
        return `${c} has no rate in effect on the deal's date — add an earlier dated rate to program.exchangeRates.${c}`;
      return `${c} — add program.exchangeRates.${c}`;
    }
    case 'STAGE_INVALID':
      return `stage ${shown(d.stage)} — map the CRM's stage to open, won or lost in the crm settings`;
    case 'CLOSE_DATE_MISSING':
      return `${d.stage} without a close date — set the close date on the deal in the CRM`;
    case 'FUTURE_TIMESTAMP': {
      const late = [d.createdAt, d.stage === 'open' ? null : d.closedAt].find(
        (v) => typeof v === 'string' && (tz.parse(v) ?? 0) > asOf,
      );
      return `${shown(late)} is after the run (${new Date(asOf).toISOString()}) — correct the date in the CRM; the deal counts once that time has passed`;
    }
    case 'TIMESTAMP_INVALID': {
      const bad = (['createdAt', 'closedAt'] as const).find((f) => {
        const v = d[f];
        return (
          !(f === 'closedAt' && (v === null || v === undefined)) && (typeof v !== 'string' || tz.parse(v) === null)
        );
      });
      return `${bad ?? 'a date'} ${shown(bad === undefined ? null : d[bad])} is not a date partnersync reads — fix it in the CRM`;
    }
    case 'COMMISSION_TOO_LARGE':
      return `amount ${shown(d.amount)} ${typeof d.currency === 'string' ? d.currency : ''}: a partner's commission on it would exceed the most the ledger holds for one partner on one deal (${formatMinor(LEDGER_COMMISSION_LIMIT, program.exponent)} ${program.currency}) — correct the amount in the CRM, or set capPerDeal on the plan that pays it`;
    default:
      return reason;
  }
}
