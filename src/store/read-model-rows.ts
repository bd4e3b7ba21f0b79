// Issue 21, migration 015: the rows a scoped run needs to bring the read models forward without
// the whole account (src/sync/read-model-scope.ts) — partner rows' figures, deal rows, the top
// of a period by attributed revenue, a recipe's newest deals. Written inside writeReadModels'
// fenced transaction (kysely-store.ts), read by the scoped run before it writes.

import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from './schema.ts';
import type { ReadModelDealInput, ReadModelFigureRow, ReadModelFigures } from './store.ts';
import { chunks, numOrNull, toBig, toNum } from './row-values.ts';

type Db = Kysely<Database> | Transaction<Database>;

/** The figure columns of a partner row (all null without figures). */
export function figureColumns(f: ReadModelFigures | undefined): {
  sourced: bigint | null;
  attributed: bigint | null;
  commissions: bigint | null;
  cost: bigint | null;
  won: number | null;
  lost: number | null;
  last_activity: number | null;
  onboarded: number | null;
} {
  return {
    sourced: f?.sourced ?? null,
    attributed: f?.attributed ?? null,
    commissions: f?.commissions ?? null,
    cost: f?.cost ?? null,
    won: f?.won ?? null,
    lost: f?.lost ?? null,
    last_activity: f?.lastActivity ?? null,
    onboarded: f?.onboarded ?? null,
  };
}

const sameDeal = (a: ReadModelDealInput, b: ReadModelDealInput): boolean =>
  a.wonMonth === b.wonMonth && a.amount === b.amount && a.recipe === b.recipe && a.created === b.created;

function dealOf(r: {
  deal_id: string;
  won_month: number | null;
  amount: bigint | number | string | null;
  recipe: string | null;
  created_at: bigint | number | string;
}): ReadModelDealInput {
  return {
    id: r.deal_id,
    wonMonth: r.won_month === null ? null : toNum(r.won_month),
    amount: r.amount === null ? null : toBig(r.amount),
    recipe: r.recipe,
    created: toNum(r.created_at),
  };
}

/** Stored deal rows of these deals (every deal row of the account when `ids` is undefined). */
export async function dealRows(db: Db, account: string, ids?: readonly string[]): Promise<ReadModelDealInput[]> {
  const select = () =>
    db
      .selectFrom('read_model_deals')
      .select(['deal_id', 'won_month', 'amount', 'recipe', 'created_at'])
      .where('account', '=', account);
  if (ids === undefined) return (await select().execute()).map(dealOf);
  const out: ReadModelDealInput[] = [];
  for (const part of chunks([...new Set(ids)], 500))
    out.push(...(await select().where('deal_id', 'in', part).execute()).map(dealOf));
  return out;
}

/**
 * Writes deal rows, only those whose values changed. Complete: `deals` is every row and the
 * others go; else `deals` are upserted and `removed` go. Returns how many rows changed.
 */
export async function writeDealRows(
  trx: Transaction<Database>,
  account: string,
  deals: readonly ReadModelDealInput[],
  complete: boolean,
  removed: readonly string[],
): Promise<number> {
  const stored = new Map(
    (await dealRows(trx, account, complete ? undefined : deals.map((d) => d.id))).map((d) => [d.id, d]),
  );
  const changed = deals.filter((d) => {
    const s = stored.get(d.id);
    return s === undefined || !sameDeal(s, d);
  });
  for (const part of chunks(changed))
    await trx
      .insertInto('read_model_deals')
      .values(
        part.map((d) => ({
          account,
          deal_id: d.id,
          won_month: d.wonMonth,
          amount: d.amount,
          recipe: d.recipe,
          created_at: d.created,
        })),
      )
      .onConflict((oc) =>
        oc.columns(['account', 'deal_id']).doUpdateSet((eb) => ({
          won_month: eb.ref('excluded.won_month'),
          amount: eb.ref('excluded.amount'),
          recipe: eb.ref('excluded.recipe'),
          created_at: eb.ref('excluded.created_at'),
        })),
      )
      .execute();
  let gone: string[];
  if (complete) {
    const keep = new Set(deals.map((d) => d.id));
    gone = [...stored.keys()].filter((id) => !keep.has(id));
  } else gone = [...new Set(removed)];
  let deleted = 0;
  for (const part of chunks(gone, 500)) {
    const del = await trx
      .deleteFrom('read_model_deals')
      .where('account', '=', account)
      .where('deal_id', 'in', part)
      .executeTakeFirst();
    deleted += Number(del.numDeletedRows);
  }
  return changed.length + deleted;
}

