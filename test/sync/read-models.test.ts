// Issue 21: every sync run writes read models of what the dashboard and /v1 show, on SQLite and
// PostgreSQL. They equal the engine's figures for the run's snapshot and asOf; reads of stored
// periods never run the engine (counted through engine-pool's engineCalls); another period is
// computed once and then served from the cache; an identical run writes no row; a run that fails
// or crashes before the write leaves the previous read models whole; the store pages and filters.

import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { compareAlerts, type Alert, type AlertCode, type Severity } from '../../src/domain/alerts.ts';
import { computeResult } from '../../src/domain/engine.ts';
import type { AlertEpisode } from '../../src/store/store.ts';
import type { AppDeps } from '../../src/http/deps.ts';
import { ledgerTotalsView, ledgerView, type Current } from '../../src/http/ui/data.ts';
import { monthLabel, parsePeriod, TimeZone } from '../../src/domain/time.ts';
import { AccountLostError } from '../../src/ledger/errors.ts';
import { raiseEpoch } from '../../src/store/account-lock.ts';
import { SimulatedCrash } from '../../src/sync/deps.ts';
import { engineCalls, stopEngineWorker } from '../../src/sync/engine-pool.ts';
import { kpis, recipeFlags } from '../../src/sync/queries.ts';
import { flagWindow, storedPeriods, type PartnerReadRow } from '../../src/sync/read-model-build.ts';
import { clearComputedPeriods, periodView, readBasis } from '../../src/sync/read-models.ts';
import { runSync } from '../../src/sync/run-sync.ts';
import { deal, makeWorld, partner, seedCrm, storeTargets, type World } from './helpers.ts';

const calls = (): number => engineCalls.kpis + engineCalls.model;

afterAll(async () => stopEngineWorker());
beforeEach(() => {
  clearComputedPeriods();
});

/** The engine's figures for the run's snapshot (the cache after the run) and asOf. */
async function engineFor(w: World, account: string, asOf: number, label: string) {
  const period =
    parsePeriod(label) ??
    storedPeriods(new TimeZone(w.config.program.timezone).monthOf(asOf)).find((p) => p.label === label);
  if (period === undefined) throw new Error(`no period ${label}`);
  const cache = await w.store.loadCache(account);
  return computeResult(w.config.program, cache, { asOf, period }).result;
}

