// Idle runs (issue 21, src/sync/idle.ts): with no CRM change and nothing due, an incremental run
// skips computing; a change, the due instant, a ledger change or another config makes it compute.
// That a skip leaves exactly a full recompute's state is test/sync/equivalence.test.ts's job.

import { describe, expect, it } from 'vitest';
import { closePeriod } from '../../src/ledger/periods.ts';
import { dueScope } from '../../src/sync/idle.ts';
import { runSync } from '../../src/sync/run-sync.ts';
import { deal, makeWorld, partner, PROGRAM_YAML, seedCrm, storeTargets, testConfig } from './helpers.ts';

describe.each(storeTargets())('idle runs on $name', (target) => {
  it('skip until a change, a due instant (program or partner), a period close or a config change', async () => {
    const w = await makeWorld(target, { at: '2026-03-20T12:00:00Z' });
    w.crm.upsertPartner(partner('p1'));
    w.crm.upsertDeal(deal('d1'));
    expect((await runSync(w.deps)).report.skipped).toBeUndefined(); // first run
    expect((await runSync(w.deps)).report.skipped).toBeUndefined(); // reads back what it wrote
    const idle = await runSync(w.deps);
    expect(idle.status).toBe('succeeded');
    expect(idle.report.skipped).toMatchObject({ steps: ['compute', 'ledger', 'alerts', 'writeBack'] });
    // the next instant time matters: the month start (program due); p1's own next change, its
    // last activity (created 5 January) turning 90 days old, is on 5 April (partner_dues)
    expect(idle.report.skipped?.due).toBe('2026-04-01T00:00:00Z');
    expect(idle.report.durationsMs['compute']).toBeUndefined();
    expect(await w.store.partnersDueBy(w.crm.account, Number.MAX_SAFE_INTEGER, 10)).toEqual([
      { partnerId: 'p1', due: Date.parse('2026-04-05T00:00:00Z') },
    ]);

    w.clock.set('2026-03-31T23:59:59Z');
    expect((await runSync(w.deps)).report.skipped).toBeDefined();
    w.clock.set('2026-04-01T00:00:00Z');
    const month = await runSync(w.deps);
    expect(month.report.skipped).toBeUndefined(); // the program's due instant
    expect(month.report.computeReason).toMatch(/due date was reached/);
    const april = await runSync(w.deps);
    expect(april.report.skipped?.due).toBe('2026-04-05T00:00:00Z'); // now p1's due comes first
    w.clock.set('2026-04-05T00:00:00Z');
    const p1 = await runSync(w.deps);
    expect(p1.report.skipped).toBeUndefined(); // p1's due: a time-scoped run computes p1's part
    expect(p1.report.computeReason).toMatch(/outputs of partner p1/);
    expect(p1.report.scope).toMatchObject({
      mode: 'scoped',
      reason: '0 deals and 0 partners changed since the last computing run, 1 partners reached their due instant',
      partners: 1,
      deals: 1,
    });
    // exactly on the instant a `>` rule compares with, it flips a moment later: due again
    expect((await runSync(w.deps)).report.skipped).toBeUndefined();
    w.clock.set('2026-04-05T00:00:05Z');
    expect((await runSync(w.deps)).report.skipped).toBeUndefined(); // INACTIVE opens, written onto p1
    expect((await runSync(w.deps)).report.skipped).toBeUndefined(); // reads back what it wrote
    const inactive = await runSync(w.deps);
    // the alert counts whole days without activity: its message changes every day at 00:00
    expect(inactive.report.skipped?.due).toBe('2026-04-06T00:00:00Z');

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

  it('skip with a refused write on file until its hold ends', async () => {
    const w = await makeWorld(target, { at: '2026-03-20T12:00:00Z' });
    w.crm.upsertPartner(partner('p1'));
    w.crm.upsertDeal(deal('d1'));
    w.crm.faults = { refuseWrites: new Set(['p1']) };
    const first = await runSync(w.deps);
    expect(first.report.writeBack.failures).toMatchObject([{ object: 'partner', id: 'p1', refusal: true }]);
    // the run row says the mode the run ran in: the first pull of an account is full
    expect((await w.store.getRun(first.runId))?.mode).toBe('full');
    const held = await runSync(w.deps); // reads back the deal's values; p1's write is held back
    expect(held.report.skipped).toBeUndefined();
    expect(held.report.writeBack.held).toBe(1);
    const [refusal] = await w.store.writeRefusals(w.crm.account);
    const holdEnds = (refusal?.at ?? 0) + 24 * 3_600_000;
    const idle = await runSync(w.deps);
    expect(idle.report.skipped?.due).toBe(new Date(holdEnds).toISOString().replace('.000Z', 'Z'));
    expect((await w.store.getRun(idle.runId))?.mode).toBe('incremental');
    // the hold ends: a computing run sends the write again (the CRM refuses it again)
    w.clock.t = holdEnds;
    const again = await runSync(w.deps);
    expect(again.report.skipped).toBeUndefined();
    expect(again.report.writeBack.failures).toMatchObject([{ object: 'partner', id: 'p1', refusal: true }]);
    await w.store.close();
  });

  it('skip with a task pending in the outbox: idle runs send the outbox too', async () => {
    const w = await makeWorld(target, { at: '2026-03-20T12:00:00Z' });
    seedCrm(w.crm);
    w.crm.faults = { refuseTasks: true };
    const first = await runSync(w.deps);
    expect(first.report.tasks.failed.length).toBeGreaterThan(0);
    await runSync(w.deps); // reads back what it wrote; the refused tasks are held back
    const pending = (await w.store.pendingTasks(w.crm.account)).length;
    expect(pending).toBe(first.report.tasks.failed.length);
    const idle = await runSync(w.deps);
    expect(idle.report.skipped).toBeDefined();
    expect(idle.report.tasks.held).toBe(pending);
    await w.store.close();
  });

  it('keep each partner’s due instant (partner_dues): replaced or updated with the mark, found by instant', async () => {
    const w = await makeWorld(target);
    const { store } = w;
    const account = w.crm.account;
    await store.ensureAccount(account, 'hubspot', 0);
    const lock = await store.lock(account, 1000);
    const mark = { runId: 'r1', fingerprint: 'f', due: 5000, ledger: { seq: 0, closes: 0 }, at: 0 };
    const rows = (): Promise<{ partnerId: string; due: number }[]> =>
      store.partnersDueBy(account, Number.MAX_SAFE_INTEGER, 100);
    expect(await dueScope(store, account, 0)).toEqual({ full: 'no computing run left an idle mark' });
    const dues = new Map([
      ['a', 3000],
      ['b', 1000],
      ['c', 2000],
    ]);
    await store.saveComputeMark(lock.fence, mark, { partners: dues, complete: true });
    expect(await store.partnersDueBy(account, 2000, 10)).toEqual([
      { partnerId: 'b', due: 1000 },
      { partnerId: 'c', due: 2000 },
    ]);
    expect(await store.partnersDueBy(account, 2000, 1)).toEqual([{ partnerId: 'b', due: 1000 }]);
    expect(await store.partnersDueBy(account, 999, 10)).toEqual([]);
    // what time alone changed: the partners due, or a full compute
    expect(await dueScope(store, account, 999)).toEqual({ partners: [] });
    expect(await dueScope(store, account, 2500)).toEqual({ partners: ['b', 'c'] });
    expect(await dueScope(store, account, 2500, { limit: 1 })).toEqual({
      full: 'more than 1 partners reached their due instant',
    });
    expect(await dueScope(store, account, 5000)).toEqual({
      full: 'time may change program-level outputs (the program due instant was reached)',
    });
    // a partial update changes only the partners it names; Infinity removes a row
    await store.saveComputeMark(lock.fence, mark, {
      partners: new Map([
        ['b', 4000],
        ['c', Infinity],
        ['e', 7000],
      ]),
      complete: false,
    });
    expect(await rows()).toEqual([
      { partnerId: 'a', due: 3000 },
      { partnerId: 'b', due: 4000 },
      { partnerId: 'e', due: 7000 },
    ]);
    // deleting the mark keeps them (they are read only with a mark); a complete set replaces them
    await store.saveComputeMark(lock.fence, null);
    expect(await dueScope(store, account, 9000)).toEqual({ full: 'no computing run left an idle mark' });
    await store.saveComputeMark(lock.fence, mark, { partners: new Map([['a', 3000]]), complete: true });
    expect(await rows()).toEqual([{ partnerId: 'a', due: 3000 }]);
    // another account's rows are its own
    expect(await store.partnersDueBy('another', Number.MAX_SAFE_INTEGER, 10)).toEqual([]);
    await lock.release();
    await store.close();
  });
});
