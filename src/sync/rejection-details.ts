// What the run report says about deals left out for an unreadable date (TIMESTAMP_INVALID):
// the engine's rejection names the deal and the reason; finance also needs the field and the
// value the CRM holds, to find and fix the record.

import type { Rejection, SnapshotDeal } from '../domain/snapshot.ts';
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
    // an open deal's close date is an expectation the engine ignores (rules.md 2)
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
