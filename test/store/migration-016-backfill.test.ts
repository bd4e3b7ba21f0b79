// Issue 21: migration 016 fills the partner read models' sort columns a page at a time, each page
// written by one statement (backfillSortColumns). On SQLite and PostgreSQL, over pages smaller
// than the rows (so several pages and a last partial one), the values it writes equal the ones a
// run writes: names beyond ASCII, partners without a score, an attributed amount beyond 64 bits
// (held to the column's range), several accounts; rows of every account are filled once.

import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { sql, type Kysely } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { syntheticSnapshot } from '../../bench/synthetic.ts';
import { FakeCrm } from '../../src/crm/fake/fake-crm.ts';
import { backfillSortColumns, MIGRATIONS } from '../../src/store/migrations.ts';
import { stopEngineWorker } from '../../src/sync/engine-pool.ts';
import { runSync } from '../../src/sync/run-sync.ts';
import { freshSchema } from '../helpers/pg-schema.ts';
import { makeWorld, storeTargets, testConfig } from '../sync/helpers.ts';

afterAll(async () => stopEngineWorker());

const YAML = `${readFileSync(new URL('../../config/examples/program.yaml', import.meta.url), 'utf8')}\ncrm:\n  provider: hubspot\n`;
// as text: SQLite hands back no integer beyond 2^53 as a number
const COLS = ['account', 'period', 'partner_id', 'sort_name', 'score', 'tier_rank', 'fit', 'sort_attributed']
  .concat(['win_rate', 'sort_last_activity'])
  .map((c) => `cast(${c} as text) as ${c}`)
  .join(', ');

describe.each(storeTargets())('migration 016 backfill on $name', (target) => {
  it('fills the sort columns page by page with the values a run writes', { timeout: 180_000 }, async () => {
    // a schema of its own on PostgreSQL: the test rewrites every row of the table
    const schema = target.name === 'postgres' ? await freshSchema(target.url(), 'bf016') : null;
    const url = schema?.url ?? target.url();
    const worlds = [];
    for (const [deals, partners, seed] of [
      [120, 9, 3],
      [60, 4, 5],
    ] as const) {
      const crm = new FakeCrm({ account: `acct-${randomUUID()}`, pageSize: 500 });
      const w = await makeWorld(target, { crm, url, config: testConfig(YAML), at: '2026-11-15T12:00:00Z' });
      const snapshot = syntheticSnapshot(deals, partners, w.clock.now(), seed);
      const [p0, d0] = [snapshot.partners[0], snapshot.deals[0]];
      if (p0 === undefined || d0 === undefined) throw new Error('empty snapshot');
      for (const p of snapshot.partners) crm.upsertPartner({ ...p, ownerId: null });
      for (const d of snapshot.deals) crm.upsertDeal({ ...d, ownerId: null });
      // beyond ASCII (lower-cased by the writer in code), no score yet, 30 digits of attributed revenue
      crm.upsertPartner({ ...p0, id: 'zz-umlaut', name: 'ÄRZTE Ωmega', ownerId: null });
      crm.upsertPartner({
        ...p0,
        id: 'zz-fee',
        name: 'Fee Partner',
        recipe: 'co-marketing',
        ownerId: null,
      });
      crm.upsertDeal({
        ...d0,
        id: 'zz-huge',
        amount: '123456789012345678901234567890.99',
        stage: 'won',
        sourcePartnerId: 'zz-fee',
        touches: [],
        registration: null,
        recipe: null,
        ownerId: null,
      });
      const run = await runSync(w.deps);
      expect(run.status).toBe('succeeded');
      worlds.push(w);
    }
    const w = worlds[0];
    if (w === undefined) throw new Error('no world');
    const db = (w.store as unknown as { db: Kysely<unknown> }).db;
    const accounts = worlds.map((x) => x.crm.account);
    const read = async (): Promise<string[]> =>
      (
        await sql<Record<string, unknown>>`select ${sql.raw(COLS)} from read_model_partners
          where account in (${sql.join(accounts)}) order by account, period, partner_id`.execute(db)
      ).rows.map((r) =>
        JSON.stringify(Object.values(r).map((v) => (v === null ? null : String(v as string | number | bigint)))),
      );
    const written = await read();
    expect(written.length).toBe((11 + 6) * 14);
    expect(written.some((r) => r.includes('"ärzte ωmega"'))).toBe(true);
    expect(written.some((r) => r.includes('"9223372036854775807"'))).toBe(true);
    const clear = () =>
      sql`update read_model_partners set sort_name = null, score = null, tier_rank = null, fit = null,
        sort_attributed = null, win_rate = null, sort_last_activity = null`.execute(db);

    // pages of 25 rows: 238 rows are 9 full pages and a partial one
    await clear();
    expect(await read()).not.toEqual(written);
    expect(await backfillSortColumns(db, 25)).toBe(written.length);
    expect(await read()).toEqual(written);
    // a page size that divides the rows (the last page is full, the next one empty)
    await clear();
    expect(await backfillSortColumns(db, 14)).toBe(written.length);
    expect(await read()).toEqual(written);

    // the migration itself, down and up, as a store migrated before 016 holds the rows
    await clear();
    const v016 = MIGRATIONS['016-dashboard-reads'];
    if (v016?.down === undefined) throw new Error('migration 016');
    await v016.down(db);
    await v016.up(db);
    expect(await read()).toEqual(written);
    for (const x of worlds) await x.store.close();
    await schema?.drop();
  });
});
