// Dates on deals read from a CRM are believed only within the years 1900–2200: a close date of
// 0026-03-01 or 2206-03-01 is a typing mistake, not a date (docs/finance-rules.md reads any year 0000–9999,
// so compute alone would book it). Such a value is handed on marked, as text no date parser
// reads: the engine leaves the deal out as TIMESTAMP_INVALID, like any other unreadable date,
// and the run report names the field and the value (sync/rejection-details.ts).

export const FIRST_DEAL_YEAR = 1900;
export const LAST_DEAL_YEAR = 2200;

const ISO_YEAR = /^(\d{4})-/;
const EXTENDED_YEAR = /^[+-]\d{6}-/;

/** An instant (ISO-8601 text) as the CRM adapters hand it on: unchanged, or marked when its year is out of range. */
export function dealDate(instant: string): string;
export function dealDate(instant: string | null): string | null;
export function dealDate(instant: string | null): string | null {
  if (instant === null) return null;
  const year = ISO_YEAR.exec(instant)?.[1];
  const outside =
    year === undefined ? EXTENDED_YEAR.test(instant) : Number(year) < FIRST_DEAL_YEAR || Number(year) > LAST_DEAL_YEAR;
  // text that is not an instant at all passes as it is: the engine already cannot read it
  return outside ? `${instant} (outside the years ${FIRST_DEAL_YEAR}–${LAST_DEAL_YEAR})` : instant;
}
