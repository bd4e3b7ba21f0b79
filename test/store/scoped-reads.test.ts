// A scoped run's reads (issue 21, migration 018): the open episodes naming some partners or deals
// or of some codes, and the last states of some partners, read by index instead of the account's
// whole lists — each must equal the whole list filtered, on SQLite and PostgreSQL, across more ids
// than one SQL in-list holds, with resolved episodes and another account's beside them — and the
// deals naming some partners, read from the covering index (not every reference of the account);
// and each recipe's last deal outside the deals in scope (lastDealByRecipe), read a few rows first.

import { randomUUID } from 'node:crypto';
import { CompiledQuery, sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import type { KyselyStore } from '../../src/store/kysely-store.ts';
import type { AlertChanges } from '../../src/store/store.ts';
import { lastDealByRecipe } from '../../src/sync/read-model-scope.ts';
import { makeWorld, storeTargets, testConfig } from '../sync/helpers.ts';

type Opened = AlertChanges['open'][number];

/** 1,300 episodes over 650 partners and 400 deals, with program-level ones, opened over three runs. */
function episodes(account: string): Opened[] {
  const out: Opened[] = [];
  for (let i = 0; i < 1300; i++) {
    const kind = i % 5;
    const partnerId = kind === 4 ? null : `p${i % 650}`;
    const dealId = kind === 1 || kind === 2 ? `d${i % 400}` : null;
    const code = kind === 4 ? (i % 2 === 0 ? 'RECIPE_UNUSED' : 'CURRENCY_RATE_MISSING') : `CODE_${kind}`;
    const recipe = kind === 4 ? `r${i}` : null;
    out.push({
      id: `ep-${account}-${String(i).padStart(4, '0')}`,
      alertKey: [code, partnerId ?? '', dealId ?? '', recipe ?? '', i].join('|'),
      code,
      severity: 'warning',
      partnerId,
      dealId,
      recipe,
      message: `m${i}`,
      detail: { i },
    });
  }
  return out;
}

/**
 * The query plan of a compiled query. PostgreSQL: with the table's statistics, and told not to
 * scan it, the planner shows which index answers.
 */
async function planOf(store: KyselyStore, kind: string, q: CompiledQuery, table: string): Promise<string> {
  if (kind === 'sqlite') {
    const rows = await store.db.executeQuery<{ detail: string }>(
      CompiledQuery.raw(`explain query plan ${q.sql}`, [...q.parameters]),
    );
    return rows.rows.map((r) => r.detail).join('; ');
  }
  await sql`analyze ${sql.table(table)}`.execute(store.db);
  return store.db.transaction().execute(async (trx) => {
    await sql`set local enable_seqscan = off`.execute(trx);
    const rows = await trx.executeQuery<{ 'QUERY PLAN': string }>(
      CompiledQuery.raw(`explain ${q.sql}`, [...q.parameters]),
    );
    return rows.rows.map((r) => r['QUERY PLAN']).join('; ');
  });
}

describe.each(storeTargets())('open episodes and partner states by subject on $name', (target) => {
  it('equal the whole lists filtered, each episode once, in the same order, read by index', async () => {
    const w = await makeWorld(target);
    const account = `acct-subjects-${randomUUID()}`;
    const other = `acct-other-${randomUUID()}`;
    const all = episodes(account);
    for (const acct of [account, other]) {
      const lock = await w.store.lock(acct, 0);
      const mine = acct === account ? all : episodes(acct);
      // three runs open a third each (different opened_at), then a fourth resolves every seventh
      for (let run = 0; run < 3; run++)
        await w.store.applyAlerts(
          acct,
          {
            runId: `run-${run}`,
            at: 1000 * (3 - run),
            open: mine.filter((_, i) => i % 3 === run),
            update: [],
            resolve: [],
            partnerStates: Array.from({ length: 700 }, (_, i) => ({
              partnerId: `p${i}`,
              healthScore: run === 2 && i % 9 === 0 ? null : (i * 7 + run) % 100,
              result: { id: `p${i}`, run },
            })),
            tasks: [],
          },
          lock.fence,
        );
      await w.store.applyAlerts(
        acct,
        {
          runId: 'run-3',
          at: 4000,
          open: [],
          update: [],
          resolve: mine.filter((_, i) => i % 7 === 0).map((e) => e.id),
          partnerStates: [],
          tasks: [],
        },
        lock.fence,
      );
      await lock.release();
    }

    const open = await w.store.openEpisodes(account);
    expect(open).toHaveLength(1300 - Math.ceil(1300 / 7));
    const partnerIds = Array.from({ length: 600 }, (_, i) => `p${(i * 13) % 650}`).concat(['p-none', 'p1']);
    const dealIds = Array.from({ length: 520 }, (_, i) => `d${(i * 3) % 400}`).concat(['d-none']);
    const cases = [
      { partnerIds, dealIds, codes: ['RECIPE_UNUSED'] },
      { partnerIds: [], dealIds, codes: [] },
      { partnerIds: ['p3', 'p4'], dealIds: [], codes: ['RECIPE_UNUSED', 'CURRENCY_RATE_MISSING'] },
      { partnerIds: [], dealIds: [], codes: [] },
    ];
    for (const subjects of cases) {
      const p = new Set(subjects.partnerIds);
      const d = new Set(subjects.dealIds);
      const c = new Set(subjects.codes);
      const expected = open.filter(
        (e) => (e.partnerId !== null && p.has(e.partnerId)) || (e.dealId !== null && d.has(e.dealId)) || c.has(e.code),
      );
      const got = await w.store.openEpisodesOf(account, subjects);
      expect(got).toEqual(expected);
      expect(new Set(got.map((e) => e.id)).size).toBe(got.length);
    }
    // the first case reaches episodes by partner, by deal only and by code only
    const first = await w.store.openEpisodesOf(account, cases[0] as (typeof cases)[number]);
    const named = new Set(partnerIds);
    expect(first.some((e) => e.partnerId !== null && named.has(e.partnerId))).toBe(true);
    expect(first.some((e) => e.dealId !== null && (e.partnerId === null || !named.has(e.partnerId)))).toBe(true);
    expect(first.some((e) => e.code === 'RECIPE_UNUSED' && e.partnerId === null && e.dealId === null)).toBe(true);

    const states = await w.store.partnerStates(account);
    expect(states).toHaveLength(700);
    const wanted = new Set([...partnerIds, 'p699', 'p-none']);
    const gotStates = await w.store.partnerStatesOf(account, [...wanted]);
    expect(gotStates).toEqual(states.filter((s) => wanted.has(s.partnerId)));
    expect(gotStates.some((s) => s.healthScore === null)).toBe(true);
    expect(await w.store.partnerStatesOf(account, [])).toEqual([]);

    // read through the open-episode indexes of migration 018
    const plans: string[] = [];
    for (const column of ['partner_id', 'deal_id', 'code'] as const) {
      // the store's query, as openEpisodesOf builds it
      const q = w.store.db
        .selectFrom('alert_episodes')
        .selectAll()
        .where('account', '=', account)
        .where('resolved_at', 'is', null)
        .where(column, 'in', ['x', 'y'])
        .compile();
      plans.push(await planOf(w.store, target.name, q, 'alert_episodes'));
    }
    // by deal and by code only the new indexes serve; by partner, the new one or migration 016's
    expect(plans[0]).toMatch(/alert_episodes_(open_)?partner/);
    expect(plans[1]).toContain('alert_episodes_open_deal');
    expect(plans[2]).toContain('alert_episodes_open_code');
    await w.store.close();
  });
  it('finds the deals naming some partners through the covering index (migration 018)', async () => {
    const w = await makeWorld(target);
    const account = `acct-refs-${randomUUID()}`;
    const roles = ['source', 'registration', 'touch'] as const;
    const rows = Array.from({ length: 3000 }, (_, i) => ({
      account,
      deal_id: `d${i}`,
      partner_id: `p${i % 300}`,
      role: roles[i % 3] as string,
    }));
    for (let i = 0; i < rows.length; i += 200)
      await w.store.db
        .insertInto('deal_partner_refs')
        .values(rows.slice(i, i + 200))
        .execute();
    // the cached deals' stages (every seventh deal is not cached: a ref without its deal)
    const stageOf = (i: number): 'won' | 'lost' | 'open' => (['won', 'lost', 'open', 'won'] as const)[i % 4] ?? 'won';
    const cached = rows
      .map((r, i) => ({ r, i }))
      .filter(({ i }) => i % 7 !== 0)
      .map(({ r, i }) => ({
        account,
        id: r.deal_id,
        name: null,
        stage: stageOf(Math.floor(i / 300)),
        customer_id: null,
        record: '{}',
        written: '{}',
        seen_pull: 'pull',
        updated_at: 1,
      }));
    for (let i = 0; i < cached.length; i += 200)
      await w.store.db
        .insertInto('cached_deals')
        .values(cached.slice(i, i + 200))
        .execute();
    const wanted = ['p0', 'p1', 'p2', 'p3', 'p299', 'p-none'];
    const naming = (role?: string, stage?: string): string[] =>
      rows
        .filter((r) => wanted.includes(r.partner_id) && (role === undefined || r.role === role))
        .filter((r) => stage === undefined || cached.some((c) => c.id === r.deal_id && c.stage === stage))
        .map((r) => r.deal_id)
        .sort();
    expect((await w.store.dealsNaming(account, wanted)).sort()).toEqual(naming());
    expect((await w.store.dealsNaming(account, wanted, ['source'])).sort()).toEqual(naming('source'));
    expect(naming('source', 'won').length).toBeGreaterThan(0);
    expect((await w.store.dealsNaming(account, wanted, ['source'], 'won')).sort()).toEqual(naming('source', 'won'));
    expect((await w.store.dealsNaming(account, wanted, undefined, 'open')).sort()).toEqual(naming(undefined, 'open'));
    const plans: string[] = [];
    for (const withRoles of [false, true]) {
      let q = w.store.db
        .selectFrom('deal_partner_refs')
        .select('deal_id')
        .where('account', '=', account)
        .where('partner_id', 'in', wanted);
      if (withRoles) q = q.where('role', 'in', ['source', 'registration']);
      plans.push(await planOf(w.store, target.name, q.compile(), 'deal_partner_refs'));
    }
    for (const plan of plans) expect(plan).toContain('deal_partner_refs_partner_deal');
    await w.store.close();
  });
  it("gives each recipe's newest deal row outside the excluded ones, however many of the newest are excluded", async () => {
    const w = await makeWorld(target);
    const account = `acct-recipes-${randomUUID()}`;
    const program = testConfig().program;
    const recipes = [...program.recipes.keys()];
    const [a, b, c] = recipes;
    if (a === undefined || b === undefined || c === undefined) throw new Error('the test program has 3 recipes');
    // recipe a: 200 rows, 3 sharing each creation time; b: 5 rows; c: none; plus deals without a recipe
    const rows = [
      ...Array.from({ length: 200 }, (_, i) => ({ id: `a${i}`, recipe: a, created: 1000 + Math.floor(i / 3) })),
      ...Array.from({ length: 5 }, (_, i) => ({ id: `b${i}`, recipe: b, created: 500 + i })),
      ...Array.from({ length: 20 }, (_, i) => ({ id: `n${i}`, recipe: null, created: 5000 + i })),
    ];
    await w.store.db
      .insertInto('read_model_deals')
      .values(
        rows.map((r) => ({
          account,
          deal_id: r.id,
          won_month: null,
          amount: null,
          recipe: r.recipe,
          created_at: r.created,
        })),
      )
      .execute();
    const expected = (excluding: ReadonlySet<string>): Map<string, number> => {
      const out = new Map<string, number>();
      for (const r of rows)
        if (r.recipe !== null && !excluding.has(r.id) && r.created > (out.get(r.recipe) ?? -Infinity))
          out.set(r.recipe, r.created);
      return out;
    };
    // none excluded; the newest few; more than the first read (8) and its next (64); every row of b
    const newestA = (n: number): string[] => Array.from({ length: n }, (_, i) => `a${199 - i}`);
    for (const excluding of [
      [],
      newestA(2),
      newestA(7),
      newestA(8),
      newestA(30),
      newestA(150),
      [...newestA(199), 'b0', 'b1', 'b2', 'b3', 'b4', 'n3'],
      newestA(200),
    ]) {
      const set = new Set(excluding);
      expect(await lastDealByRecipe(w.store, account, program, set)).toEqual(expected(set));
    }
    // rows added for excluded deals count as theirs
    const set = new Set(newestA(10));
    const got = await lastDealByRecipe(w.store, account, program, set, [
      { recipe: a, created: 1070 },
      { recipe: c, created: 7 },
      { recipe: null, created: 9999 },
    ]);
    expect(got).toEqual(new Map([...expected(set), [a, 1070], [c, 7]]));
    await w.store.close();
  });
});