/** Removes these partners' rows in every period; returns how many went. */
export async function removePartnerRows(
  trx: Transaction<Database>,
  account: string,
  ids: readonly string[],
): Promise<number> {
  let n = 0;
  for (const part of chunks([...new Set(ids)], 500)) {
    const del = await trx
      .deleteFrom('read_model_partners')
      .where('account', '=', account)
      .where('partner_id', 'in', part)
      .executeTakeFirst();
    n += Number(del.numDeletedRows);
  }
  return n;
}

/** Stored figures of these partners' rows, every period. */
export async function figureRows(db: Db, account: string, ids: readonly string[]): Promise<ReadModelFigureRow[]> {
  const out: ReadModelFigureRow[] = [];
  for (const part of chunks([...new Set(ids)], 500)) {
    const rows = await db
      .selectFrom('read_model_partners')
      .select([
        'period',
        'partner_id',
        'recipe',
        'sourced',
        'attributed',
        'commissions',
        'cost',
        'won',
        'lost',
        'last_activity',
        'onboarded',
      ])
      .where('account', '=', account)
      .where('partner_id', 'in', part)
      .execute();
    for (const r of rows)
      out.push({
        period: r.period,
        partnerId: r.partner_id,
        recipe: r.recipe,
        figures:
          r.sourced === null ||
          r.attributed === null ||
          r.commissions === null ||
          r.cost === null ||
          r.won === null ||
          r.lost === null
            ? null
            : {
                sourced: toBig(r.sourced),
                attributed: toBig(r.attributed),
                commissions: toBig(r.commissions),
                cost: toBig(r.cost),
                won: toNum(r.won),
                lost: toNum(r.lost),
                lastActivity: numOrNull(r.last_activity),
                onboarded: numOrNull(r.onboarded),
              },
      });
  }
  return out;
}

/**
 * Per period, the `count` highest attributed revenues above 0 with every row tied with the last
 * of them: one statement, each period read through the (account, period, attributed) index.
 */
export async function topAttributed(
  db: Db,
  account: string,
  periods: readonly string[],
  count: number,
): Promise<Map<string, { id: string; attributed: bigint }[]>> {
  const out = new Map<string, { id: string; attributed: bigint }[]>(periods.map((p) => [p, []]));
  if (count <= 0 || periods.length === 0) return out;
  // fewer than `count` rows above 0: the floor is 1 (amounts are whole minor units), i.e. all of them
  const parts = periods.map(
    (period) => sql`select * from (select period, partner_id as id, attributed from read_model_partners
      where account = ${account} and period = ${period} and attributed > 0 and attributed >= coalesce(
        (select attributed from read_model_partners where account = ${account} and period = ${period}
          and attributed > 0 order by attributed desc limit 1 offset ${count - 1}), 1)) t`,
  );
  const { rows } = await sql<{ period: string; id: string; attributed: bigint | number | string }>`${sql.join(
    parts,
    sql` union all `,
  )}`.execute(db);
  for (const r of rows) out.get(r.period)?.push({ id: r.id, attributed: toBig(r.attributed) });
  return out;
}

/**
 * Per recipe, its `count` newest deal rows, newest first (ties at the last creation time
 * included): one statement, each recipe read through the (account, recipe, created_at) index.
 */
export async function recipeDeals(
  db: Db,
  account: string,
  recipes: readonly string[],
  count: number,
): Promise<Map<string, { id: string; created: number }[]>> {
  const out = new Map<string, { id: string; created: number }[]>(recipes.map((r) => [r, []]));
  if (count <= 0 || recipes.length === 0) return out;
  const parts = recipes.map(
    (recipe) => sql`select * from (select recipe, deal_id as id, created_at from read_model_deals
      where account = ${account} and recipe = ${recipe} and created_at >= coalesce(
        (select created_at from read_model_deals where account = ${account} and recipe = ${recipe}
          order by created_at desc limit 1 offset ${count - 1}), ${Number.MIN_SAFE_INTEGER})) t`,
  );
  const { rows } = await sql<{ recipe: string; id: string; created_at: bigint | number | string }>`${sql.join(
    parts,
    sql` union all `,
  )}`.execute(db);
  for (const r of rows) out.get(r.recipe)?.push({ id: r.id, created: toNum(r.created_at) });
  for (const list of out.values()) list.sort((a, b) => b.created - a.created);
  return out;
}
