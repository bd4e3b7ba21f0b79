// The sort columns of a partner's read-model row (issue 21, migration 016; attributed revenue and
// last activity as sort_attributed and sort_last_activity, apart from migration 015's figure
// columns): what the dashboard's partner list orders by, taken from the row's stored body so the writer (writeReadModels) and
// the migration's backfill agree whoever built the body. Each column orders exactly as the list
// did in memory (src/http/ui/pages/partners.ts before paging): names lower-cased, amounts in
// minor units, ratios with four decimals as integers, instants in epoch milliseconds; null where
// the partner has no value (such rows come last whichever the direction).

/** The sort columns of read_model_partners, by name. */
export interface PartnerSortColumns {
  sort_name: string;
  score: number | null;
  tier_rank: number | null;
  fit: number | null;
  sort_attributed: bigint;
  win_rate: number | null;
  sort_last_activity: number | null;
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const obj = (v: unknown): Record<string, unknown> =>
  typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {};

/** Four-decimal ratios (win rate, fit score) as whole ten-thousandths: exact integer order. */
const tenThousandths = (v: number | null): number | null => (v === null ? null : Math.round(v * 10_000));

/** The range of a bigint column (PostgreSQL and SQLite): 64-bit signed. */
const INT64_MAX = 2n ** 63n - 1n;

/**
 * A decimal amount as the engine formats it ("-12.34", "100") in minor units, held to the
 * column's 64-bit range (amounts beyond ±9.2·10^18 minor units all sort as the largest).
 */
function minor(v: unknown): bigint {
  if (typeof v !== 'string' || !/^-?\d+(\.\d+)?$/.test(v)) return 0n;
  const n = BigInt(v.replace('.', ''));
  return n > INT64_MAX ? INT64_MAX : n < -INT64_MAX ? -INT64_MAX : n;
}

/** The sort columns of one row, from its name and body (a PartnerReadRow, src/sync/read-model-build.ts). */
export function partnerSortColumns(name: string, body: unknown): PartnerSortColumns {
  const row = obj(body);
  const out = obj(row['out']);
  const kpis = obj(out['kpis']);
  const last = kpis['lastActivityAt'];
  const lastMs = typeof last === 'string' ? Date.parse(last) : NaN;
  return {
    sort_name: name.toLowerCase(),
    score: num(obj(out['health'])['score']),
    tier_rank: num(row['tierRank']),
    fit: tenThousandths(num(obj(out['fit'])['score'])),
    sort_attributed: minor(kpis['attributedRevenue']),
    win_rate: tenThousandths(num(row['winRate365'])),
    sort_last_activity: Number.isNaN(lastMs) ? null : lastMs,
  };
}

/** The list's sort keys and the column each orders by (alerts: open episodes, counted when read). */
export const PARTNER_SORT_COLUMNS = {
  name: 'sort_name',
  recipe: 'recipe',
  health: 'score',
  tier: 'tier_rank',
  fit: 'fit',
  attributed: 'sort_attributed',
  winRate: 'win_rate',
  lastActivity: 'sort_last_activity',
  alerts: null,
} as const;

export type PartnerSortKey = keyof typeof PARTNER_SORT_COLUMNS;
