// Scoped runs (issue 21, src/sync/scope.ts): the index of the partners each cached deal names
// (deal_partner_refs, migration 014) follows every change of the snapshot cache and is rebuilt
// by the migration's fill; the ledger key totals know their partner and deal; the affected set
// read by index equals the one found by scanning the whole cache; and a targeted run after a clean
// run computes scoped. That scoped runs leave a full recompute's state is equivalence.test.ts's job.

import { describe, expect, it } from 'vitest';
import { dealRefs } from '../../src/domain/deal-refs.ts';
import type { PulledDeal, PulledPartner } from '../../src/domain/records.ts';
import { fillDealPartnerRefs, fillLedgerKeyPartners } from '../../src/store/migrations.ts';
import { runSync } from '../../src/sync/run-sync.ts';
import { scopeOf } from '../../src/sync/scope.ts';
import { deal, makeWorld, partner, PROGRAM_YAML, seedCrm, storeTargets, testConfig, type World } from './helpers.ts';

const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

async function refsTable(w: World): Promise<string[]> {
  const rows = await w.store.db
    .selectFrom('deal_partner_refs')
    .select(['deal_id', 'partner_id', 'role'])
    .where('account', '=', w.crm.account)
    .execute();
  return rows.map((r) => `${r.deal_id} ${r.role} ${r.partner_id}`).sort(byText);
}

async function refsOfCache(w: World): Promise<string[]> {
  const cache = await w.store.loadCache(w.crm.account);
  return cache.deals.flatMap((d) => dealRefs(d).map((r) => `${d.id} ${r.role} ${r.partnerId}`)).sort(byText);
}

/** The affected set found the slow way: scanning every cached deal (the reading of src/sync/scope.ts). */
function scanScope(
  cache: { partners: PulledPartner[]; deals: PulledDeal[] },
  changed: { deals: string[]; partners: string[] },
  before: PulledDeal[],
): { partners: string[]; deals: string[] } {
  const ids = (d: PulledDeal): string[] => dealRefs(d).map((r) => r.partnerId);
  const after = cache.deals.filter((d) => changed.deals.includes(d.id));
  const ap = new Set([...changed.partners, ...[...before, ...after].flatMap(ids)]);
  const customers = new Set([...before, ...after].flatMap((d) => (d.customerId ? [d.customerId] : [])));
  for (const d of cache.deals) {
    if (!ids(d).some((p) => changed.partners.includes(p))) continue;
    for (const p of ids(d)) ap.add(p);
    if (d.stage === 'open' && d.customerId) customers.add(d.customerId);
  }
  const groups = cache.deals.filter((d) => d.stage === 'open' && d.customerId && customers.has(d.customerId));
  for (const d of groups) for (const r of dealRefs(d)) if (r.role === 'registration') ap.add(r.partnerId);
  const ds = new Set([...changed.deals, ...groups.map((d) => d.id)]);
  for (const d of cache.deals) if (ids(d).some((p) => ap.has(p))) ds.add(d.id);
  return { partners: [...ap].sort(byText), deals: [...ds].sort(byText) };
}

