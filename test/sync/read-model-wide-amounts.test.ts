// A deal of 30 digits is valid input (docs/finance-rules.md §2: amounts are unbounded decimals),
// but its A(d) and the partner sums it enters do not fit the store's 64-bit figure columns
// (read_model_partners figures, read_model_deals; migration 015). The run still succeeds: the
// read models are stored without figures and deal rows (their bodies keep every digit), the head
// is not scopable, so a scoped run rebuilds them whole; once the amount is gone they are scopable again.

import { describe, expect, it } from 'vitest';
import { runSync } from '../../src/sync/run-sync.ts';
import { deal, makeWorld, seedCrm, storeTargets } from './helpers.ts';

const HUGE = '123456789012345678901234567890.99';

describe.each(storeTargets())('read models with amounts beyond 64 bits on $name', (target) => {
  it('are stored without figures, rebuilt by scoped runs, and scopable again once the amount is gone', async () => {
    const w = await makeWorld(target);
    seedCrm(w.crm);
    // sourced by the retainer partner: no per-deal commission, so only the read models see the amount
    w.crm.upsertDeal(deal('huge', { amount: HUGE, sourcePartnerId: 'p3' }));
    const first = await runSync(w.deps);
    expect(first.report.error ?? null).toBeNull();
    expect(first.status).toBe('succeeded');
    const account = w.crm.account;
    expect((await w.store.readModelHead(account))?.scopable).toBe(false);
    const bodies = await w.store.readModelPartners(account, '2026-02', {});
    expect(JSON.stringify(bodies)).toContain('123456789012345678901234567890');

    // a targeted run: scoped compute, read models rebuilt whole (nothing to bring forward)
    w.crm.updateDeal('d1', { amount: '12000.00' });
    const targeted = await runSync(w.deps, { targeted: { deals: ['d1'], partners: [] } });
    expect(targeted.status).toBe('succeeded');
    if (targeted.report.scope?.mode === 'scoped') expect(targeted.report.scope.readModels).toBe('rebuilt');

    // the amount corrected: figures and deal rows are written, and the head is scopable again
    w.crm.updateDeal('huge', { amount: '5000.00' });
    const fixed = await runSync(w.deps, { full: true });
    expect(fixed.status).toBe('succeeded');
    expect((await w.store.readModelHead(account))?.scopable).toBe(true);
    const figures = await w.store.readModelFigures(account, ['p1', 'p3']);
    expect(figures.length).toBeGreaterThan(0);
    expect(figures.every((f) => f.figures !== null)).toBe(true);
    await w.store.close();
  });

  it('are stored without figures when only a partner sum is beyond 64 bits (the write is made again without them)', async () => {
    const w = await makeWorld(target);
    seedCrm(w.crm);
    // each deal fits the deal rows; the retainer partner's sourced sum of the two does not
    const BIG = '60000000000000000.00';
    w.crm.upsertDeal(deal('big1', { amount: BIG, sourcePartnerId: 'p3', closedAt: '2026-03-02T00:00:00Z' }));
    w.crm.upsertDeal(deal('big2', { amount: BIG, sourcePartnerId: 'p3', closedAt: '2026-03-03T00:00:00Z' }));
    const first = await runSync(w.deps);
    expect(first.report.error ?? null).toBeNull();
    expect(first.status).toBe('succeeded');
    const account = w.crm.account;
    expect((await w.store.readModelHead(account))?.scopable).toBe(false);
    const figures = await w.store.readModelFigures(account, ['p1', 'p2', 'p3']);
    expect(figures.length).toBeGreaterThan(0);
    expect(figures.every((f) => f.figures === null)).toBe(true);
    const bodies = await w.store.readModelPartners(account, '2026-03', {});
    expect(JSON.stringify(bodies)).toContain('120000000000000000');
    await w.store.close();
  });
});