describe.each(storeTargets())('read models on $name', (target) => {
  it('after a run equal the engine for every stored period; reads of them do not compute', async () => {
    const w = await makeWorld(target);
    seedCrm(w.crm);
    const run = await runSync(w.deps);
    expect(run.status).toBe('succeeded');
    const basis = await readBasis(w.deps, run.account);
    expect(basis).toEqual({ account: run.account, runId: run.runId, asOf: run.asOf, stored: true });
    const tz = new TimeZone(w.config.program.timezone);
    const periods = storedPeriods(tz.monthOf(run.asOf));
    // the 12 months before the run's month, that month, and the recipe-flag window
    expect(periods.map((p) => p.label)).toEqual([
      ...Array.from({ length: 13 }, (_, i) => monthLabel(tz.monthOf(run.asOf) - 12 + i)),
      '2025-12..2026-02',
    ]);
    expect(run.report.readModels?.periods).toBe(14);
    const before = calls();
    for (const p of periods) {
      const engine = await engineFor(w, run.account, run.asOf, p.label);
      const view = await periodView(w.deps, run.account, p, basis);
      const rows = await view.partners();
      expect(rows.map((r) => r.out)).toEqual(engine.partners);
      expect(view.aggregate).toEqual({
        currency: engine.currency,
        period: engine.period,
        recipes: engine.recipes,
        program: engine.program,
        unusedRecipes: [
          ...new Set(engine.alerts.flatMap((a) => (a.code === 'RECIPE_UNUSED' && a.recipe !== null ? [a.recipe] : []))),
        ].sort(),
        partners: engine.partners.length,
      });
      for (const r of rows) expect(await view.partner(r.id)).toEqual(r);
    }
    // the API's default answer: the last complete month before the run's asOf
    const answer = await kpis(w.deps, run.account);
    const engine = await engineFor(w, run.account, run.asOf, '2026-02');
    expect(answer).toEqual({
      asOf: engine.asOf,
      currency: engine.currency,
      period: engine.period,
      partners: engine.partners,
      recipes: engine.recipes,
      program: engine.program,
    });
    const flags = await recipeFlags(w.deps, run.account);
    const window = await engineFor(w, run.account, run.asOf, flagWindow(tz.monthOf(run.asOf)).period.label);
    expect([...flags.recipes]).toEqual(
      window.recipes.map((r) => [r.id, { roi: r.kpis.roi, negativeRoi: r.kpis.roi !== null && r.kpis.roi < 0 }]),
    );
    expect(calls()).toBe(before);
    // the figures stay those of the run while time passes: as of the run, not of now
    w.clock.set('2026-04-02T08:00:00Z');
    expect(await kpis(w.deps, run.account)).toEqual(answer);
    expect(calls()).toBe(before);
    await w.store.close();
  });

  it('holds the dashboard row extras of each partner', async () => {
    const w = await makeWorld(target);
    seedCrm(w.crm);
    const run = await runSync(w.deps);
    const view = await periodView(w.deps, run.account);
    const p1 = (await view.partner('p1')) as PartnerReadRow;
    expect(p1).toMatchObject({ id: 'p1', name: 'Partner p1', recipe: 'referral', grantedTier: null });
    expect(p1.health.score).toBe(p1.out.health.score);
    expect(Object.keys(p1.health.weights).sort()).toEqual(Object.keys(p1.out.health.components).sort());
    expect(await view.partner('nobody')).toBeNull();
    await w.store.close();
  });

  it('a second identical run writes no read-model row; a change rewrites only what changed', async () => {
    const w = await makeWorld(target);
    seedCrm(w.crm);
    const first = await runSync(w.deps);
    expect(first.report.readModels).toEqual({ periods: 14, partners: 14 * 3 });
    // a full sync computes (an idle incremental run may skip the computation altogether)
    const second = await runSync(w.deps, { full: true });
    expect(second.report.skipped).toBeUndefined();
    expect(second.report.readModels).toEqual({ periods: 0, partners: 0 });
    expect((await readBasis(w.deps, second.account)).runId).toBe(second.runId);
    // one more won deal of p3 in February: p3's rows of the months that see it and the aggregates change
    w.crm.upsertDeal(deal('d9', { sourcePartnerId: 'p3', closedAt: '2026-02-12T00:00:00Z', amount: '700.00' }));
    const third = await runSync(w.deps);
    expect(third.report.readModels?.partners).toBeGreaterThan(0);
    expect(third.report.readModels?.partners).toBeLessThan(14 * 3);
    const engine = await engineFor(w, third.account, third.asOf, '2026-02');
    expect(await kpis(w.deps, third.account)).toMatchObject({ partners: engine.partners, program: engine.program });
    // a partner removed from the CRM: its rows go with a full sync
    w.crm.upsertPartner(partner('p4'));
    await runSync(w.deps);
    expect((await (await periodView(w.deps, third.account)).partners()).map((r) => r.id)).toEqual([
      'p1',
      'p2',
      'p3',
      'p4',
    ]);
    await w.store.close();
  });

  it('another period is computed once in the worker, then served from the cache', async () => {
    const w = await makeWorld(target);
    seedCrm(w.crm);
    const run = await runSync(w.deps);
    const before = engineCalls.model;
    const first = await kpis(w.deps, run.account, '2026-Q1');
    expect(engineCalls.model).toBe(before + 1);
    const again = await kpis(w.deps, run.account, '2026-Q1');
    expect(engineCalls.model).toBe(before + 1);
    expect(again).toEqual(first);
    const engine = await engineFor(w, run.account, run.asOf, '2026-Q1');
    expect(first).toEqual({
      asOf: engine.asOf,
      currency: engine.currency,
      period: engine.period,
      partners: engine.partners,
      recipes: engine.recipes,
      program: engine.program,
    });
    // a new run is a new key: computed once more, as of that run
    w.clock.set('2026-03-21T12:00:00Z');
    await runSync(w.deps);
    await kpis(w.deps, run.account, '2026-Q1');
    expect(engineCalls.model).toBe(before + 2);
    await w.store.close();
  });

  it('before any run, reads compute as of now (off the event loop), as before', async () => {
    const w = await makeWorld(target);
    const account = await w.crm.accountKey();
    const basis = await readBasis(w.deps, account);
    expect(basis).toEqual({ account, runId: null, asOf: w.clock.now(), stored: false });
    const before = engineCalls.model;
    const answer = await kpis(w.deps, account);
    expect(engineCalls.model).toBe(before + 1);
    expect(answer.partners).toEqual([]);
    expect(answer.asOf).toBe('2026-03-20T12:00:00Z');
    await w.store.close();
  });

  it('a run that crashes or loses the account before the write leaves the previous read models whole', async () => {
    const w = await makeWorld(target);
    seedCrm(w.crm);
    const first = await runSync(w.deps);
    const answer = await kpis(w.deps, first.account);
    w.crm.upsertDeal(deal('d9', { sourcePartnerId: 'p3', closedAt: '2026-02-12T00:00:00Z', amount: '700.00' }));
    w.clock.set('2026-03-20T13:00:00Z');
    await expect(
      runSync({
        ...w.deps,
        faults: (point) => {
          if (point === 'after-tasks') throw new SimulatedCrash(point);
        },
      }),
    ).rejects.toThrow(SimulatedCrash);
    expect((await readBasis(w.deps, first.account)).runId).toBe(first.runId);
    expect(await kpis(w.deps, first.account)).toEqual(answer);
    // a write whose fence is stale (another process took the account) changes nothing
    const stale = { account: first.account, epoch: 1, session: null };
    await raiseEpoch(w.store.db, first.account, Date.now());
    await expect(
      w.store.writeReadModels(stale, { runId: 'late', asOf: 0, fingerprint: 'x' }, [], true, 0),
    ).rejects.toThrow(AccountLostError);
    expect((await readBasis(w.deps, first.account)).runId).toBe(first.runId);
    expect(await kpis(w.deps, first.account)).toEqual(answer);
    // the next run writes the new figures
    const next = await runSync(w.deps);
    expect(next.status).toBe('succeeded');
    expect((await kpis(w.deps, first.account)).program).not.toEqual(answer.program);
    await w.store.close();
  });

  it('pages open alerts in the store in the order of docs/finance-rules.md §8, with counts per code', async () => {
    const w = await makeWorld(target);
    seedCrm(w.crm);
    for (let i = 0; i < 7; i++)
      w.crm.upsertDeal(deal(`u${i}`, { stage: 'open', closedAt: null, sourcePartnerId: i % 2 === 0 ? 'zz' : 'Zy' }));
    const run = await runSync(w.deps);
    const open = await w.store.openEpisodes(run.account);
    expect(open.length).toBeGreaterThan(7);
    const asAlert = (e: AlertEpisode): Alert => ({
      code: e.code as AlertCode,
      severity: e.severity as Severity,
      partnerId: e.partnerId,
      dealId: e.dealId,
      recipe: e.recipe,
      message: e.message,
    });
    const expected = [...open].sort((a, b) => compareAlerts(asAlert(a), asAlert(b)) || a.openedAt - b.openedAt);
    const paged: AlertEpisode[] = [];
    for (let offset = 0; offset < open.length; offset += 3)
      paged.push(...(await w.store.openEpisodePage(run.account, { offset, limit: 3 })));
    expect(paged).toEqual(expected);
    const warning = await w.store.openEpisodePage(run.account, { severity: 'warning', offset: 0, limit: 500 });
    expect(warning).toEqual(expected.filter((e) => e.severity === 'warning'));
    const code = expected[0]?.code ?? '';
    expect(await w.store.openEpisodePage(run.account, { code, offset: 1, limit: 2 })).toEqual(
      expected.filter((e) => e.code === code).slice(1, 3),
    );
    const counts = await w.store.openEpisodeCodes(run.account);
    expect(counts.reduce((n, c) => n + c.count, 0)).toBe(open.length);
    for (const c of counts)
      expect(c.count).toBe(open.filter((e) => e.code === c.code && e.severity === c.severity).length);
    await w.store.close();
  });

  it("sums a period's ledger totals in the store exactly as the statements do", async () => {
    const w = await makeWorld(target);
    seedCrm(w.crm);
    const run = await runSync(w.deps);
    // a closed month: its entries' status is as of the close
    const lock = await w.store.lock(run.account, 1000);
    await w.store.closePeriod(lock.fence, {
      period: '2026-02',
      closedAt: Date.parse('2026-03-01T00:00:00Z'),
      closedBy: 'test',
    });
    await lock.release();
    const deps = w.deps as unknown as AppDeps;
    const tz = new TimeZone(w.config.program.timezone);
    for (const label of ['2026-02', '2026-03', '2026-Q1', '2026']) {
      const period = parsePeriod(label);
      if (period === null) throw new Error(label);
      const c = { account: run.account, period, currentMonth: tz.monthOf(run.asOf) } as unknown as Current;
      const full = await ledgerView(deps, c);
      const summed = await ledgerTotalsView(deps, c);
      expect(summed).toEqual({ ...full, lines: [] });
      expect(full.entries).toBeGreaterThan(0);
    }
    await w.store.close();
  });

  it('pages and filters partner rows in the store', async () => {
    const w = await makeWorld(target);
    seedCrm(w.crm);
    for (const n of [4, 5, 6]) w.crm.upsertPartner(partner(`p${n}`, { name: `Partner_${n}%`, recipe: 'comarketing' }));
    const run = await runSync(w.deps);
    const label = '2026-02';
    const all = (await w.store.readModelPartners(run.account, label, {})) as PartnerReadRow[];
    expect(all.map((r) => r.id)).toEqual(['p1', 'p2', 'p3', 'p4', 'p5', 'p6']);
    const page = (await w.store.readModelPartners(run.account, label, { after: 'p2', limit: 2 })) as PartnerReadRow[];
    expect(page.map((r) => r.id)).toEqual(['p3', 'p4']);
    const byRecipe = (await w.store.readModelPartners(run.account, label, {
      recipe: 'comarketing',
    })) as PartnerReadRow[];
    expect(byRecipe.map((r) => r.id)).toEqual(['p3', 'p4', 'p5', 'p6']);
    const band = all[0]?.out.health.band ?? null;
    const byBand = (await w.store.readModelPartners(run.account, label, { band: band ?? 'none' })) as PartnerReadRow[];
    expect(byBand.map((r) => r.id)).toEqual(all.filter((r) => r.out.health.band === band).map((r) => r.id));
    const text = (await w.store.readModelPartners(run.account, label, { q: '_5%' })) as PartnerReadRow[];
    expect(text.map((r) => r.id)).toEqual(['p5']);
    const ids = (await w.store.readModelPartners(run.account, label, { ids: ['p6', 'p1', 'zz'] })) as PartnerReadRow[];
    expect(ids.map((r) => r.id)).toEqual(['p1', 'p6']);
    expect(await w.store.readModelPartners(run.account, '1999-01', {})).toEqual([]);
    expect(await w.store.readModelPeriod(run.account, '1999-01')).toBeNull();
    await w.store.close();
  });
});
