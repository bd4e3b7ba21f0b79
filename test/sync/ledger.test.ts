// Ledger scenarios (docs/finance-rules.md §5) on SQLite and PostgreSQL: accruals, adjustments before and after a
// period close, clawbacks inside and outside clawbackDays, deleted deals, partner changes,
// exchange-rate changes, registration expiry, idempotent re-runs, HEALTH_DROPPED.

import { describe, expect, it } from 'vitest';
import { closePeriod } from '../../src/ledger/periods.ts';
import { runSync } from '../../src/sync/run-sync.ts';
import { deal, makeWorld, PROGRAM_YAML, seedCrm, storeTargets, testConfig, type World } from './helpers.ts';

async function entries(w: World, key?: string): Promise<string[]> {
  const all = await w.store.ledgerEntries(w.crm.account, {});
  return all
    .filter((e) => key === undefined || e.key === key)
    .map((e) => `${e.key} ${e.kind} ${e.period}<-${e.originalPeriod} ${e.amount}`);
}

async function seeded(target: Parameters<typeof makeWorld>[0]): Promise<World> {
  const w = await makeWorld(target);
  seedCrm(w.crm);
  const r = await runSync(w.deps);
  expect(r.status).toBe('succeeded');
  return w;
}

describe.each(storeTargets())('ledger on $name', (target) => {
  it('posts accruals once; a re-run with no CRM change posts nothing and writes nothing', async () => {
    const w = await seeded(target);
    expect(await entries(w, 'd1:p1:2026-02')).toEqual(['d1:p1:2026-02 accrual 2026-02<-2026-02 100000']);
    const before = (await entries(w)).length;
    const writes = w.crm.writeLog.length;
    const r = await runSync(w.deps);
    expect(r.report.ledger.posted).toEqual({ accrual: 0, adjustment: 0, clawback: 0 });
    expect(w.crm.writeLog.length).toBe(writes);
    expect((await entries(w)).length).toBe(before);
    const first = (await w.store.ledgerEntries(w.crm.account, {})).find((e) => e.key === 'd1:p1:2026-02');
    expect(first?.inputs).toMatchObject({
      basis: '10000.00',
      rateBps: 1000,
      plan: 'ref',
      recipe: 'referral',
      attributionModel: 'sourced',
      exchangeRate: '1',
      role: 'sourced',
    });
    await w.store.close();
  });

  it('an amount change in an open period is an adjustment in that period', async () => {
    const w = await seeded(target);
    w.crm.updateDeal('d1', { amount: '12000.00' });
    await runSync(w.deps);
    expect(await entries(w, 'd1:p1:2026-02')).toEqual([
      'd1:p1:2026-02 accrual 2026-02<-2026-02 100000',
      'd1:p1:2026-02 adjustment 2026-02<-2026-02 20000',
    ]);
    const adj = (await w.store.ledgerEntries(w.crm.account, {})).find((e) => e.kind === 'adjustment');
    expect(adj?.reason).toContain('basis 10000.00 → 12000.00');
    await w.store.close();
  });

  it('after a period close, the difference is booked in the oldest open period with the original recorded', async () => {
    const w = await seeded(target);
    await closePeriod(w.deps, w.crm.account, '2026-02', 'test');
    const closed = await w.store.ledgerEntries(w.crm.account, { period: '2026-02' });
    w.crm.updateDeal('d1', { amount: '9000.00' });
    await runSync(w.deps);
    expect(await entries(w, 'd1:p1:2026-02')).toEqual([
      'd1:p1:2026-02 accrual 2026-02<-2026-02 100000',
      'd1:p1:2026-02 adjustment 2026-03<-2026-02 -10000',
    ]);
    expect(await w.store.ledgerEntries(w.crm.account, { period: '2026-02' })).toEqual(closed);
    // closing 2026-02 closed January too: the January fixed fee change goes to March
    w.crm.updatePartner('p3', { onboardedAt: '2026-02-15T00:00:00Z' });
    await runSync(w.deps);
    expect(await entries(w, 'fee:p3:2026-01')).toEqual([
      'fee:p3:2026-01 accrual 2026-01<-2026-01 50000',
      'fee:p3:2026-01 adjustment 2026-03<-2026-01 -50000',
    ]);
    await w.store.close();
  });

  it('won → lost inside clawbackDays posts a clawback', async () => {
    const w = await seeded(target);
    w.clock.set('2026-03-28T00:00:00Z');
    w.crm.updateDeal('d2', { stage: 'lost', closedAt: '2026-03-27T00:00:00Z' });
    await runSync(w.deps);
    expect(await entries(w, 'd2:p2:2026-03')).toEqual([
      'd2:p2:2026-03 accrual 2026-03<-2026-03 50000',
      'd2:p2:2026-03 clawback 2026-03<-2026-03 -50000',
    ]);
    const claw = (await w.store.ledgerEntries(w.crm.account, {})).find((e) => e.kind === 'clawback');
    expect(claw?.reason).toContain('no longer won (stage lost)');
    await w.store.close();
  });

  it('won → lost outside clawbackDays posts nothing and raises CLAWBACK_WINDOW_PASSED', async () => {
    const w = await seeded(target);
    w.clock.set('2026-06-15T00:00:00Z'); // d1 closed 2026-02-10: 125 days > 90
    w.crm.updateDeal('d1', { stage: 'lost', closedAt: '2026-06-14T00:00:00Z' });
    await runSync(w.deps);
    expect(await entries(w, 'd1:p1:2026-02')).toEqual(['d1:p1:2026-02 accrual 2026-02<-2026-02 100000']);
    const open = await w.store.openEpisodes(w.crm.account);
    const alert = open.find((e) => e.code === 'CLAWBACK_WINDOW_PASSED');
    expect(alert).toMatchObject({ severity: 'warning', partnerId: 'p1', dealId: 'd1' });
    expect(alert?.message).toContain('Clawback of 1000.00 USD');
    expect(w.crm.partner('p1')?.written.alerts).toContain('CLAWBACK_WINDOW_PASSED');
    // a re-run keeps the same episode and posts nothing
    const again = await runSync(w.deps);
    expect(again.report.ledger.posted).toEqual({ accrual: 0, adjustment: 0, clawback: 0 });
    expect((await w.store.openEpisodes(w.crm.account)).find((e) => e.code === 'CLAWBACK_WINDOW_PASSED')?.id).toBe(
      alert?.id,
    );
    await w.store.close();
  });

  it('a deleted deal is clawed back', async () => {
    const w = await seeded(target);
    w.crm.deleteDeal('d2');
    await runSync(w.deps);
    expect(await entries(w, 'd2:p2:2026-03')).toEqual([
      'd2:p2:2026-03 accrual 2026-03<-2026-03 50000',
      'd2:p2:2026-03 clawback 2026-03<-2026-03 -50000',
    ]);
    expect((await w.store.ledgerEntries(w.crm.account, {})).at(-1)?.reason).toContain('deleted');
    await w.store.close();
  });

  it('a partner change on a won deal reverses one partner and accrues the other', async () => {
    const w = await seeded(target);
    w.crm.updateDeal('d1', { sourcePartnerId: 'p2' });
    await runSync(w.deps);
    expect(await entries(w, 'd1:p1:2026-02')).toEqual([
      'd1:p1:2026-02 accrual 2026-02<-2026-02 100000',
      'd1:p1:2026-02 adjustment 2026-02<-2026-02 -100000',
    ]);
    expect(await entries(w, 'd1:p2:2026-02')).toEqual(['d1:p2:2026-02 accrual 2026-02<-2026-02 100000']);
    await w.store.close();
  });

  it('an exchange-rate change adjusts the foreign-currency deal', async () => {
    const w = await seeded(target);
    w.deps.config = testConfig(PROGRAM_YAML.replace('EUR: "1.10"', 'EUR: "1.20"'));
    await runSync(w.deps);
    expect(await entries(w, 'd5:p1:2026-03')).toEqual([
      'd5:p1:2026-03 accrual 2026-03<-2026-03 33000',
      'd5:p1:2026-03 adjustment 2026-03<-2026-03 3000',
    ]);
    const adj = (await w.store.ledgerEntries(w.crm.account, {})).find(
      (e) => e.key === 'd5:p1:2026-03' && e.kind === 'adjustment',
    );
    expect(adj?.reason).toContain('exchange rate 1.10 → 1.20');
    expect(adj?.inputs.exchangeRate).toBe('1.20');
    await w.store.close();
  });

  it('registration expiry: a lapsed registration is marked expired and earns nothing; a valid one sources the win', async () => {
    const w = await seeded(target);
    expect(w.crm.deal('d6')?.registration?.status).toBe('expired'); // lapsed 2026-03-01, written by the first run
    w.crm.upsertDeal(
      deal('d10', {
        stage: 'open',
        closedAt: null,
        sourcePartnerId: null,
        registration: {
          partnerId: 'p2',
          status: 'approved',
          submittedAt: '2026-03-01T00:00:00Z',
          expiresAt: '2026-04-01T00:00:00Z',
        },
      }),
    );
    await runSync(w.deps);
    w.clock.set('2026-03-26T00:00:00Z');
    w.crm.updateDeal('d6', { stage: 'won', closedAt: '2026-03-25T00:00:00Z' });
    w.crm.updateDeal('d10', { stage: 'won', closedAt: '2026-03-25T00:00:00Z' });
    await runSync(w.deps);
    expect((await entries(w)).filter((e) => e.startsWith('d6:'))).toEqual([]);
    expect(await entries(w, 'd10:p2:2026-03')).toEqual(['d10:p2:2026-03 accrual 2026-03<-2026-03 100000']);
    await w.store.close();
  });

  it('HEALTH_DROPPED opens when a score falls 15+ points and stays open while it stays down', async () => {
    const w = await seeded(target);
    w.crm.updatePartner('p1', { ratings: { communication: 1, alignment: 1, trust: 1, ease: 1, potential: 1 } });
    w.crm.deleteDeal('d3'); // pipeline gone
    await runSync(w.deps);
    const drop = (await w.store.openEpisodes(w.crm.account)).find((e) => e.code === 'HEALTH_DROPPED');
    expect(drop).toMatchObject({ partnerId: 'p1', detail: { baseline: 53 } });
    const writes = w.crm.writeLog.length;
    await runSync(w.deps);
    expect((await w.store.openEpisodes(w.crm.account)).find((e) => e.code === 'HEALTH_DROPPED')?.id).toBe(drop?.id);
    expect(w.crm.writeLog.length).toBe(writes);
    await w.store.close();
  });

  it('one task per critical episode, owned by the partner owner, due in 2 business days', async () => {
    const w = await seeded(target); // 2026-03-20 is a Friday
    const task = w.crm.tasks.find((t) => t.partnerId === 'p1' && t.subject.includes('HEALTH_AT_RISK'));
    expect(task).toMatchObject({ ownerId: 'owner-p1', priority: 'HIGH', dueAt: Date.parse('2026-03-24T09:00:00Z') });
    const count = w.crm.tasks.length;
    await runSync(w.deps);
    expect(w.crm.tasks.length).toBe(count);
    await w.store.close();
  });

  it('a quota error stops the run at a checkpoint; the next run resumes and finishes', async () => {
    const w = await makeWorld(target);
    seedCrm(w.crm);
    w.crm.faults = { failCall: { method: 'pullPage', call: 2, kind: 'quota_exhausted' } };
    const stopped = await runSync(w.deps);
    expect(stopped.status).toBe('stopped');
    expect(await entries(w)).toEqual([]);
    expect((await w.store.getRun(stopped.runId))?.status).toBe('stopped');
    const resumed = await runSync(w.deps);
    expect(resumed.status).toBe('succeeded');
    expect(resumed.report.pull.resumed).toBe(true);
    expect((await entries(w)).length).toBe(6);
    await w.store.close();
  });

  it('a record the CRM rejects is reported and written on a later run', async () => {
    const w = await makeWorld(target);
    seedCrm(w.crm);
    w.crm.faults = { rejectWrites: new Set(['d1']) };
    const r = await runSync(w.deps);
    expect(r.report.writeBack.failures).toEqual([{ object: 'deal', id: 'd1', reason: 'rejected by the fake CRM' }]);
    expect(w.crm.deal('d1')?.written.commissionAmount).toBeUndefined();
    w.crm.faults = {};
    await runSync(w.deps);
    expect(w.crm.deal('d1')?.written.commissionAmount).toBe('1000');
    await w.store.close();
  });

  it('full mode drops cached records the CRM no longer lists; refreshLinks applies silent link changes', async () => {
    const w = await seeded(target);
    w.crm.setCustomerSilently('d3', 'c-new');
    await runSync(w.deps, { refreshLinks: true });
    expect((await w.store.loadCache(w.crm.account)).deals.find((d) => d.id === 'd3')?.customerId).toBe('c-new');
    w.crm.deleteDeal('d4');
    const r = await runSync(w.deps, { full: true });
    expect(r.report.mode).toBe('full');
    expect((await w.store.loadCache(w.crm.account)).deals.some((d) => d.id === 'd4')).toBe(false);
    await w.store.close();
  });

  it('a targeted (webhook) sync reads only the named records', async () => {
    const w = await seeded(target);
    w.crm.updateDeal('d1', { amount: '11000.00' });
    const r = await runSync(w.deps, { targeted: { deals: ['d1'], partners: [] } });
    expect(r.report.pull).toMatchObject({ pages: 1, deals: 1, partners: 0 });
    expect(await entries(w, 'd1:p1:2026-02')).toContain('d1:p1:2026-02 adjustment 2026-02<-2026-02 10000');
    await w.store.close();
  });
});