describe.each(storeTargets())('scoped runs on $name', (target) => {
  it('deal_partner_refs follow every cache change, and the fill rebuilds them', async () => {
    const w = await makeWorld(target);
    seedCrm(w.crm);
    w.crm.upsertDeal(
      deal('d9', { sourcePartnerId: 'ghost', touches: [{ partnerId: 'p3', at: '2026-01-10T00:00:00Z' }] }),
    );
    await runSync(w.deps);
    const first = await refsTable(w);
    expect(first).toContain('d9 source ghost'); // unknown partners too
    expect(first).toContain('d2 touch p1');
    expect(first).toEqual(await refsOfCache(w));

    // incremental: an edit, a removal, a new deal
    w.crm.updateDeal('d2', { touches: [{ partnerId: 'p3', at: '2026-01-20T00:00:00Z' }] });
    w.crm.deleteDeal('d4');
    w.crm.upsertDeal(
      deal('d10', { registration: { partnerId: 'p2', status: 'submitted', submittedAt: '2026-03-01T00:00:00Z' } }),
    );
    await runSync(w.deps);
    // targeted
    w.crm.updateDeal('d1', { sourcePartnerId: 'p2' });
    await runSync(w.deps, { targeted: { deals: ['d1', 'd5'], partners: [] } });
    const now = await refsTable(w);
    expect(now).toContain('d2 touch p3');
    expect(now).not.toContain('d2 touch p1');
    expect(now.some((r) => r.startsWith('d4 '))).toBe(false);
    expect(now).toContain('d10 registration p2');
    expect(now).toContain('d1 source p2');
    expect(now).toEqual(await refsOfCache(w));

    // a full pull drops what the CRM no longer lists
    w.crm.deleteDeal('d9');
    await runSync(w.deps, { full: true });
    expect((await refsTable(w)).some((r) => r.startsWith('d9 '))).toBe(false);
    expect(await refsTable(w)).toEqual(await refsOfCache(w));

    await w.store.db.deleteFrom('deal_partner_refs').where('account', '=', w.crm.account).execute();
    await fillDealPartnerRefs(w.store.db, w.crm.account);
    expect(await refsTable(w)).toEqual(await refsOfCache(w));
    await w.store.close();
  });

  it('ledger key totals carry the partner and deal of their entries', async () => {
    const w = await makeWorld(target);
    seedCrm(w.crm);
    await runSync(w.deps);
    const totals = await w.store.db
      .selectFrom('ledger_key_totals')
      .select(['key', 'partner_id', 'deal_id'])
      .where('account', '=', w.crm.account)
      .execute();
    const entries = await w.store.ledgerEntries(w.crm.account, {});
    expect(totals.length).toBeGreaterThan(1);
    expect(totals.some((t) => t.deal_id === null)).toBe(true); // a fixed fee
    for (const t of totals) {
      const e = entries.find((x) => x.key === t.key);
      expect({ key: t.key, partner: t.partner_id, deal: t.deal_id }).toEqual({
        key: t.key,
        partner: e?.partnerId,
        deal: e?.dealId,
      });
    }
    // the fill of migration 014 sets them from the entries
    await w.store.db
      .updateTable('ledger_key_totals')
      .set({ partner_id: null, deal_id: null })
      .where('account', '=', w.crm.account)
      .execute();
    await fillLedgerKeyPartners(w.store.db, w.crm.account);
    const filled = await w.store.db
      .selectFrom('ledger_key_totals')
      .select(['key', 'partner_id', 'deal_id'])
      .where('account', '=', w.crm.account)
      .execute();
    expect(filled.sort((a, b) => byText(a.key, b.key))).toEqual(totals.sort((a, b) => byText(a.key, b.key)));
    const p1 = await w.store.ledgerKeyDeals(w.crm.account, ['p1']);
    expect(p1.sort(byText)).toEqual(
      [...new Set(entries.flatMap((e) => (e.partnerId === 'p1' && e.dealId !== null ? [e.dealId] : [])))].sort(byText),
    );
    await w.store.close();
  });

  it('reads the affected set by index as a scan of the whole cache finds it', async () => {
    const w = await makeWorld(target);
    seedCrm(w.crm);
    w.crm.upsertPartner(partner('p4'));
    w.crm.upsertDeal(
      deal('d11', { sourcePartnerId: 'p4', touches: [{ partnerId: 'p3', at: '2026-01-10T00:00:00Z' }] }),
    );
    w.crm.upsertDeal(
      deal('d12', {
        stage: 'open',
        closedAt: null,
        sourcePartnerId: null,
        customerId: 'shared2',
        registration: { partnerId: 'p4', status: 'submitted', submittedAt: '2026-03-03T00:00:00Z' },
      }),
    );
    await runSync(w.deps);
    const account = w.crm.account;
    const cache = await w.store.loadCache(account);
    const program = w.config.program;
    const cases: { deals: string[]; partners: string[] }[] = [
      { deals: ['d2'], partners: [] }, // names p2 and p1
      { deals: ['d8'], partners: [] }, // customer shared2: d7 (p2), d12 (p4)
      { deals: [], partners: ['p4'] }, // its co-partners: p3 on d11; its open deal's customer
      { deals: ['gone'], partners: ['p9'] }, // not cached
    ];
    for (const c of cases) {
      const before = cache.deals.filter((d) => c.deals.includes(d.id));
      const scope = await scopeOf(w.store, account, program, {
        deals: new Set(c.deals),
        partners: new Set(c.partners),
        before: { deals: new Map(before.map((d) => [d.id, d])), partners: new Map() },
      });
      const expected = scanScope(cache, c, before);
      expect({ partners: [...scope.partners].sort(byText), deals: [...scope.deals].sort(byText) }).toEqual(expected);
      // the sub-snapshot: DS, and every partner its deals name that exists
      const read = new Set(scope.snapshot.deals.map((d) => d.id));
      for (const id of scope.deals) if (cache.deals.some((d) => d.id === id)) expect(read.has(id)).toBe(true);
      const named = new Set(scope.snapshot.deals.flatMap((d) => dealRefs(d).map((r) => r.partnerId)));
      for (const p of cache.partners)
        if (named.has(p.id)) expect(scope.snapshot.partners.map((x) => x.id)).toContain(p.id);
    }
    // a changed deal whose customer moved: the open deals of the old customer are in scope too
    const d7 = cache.deals.find((d) => d.id === 'd7') as PulledDeal;
    const moved = await scopeOf(w.store, account, program, {
      deals: new Set(['d7']),
      partners: new Set(),
      before: { deals: new Map([['d7', { ...d7, customerId: 'shared' }]]), partners: new Map() },
    });
    expect(moved.deals.has('d6')).toBe(true); // customer "shared", registered by p1
    expect(moved.partners.has('p1')).toBe(true);
    await w.store.close();
  });

  it('a targeted run after a clean run computes scoped, and a full run or a config change does not', async () => {
    const w = await makeWorld(target);
    seedCrm(w.crm);
    w.crm.upsertDeal(deal('d20', { amount: 'n/a', sourcePartnerId: 'p3' })); // rejected, never in scope below
    const first = await runSync(w.deps);
    expect(first.report.scope).toMatchObject({ mode: 'full' });
    expect(first.report.scope?.reason).toMatch(/no computing run left a mark/);
    await runSync(w.deps); // reads back what it wrote: clean, leaves a mark
    w.clock.set('2026-03-20T12:00:10Z');
    w.crm.updateDeal('d1', { amount: '11000.00' });
    const scoped = await runSync(w.deps, { targeted: { deals: ['d1'], partners: [] } });
    expect(scoped.status).toBe('succeeded');
    expect(scoped.report.scope).toMatchObject({ mode: 'scoped', readModels: 'brought forward' });
    expect(scoped.report.scope?.partners).toBeGreaterThan(0);
    expect(scoped.report.scope?.read?.deals).toBeLessThan(8);
    expect(scoped.report.ledger.posted.adjustment).toBe(1);
    // the rejected deals stay the account's: d1 rejected now, the earlier run's others kept
    await runSync(w.deps);
    w.clock.set('2026-03-20T12:00:15Z');
    w.crm.updateDeal('d2', { amount: 'n/a' });
    const rejecting = await runSync(w.deps, { targeted: { deals: ['d2'], partners: [] } });
    expect(rejecting.report.scope).toMatchObject({ mode: 'scoped' });
    const whole = await runSync({ ...w.deps, store: w.store }, { full: true });
    expect(rejecting.report.snapshot.rejected).toEqual(whole.report.snapshot.rejected);
    expect(rejecting.report.snapshot.rejected.map((r) => r.dealId)).toEqual(['d2', 'd20']);
    expect(rejecting.report.snapshot.deals).toBeLessThan(9); // it read part of the account
    w.crm.updateDeal('d2', { amount: '5000.00' });
    await runSync(w.deps);
    await runSync(w.deps);
    // CURRENCY_RATE_MISSING counts the account's deals: a changed deal without a rate takes the full path
    await runSync(w.deps); // reads back what the scoped run wrote
    w.clock.set('2026-03-20T12:00:20Z');
    w.crm.updateDeal('d5', { amount: '3100.00' }); // EUR, which has a rate
    expect((await runSync(w.deps, { targeted: { deals: ['d5'], partners: [] } })).report.scope).toMatchObject({
      mode: 'scoped',
    });
    await runSync(w.deps);
    w.clock.set('2026-03-20T12:00:30Z');
    w.crm.updateDeal('d1', { currency: 'GBP' });
    const gbp = await runSync(w.deps, { targeted: { deals: ['d1'], partners: [] } });
    expect(gbp.report.scope).toMatchObject({ mode: 'full' });
    expect(gbp.report.scope?.reason).toMatch(/CURRENCY_RATE_MISSING/);
    expect((await w.store.openEpisodes(w.crm.account)).map((e) => e.code)).toContain('CURRENCY_RATE_MISSING');
    const full = await runSync(w.deps, { full: true });
    expect(full.report.scope).toMatchObject({ mode: 'full', reason: 'a full run' });
    const other = testConfig(PROGRAM_YAML.replace('rateBps: 1000', 'rateBps: 1100'));
    await runSync({ ...w.deps, config: other });
    w.crm.updateDeal('d1', { amount: '11600.00' });
    const changed = await runSync(w.deps, { targeted: { deals: ['d1'], partners: [] } });
    expect(changed.report.scope).toMatchObject({ mode: 'full', reason: 'the config changed' });
    await w.store.close();
  });
});
