// Issue 21 (migration 016): the ledger's months with their count and net, kept in
// ledger_period_totals by every writer of ledger_entries (a sync's postings and manual
// adjustments), so the program page and the periods page list them without summing every entry.
// They must equal a sum over the entries, and the migration must fill them from entries posted
// before it existed.

import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { financeAudit } from '../../src/audit/finance-audit.ts';
import { approveAdjustment, proposeAdjustment } from '../../src/ledger/manual.ts';
import { silentLogger } from '../../src/log.ts';
import { MIGRATIONS } from '../../src/store/migrations.ts';
import { runSync } from '../../src/sync/run-sync.ts';
import { freshSchema } from '../helpers/pg-schema.ts';
import { deal, makeWorld, seedCrm, storeTargets, type World } from '../sync/helpers.ts';

/** Count and net per month, summed over every entry of the account. */
async function fromEntries(w: World): Promise<{ period: string; entries: number; net: bigint }[]> {
  const { rows } = await sql<{ period: string; entries: unknown; net: unknown }>`
    select period, count(*) as entries, cast(sum(amount) as text) as net from ledger_entries
    where account = ${w.crm.account} group by period order by period`.execute(w.store.db);
  return rows.map((r) => ({ period: r.period, entries: Number(r.entries), net: BigInt(String(r.net)) }));
}

describe.each(storeTargets())('ledger period totals on $name', (target) => {
  it('follow every posting (sync and manual) and are filled from the entries by migration 016', async () => {
    // a schema of its own on PostgreSQL: the migration's down and up change shared tables
    const schema = target.name === 'postgres' ? await freshSchema(target.url(), 'ledgerperiods') : null;
    const w = await makeWorld(target, schema === null ? {} : { url: schema.url });
    seedCrm(w.crm);
    expect((await runSync(w.deps)).status).toBe('succeeded');
    w.crm.updateDeal('d1', { amount: '12000.00' });
    w.crm.deleteDeal('d2');
    w.crm.upsertDeal(deal('d9', { amount: '700.00', closedAt: '2026-03-11T00:00:00Z' }));
    w.clock.set('2026-04-02T08:00:00Z');
    expect((await runSync(w.deps)).status).toBe('succeeded');
    const fd = {
      ...w.deps,
      store: w.store,
      audit: financeAudit({ store: w.store, clock: w.clock, logger: silentLogger() }, 'cli'),
    };
    const a = await proposeAdjustment(
      fd,
      w.crm.account,
      { partnerId: 'p1', amount: '-250.00', reason: 'goodwill', description: 'Goodwill', period: '2026-04' },
      'ana',
    );
    await approveAdjustment(fd, w.crm.account, a.id, 'ben');

    const expected = await fromEntries(w);
    expect(expected.length).toBeGreaterThan(1);
    expect(expected.reduce((n, p) => n + p.entries, 0)).toBeGreaterThan(expected.length);
    expect(await w.store.ledgerPeriods(w.crm.account)).toEqual(expected);

    // the migration's fill, from the entries alone
    const v016 = MIGRATIONS['016-dashboard-reads'];
    if (v016?.down === undefined) throw new Error('migration 016');
    await v016.down(w.store.db);
    await v016.up(w.store.db);
    expect(await w.store.ledgerPeriods(w.crm.account)).toEqual(expected);
    await w.store.close();
    await schema?.drop();
  });
});
