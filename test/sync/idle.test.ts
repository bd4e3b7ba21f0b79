// Idle runs (issue 21, src/sync/idle.ts): with no CRM change and nothing due, an incremental run
// skips computing; a change, the due instant, a ledger change or another config makes it compute.
// That a skip leaves exactly a full recompute's state is test/sync/equivalence.test.ts's job.

import { describe, expect, it } from 'vitest';
import { closePeriod } from '../../src/ledger/periods.ts';
import { runSync } from '../../src/sync/run-sync.ts';
import { deal, makeWorld, partner, PROGRAM_YAML, storeTargets, testConfig } from './helpers.ts';

describe.each(storeTargets())('idle runs on $name', (target) => {
  it('skip until a change, the due instant, a period close or a config change', async () => {
    const w = await makeWorld(target, { at: '2026-03-20T12:00:00Z' });
    w.crm.upsertPartner(partner('p1'));
    w.crm.upsertDeal(deal('d1'));
    expect((await runSync(w.deps)).report.skipped).toBeUndefined(); // first run
    expect((await runSync(w.deps)).report.skipped).toBeUndefined(); // reads back what it wrote
    const idle = await runSync(w.deps);
    expect(idle.status).toBe('succeeded');
    expect(idle.report.skipped).toMatchObject({ steps: ['compute', 'ledger', 'alerts', 'writeBack'] });
    // the next instant time matters: midnight UTC (every date of these records is a midnight)
    expect(idle.report.skipped?.due).toBe('2026-03-21T00:00:00Z');
    expect(idle.report.durationsMs['compute']).toBeUndefined();

    w.clock.set('2026-03-20T23:59:59Z');
    expect((await runSync(w.deps)).report.skipped).toBeDefined();
    w.clock.set('2026-03-21T00:00:00Z');
    expect((await runSync(w.deps)).report.skipped).toBeUndefined(); // due
    // exactly on a day boundary of the data a rule with `>` flips a moment later: no mark
    expect((await runSync(w.deps)).report.skipped).toBeUndefined();
    w.clock.set('2026-03-21T00:00:05Z');
    expect((await runSync(w.deps)).report.skipped).toBeUndefined();
    expect((await runSync(w.deps)).report.skipped).toBeDefined();

    w.crm.updateDeal('d1', { amount: '12000.00' });
    const changed = await runSync(w.deps);
    expect(changed.report.skipped).toBeUndefined();
    expect(changed.report.ledger.posted.adjustment).toBe(1);
    await runSync(w.deps); // reads back the new values
    expect((await runSync(w.deps)).report.skipped).toBeDefined();

    await closePeriod(w.deps, w.crm.account, '2026-02', 'test');
    expect((await runSync(w.deps)).report.skipped).toBeUndefined(); // the ledger moved
    expect((await runSync(w.deps)).report.skipped).toBeDefined();

    const other = { ...w.deps, config: testConfig(PROGRAM_YAML.replace('rateBps: 1000', 'rateBps: 1100')) };
    const reconfigured = await runSync(other);
    expect(reconfigured.report.skipped).toBeUndefined();
    expect(reconfigured.report.ledger.posted.adjustment).toBe(1);
    // full and targeted runs always compute
    expect((await runSync(other, { full: true })).report.skipped).toBeUndefined();
    expect((await runSync(other, { targeted: { deals: ['d1'], partners: [] } })).report.skipped).toBeUndefined();
    await w.store.close();
  });
});
