// Issue 21: the dashboard's partner list sorts, filters and pages in the store
// (readModelPartnerPage, migration 016) in exactly the order the list had in memory (sortRows and
// filterRows of src/http/ui/pages/partners.ts over every row of the period), on SQLite and
// PostgreSQL: every sort key both ways, with the filters, page by page; the same counts and tier
// options; and the sort columns the migration backfills equal the ones a run writes.

import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { FakeCrm } from '../../src/crm/fake/fake-crm.ts';
import { parsePeriod } from '../../src/domain/time.ts';
import { alertSummary, partnerRow, partnerRows, type Current, type PartnerRow } from '../../src/http/ui/data.ts';
import {
  partnersPageInMemory,
  partnersQuery,
  SORT_KEYS,
  sortDir,
  type PartnersQuery,
} from '../../src/http/ui/pages/partners.ts';
import { MIGRATIONS } from '../../src/store/migrations.ts';
import { stopEngineWorker } from '../../src/sync/engine-pool.ts';
import { periodView } from '../../src/sync/read-models.ts';
import { runSync } from '../../src/sync/run-sync.ts';
import { syntheticSnapshot } from '../../bench/synthetic.ts';
import { freshSchema } from '../helpers/pg-schema.ts';
import { makeWorld, storeTargets, testConfig } from './helpers.ts';
import { sql, type Kysely } from 'kysely';

afterAll(async () => stopEngineWorker());

const YAML = `${readFileSync(new URL('../../config/examples/program.yaml', import.meta.url), 'utf8')}\ncrm:\n  provider: hubspot\n`;

const FILTERS: Record<string, string>[] = [
  {},
  { band: 'none' },
  { band: 'watch' },
  { alerts: 'open' },
  { q: '1' },
  { recipe: 'referral', q: 'partner' },
];

describe.each(storeTargets())('the partner list in the store on $name', (target) => {
  it('pages every sort and filter in the order the list had in memory', { timeout: 240_000 }, async () => {
    const crm = new FakeCrm({ account: `acct-${randomUUID()}`, pageSize: 500 });
    const w = await makeWorld(target, { crm, config: testConfig(YAML), at: '2026-11-15T12:00:00Z' });
    const snapshot = syntheticSnapshot(400, 80, w.clock.now(), 7);
    snapshot.partners.forEach((p, i) => {
      // names that tie (sorted by id then), differ only in case, or sort differently from their ids
      const name = i % 7 === 0 ? 'Twin' : i % 11 === 0 ? `twin ${i}` : `Partner ${(i * 37) % 80}`;
      crm.upsertPartner({ ...p, name, ownerId: null });
    });
    // partners with no deals, ratings or fit: no score, fit, activity or win rate (listed last)
    for (const n of [1, 2, 3, 4, 5])
      crm.upsertPartner({ id: `bare-${n}`, name: n === 3 ? 'Twin' : `Bare ${n}`, recipe: 'referral', ownerId: null });
    for (const d of snapshot.deals) crm.upsertDeal({ ...d, ownerId: null });
    const run = await runSync(w.deps);
    expect(run.status).toBe('succeeded');
    const period = parsePeriod('2026-10');
    if (period === null) throw new Error('period');
    const view = await periodView(w.deps, run.account, period);
    if (view.page === undefined) throw new Error('the period is stored: the view pages in the store');
    const c = { view } as unknown as Current;
    const all = await partnerRows(c, await w.store.openEpisodeCounts(run.account));
    expect(all.length).toBe(85);
    expect(all.some((r) => r.openAlerts > 0)).toBe(true);
    for (const [name, empty] of Object.entries({
      fit: (r: PartnerRow) => r.fit === null,
      lastActivity: (r: PartnerRow) => r.lastActivityAt === null,
      winRate: (r: PartnerRow) => r.winRate365 === null,
      tier: (r: PartnerRow) => r.tierRank === null,
      recipe: (r: PartnerRow) => r.recipe === null,
    }))
      expect(all.some(empty) && !all.every(empty), `some partners without ${name}, not all`).toBe(true);

    for (const sort of SORT_KEYS)
      for (const dir of ['asc', 'desc'] as const)
        for (const filter of FILTERS) {
          const q: PartnersQuery = partnersQuery.parse({ ...filter, sort, dir, size: '9' });
          const expected = partnersPageInMemory(all, { ...q, size: 500 });
          const ids: string[] = [];
          for (let page = 1; page <= Math.ceil(expected.matching / 9) + 1; page++) {
            const found = await view.page({
              sort,
              dir: sortDir(q),
              offset: (page - 1) * 9,
              limit: 9,
              band: q.band,
              recipe: q.recipe,
              tier: q.tier,
              q: q.q,
              withAlerts: q.alerts === 'open',
            });
            expect(found.matching).toBe(expected.matching);
            expect(found.tiers).toEqual(expected.tiers);
            const open = await w.store.episodes(run.account, {
              partnerIds: found.rows.map((r) => r.id),
              openOnly: true,
            });
            const rows = found.rows.map((r) => partnerRow(r, alertSummary(open.filter((e) => e.partnerId === r.id))));
            // a page's rows are the list's rows, alerts included
            for (const r of rows) expect(r).toEqual(all.find((x) => x.id === r.id));
            ids.push(...rows.map((r) => r.id));
          }
          expect(ids, `${sort} ${dir} ${JSON.stringify(filter)}`).toEqual(expected.rows.map((r) => r.id));
        }
    await w.store.close();
  });

  it('backfills the sort columns from the stored rows as a run writes them', { timeout: 120_000 }, async () => {
    // a schema of its own on PostgreSQL: the migration's down and up change the table
    const schema = target.name === 'postgres' ? await freshSchema(target.url(), 'rmsort') : null;
    const crm = new FakeCrm({ account: `acct-${randomUUID()}`, pageSize: 500 });
    const w = await makeWorld(target, {
      crm,
      config: testConfig(YAML),
      at: '2026-11-15T12:00:00Z',
      ...(schema === null ? {} : { url: schema.url }),
    });
    const snapshot = syntheticSnapshot(300, 20, w.clock.now(), 3);
    for (const p of snapshot.partners) crm.upsertPartner({ ...p, ownerId: null });
    for (const d of snapshot.deals) crm.upsertDeal({ ...d, ownerId: null });
    const run = await runSync(w.deps);
    expect(run.status).toBe('succeeded');
    const db = (w.store as unknown as { db: Kysely<unknown> }).db;
    const cols = 'partner_id, period, sort_name, score, tier_rank, fit, sort_attributed, win_rate, sort_last_activity';
    const read = async () =>
      (
        await sql<Record<string, unknown>>`select ${sql.raw(cols)} from read_model_partners
          where account = ${run.account} order by period, partner_id`.execute(db)
      ).rows.map((r) =>
        JSON.stringify(Object.values(r).map((v) => (v === null ? null : String(v as string | number | bigint)))),
      );
    const written = await read();
    expect(written.length).toBe(20 * 14);
    // as a store migrated before 016 holds them: no sort columns; then the migration's backfill
    await sql`update read_model_partners set sort_name = null, score = null, tier_rank = null, fit = null,
      sort_attributed = null, win_rate = null, sort_last_activity = null where account = ${run.account}`.execute(db);
    const v016 = MIGRATIONS['016-dashboard-reads'];
    if (v016?.down === undefined) throw new Error('migration 016');
    await v016.down(db);
    await v016.up(db);
    expect(await read()).toEqual(written);
    await w.store.close();
    await schema?.drop();
  });
});
