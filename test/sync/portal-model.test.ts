// Issue 21: the partner pages' figures (deals with the partner's own amount and share, earned
// tier, wins and the next tier) are computed in the engine worker over the partner's part of the
// account (src/sync/scope.ts, read from the store by index), instead of one engine run over the
// whole snapshot on the event loop per page view. Each partner's figures equal what the per-view
// computation over the whole snapshot gave (the code src/http/partner/partner-data.ts had before,
// kept here as the reference): from the pure builder over the whole snapshot, and through the
// store's scope on SQLite and PostgreSQL.

import { afterAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { SourcedWins } from '../../src/domain/commissions.ts';
import { computeDetailed } from '../../src/domain/engine.ts';
import { formatMinor } from '../../src/domain/money.ts';
import type { Program } from '../../src/domain/program.ts';
import type { Snapshot } from '../../src/domain/snapshot.ts';
import { monthLabel, TimeZone } from '../../src/domain/time.ts';
import { randomUUID } from 'node:crypto';
import { FakeCrm } from '../../src/crm/fake/fake-crm.ts';
import { portalFigures } from '../../src/http/partner/partner-data.ts';
import { engineCalls, stopEngineWorker } from '../../src/sync/engine-pool.ts';
import { runSync } from '../../src/sync/run-sync.ts';
import { buildPortalIndex, portalPartner, type PortalPartner } from '../../src/sync/portal-model.ts';
import { syntheticSnapshot } from '../../bench/synthetic.ts';
import { makeWorld, storeTargets, testConfig } from './helpers.ts';

afterAll(async () => stopEngineWorker());

/** The partner pages' figures as partner-data.ts computed them per page view before issue 21. */
function reference(program: Program, cache: Snapshot, asOf: number, partnerId: string): PortalPartner {
  const tz = new TimeZone(program.timezone);
  const m = tz.monthOf(asOf);
  const { result, details } = computeDetailed(program, cache, {
    asOf,
    period: { label: monthLabel(m), kind: 'month', firstMonth: m, months: 1 },
  });
  const rec = details.partners.find((p) => p.id === partnerId);
  const out = result.partners.find((p) => p.id === partnerId);
  const closeDates = new Map(cache.deals.map((d) => [d.id, d.closedAt ?? null]));
  const deals: PortalPartner['deals'] = [];
  if (rec !== undefined) {
    details.deals.forEach((d, i) => {
      let amount = 0n;
      let attributed = false;
      for (let k = details.rows.start(i); k < details.rows.end(i); k++) {
        if (details.rows.partner(k) !== rec.idx) continue;
        attributed = true;
        amount += details.rows.amount(k);
      }
      const touched = d.touches.some((t) => t.partner === rec.idx);
      const registered = d.reg?.partner === rec.idx;
      if (!attributed && d.source !== rec.idx && !touched && !registered) return;
      deals.push({
        id: d.id,
        name: d.name,
        stage: d.stage,
        closeDate: (closeDates.get(d.id) ?? null)?.slice(0, 10) ?? null,
        role: d.source === rec.idx ? 'sourced' : attributed || touched ? 'influenced' : 'registered',
        amount: formatMinor(amount, program.exponent),
        sharePercent: d.amount === 0n ? null : Number((amount * 1000n) / d.amount) / 10,
      });
    });
  }
  deals.sort((a, b) => (a.closeDate ?? '9999').localeCompare(b.closeDate ?? '9999') || (a.id < b.id ? -1 : 1));
  const tiers = rec?.recipe?.plan?.type === 'percent' ? (rec.recipe.plan.tiers ?? null) : null;
  const wins =
    rec === undefined ? 0 : new SourcedWins(details.partners.length, details.deals).countInYearTo(rec.idx, asOf);
  const next = tiers?.find((t) => t.minWonDeals > wins) ?? null;
  return {
    tier: out?.tier ?? null,
    winsLast365: wins,
    nextTier:
      next === null ? null : { name: next.name, minWonDeals: next.minWonDeals, winsNeeded: next.minWonDeals - wins },
    deals,
  };
}

const YAML = `${readFileSync(new URL('../../config/examples/program.yaml', import.meta.url), 'utf8')}\ncrm:\n  provider: hubspot\n`;

describe('the partner pages from the pure builder over the whole snapshot', () => {
  const program = testConfig(YAML).program;
  const asOf = Date.parse('2026-11-15T12:00:00Z');
  const synthetic = syntheticSnapshot(1200, 40, asOf, 11);
  // deals a partner only registered (no source, no touch): rejected or still pending
  const snapshot: Snapshot = {
    partners: synthetic.partners,
    deals: [
      ...synthetic.deals,
      ...(['rejected', 'submitted', 'approved'] as const).map((status, i) => ({
        id: `reg-only-${i}`,
        name: `Registered ${status}`,
        amount: i === 2 ? '0' : '1000.00',
        currency: 'USD',
        stage: 'open',
        createdAt: '2026-10-01T00:00:00Z',
        customerId: `reg-customer-${i}`,
        registration: {
          partnerId: 'p3',
          status,
          submittedAt: '2026-09-30T00:00:00Z',
          expiresAt: '2026-12-30T00:00:00Z',
        },
        touches: [],
      })),
    ],
  };

  it("equal, partner by partner, the per-view computation's figures", () => {
    const index = buildPortalIndex(program, snapshot, asOf);
    let deals = 0;
    const roles = new Set<string>();
    for (const p of snapshot.partners) {
      const want = reference(program, snapshot, asOf, p.id);
      expect(portalPartner(index, p.id), p.id).toEqual(want);
      deals += want.deals.length;
      for (const d of want.deals) roles.add(d.role);
    }
    // the account exercises every role, tiers and next tiers
    expect(deals).toBeGreaterThan(1200);
    expect([...roles].sort()).toEqual(['influenced', 'registered', 'sourced']);
    expect(snapshot.partners.some((p) => portalPartner(index, p.id)?.nextTier !== null)).toBe(true);
    expect(portalPartner(index, 'no-such-partner')).toBeNull();
  });
});

describe.each(storeTargets())("the partner pages over the partner's part of the account on $name", (target) => {
  it("equal the whole account's figures for every partner, computed in the worker", { timeout: 180_000 }, async () => {
    const crm = new FakeCrm({ account: `acct-${randomUUID()}`, pageSize: 500 });
    const w = await makeWorld(target, { crm, config: testConfig(YAML), at: '2026-11-15T12:00:00Z' });
    const synthetic = syntheticSnapshot(600, 30, w.clock.now(), 5);
    for (const p of synthetic.partners) crm.upsertPartner({ ...p, ownerId: null });
    for (const d of synthetic.deals) crm.upsertDeal({ ...d, ownerId: null });
    // a partner with no deal at all
    crm.upsertPartner({ id: 'lonely', name: 'Lonely', recipe: 'referral', ownerId: null });
    expect((await runSync(w.deps)).status).toBe('succeeded');
    const cache = await w.store.loadCache(crm.account);
    const program = w.config.program;
    // a later instant than the run: as of the request, as the pages always were
    const asOf = w.clock.now() + 3 * 86_400_000;
    const before = engineCalls.portal;
    for (const p of [...cache.partners.map((x) => x.id)]) {
      const found = await portalFigures(w.deps, crm.account, p, asOf);
      expect(found?.partner.id).toBe(p);
      expect(found?.figures, p).toEqual(reference(program, cache, asOf, p));
    }
    expect(engineCalls.portal).toBe(before + cache.partners.length);
    expect(await portalFigures(w.deps, crm.account, 'no-such-partner', asOf)).toBeNull();
    await w.store.close();
  });
});
