// Values as the two databases hand them back (PostgreSQL's bigint arrives as a string, SQLite's
// as a number or bigint), and the parts an id list is cut into so an SQL `in (…)` or a multi-row
// INSERT stays well under either database's bound-parameter limit. Shared by the store modules.

/** Rows per INSERT: well under SQLite's and PostgreSQL's bound-parameter limits. */
export const CHUNK = 200;

export const toNum = (v: bigint | number | string): number => (typeof v === 'number' ? v : Number(v));
export const toBig = (v: bigint | number | string): bigint => (typeof v === 'bigint' ? v : BigInt(v));
export const numOrNull = (v: bigint | number | string | null): number | null => (v === null ? null : toNum(v));

export function chunks<T>(items: readonly T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
