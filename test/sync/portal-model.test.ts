// Issue 21: the partner pages' figures (deals with the partner's own amount and share, earned
// tier, wins and the next tier) are computed once per run for every partner (portal-model.ts) in
// the engine worker, instead of one engine run over the whole snapshot per page view. On a
// synthetic account, each partner's figures equal what the per-view computation gave (the code
// src/http/partner/partner-data.ts had before, kept here as the reference), and the worker
// computes once per key however many partners ask.

import { afterAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { SourcedWins } from '../../src/domain/commissions.ts';
import { computeDetailed } from '../../src/domain/engine.ts';
import { formatMinor } from '../../src/domain/money.ts';
import type { Program } from '../../src/domain/program.ts';
import type { Snapshot } from '../../src/domain/snapshot.ts';
import { monthLabel, TimeZone } from '../../src/domain/time.ts';
import { engineCalls, partnerPortalOffLoop, stopEngineWorker } from '../../src/sync/engine-pool.ts';
import { buildPortalIndex, portalPartner, type PortalPartner } from '../../src/sync/portal-model.ts';
import { syntheticSnapshot } from '../../bench/synthetic.ts';
import { testConfig } from './helpers.ts';

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

describe('the partner pages computed once per run', () => {
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

  it('are computed in the worker once per key, whichever partner asks', { timeout: 60_000 }, async () => {
    const before = engineCalls.portal;
    let loads = 0;
    const load = () => {
      loads++;
      return Promise.resolve({ program, snapshot, asOf });
    };
    const ids = snapshot.partners.slice(0, 8).map((p) => p.id);
    const answers = await Promise.all(ids.map((id) => partnerPortalOffLoop('run-1', id, load)));
    const index = buildPortalIndex(program, snapshot, asOf);
    expect(answers).toEqual(ids.map((id) => portalPartner(index, id)));
    expect(await partnerPortalOffLoop('run-1', ids[0] ?? '', load)).toEqual(answers[0]);
    expect(loads).toBe(1);
    expect(engineCalls.portal).toBe(before + 1);
    // another run: computed again, as of its own instant
    const later = asOf + 40 * 86_400_000;
    const next = await partnerPortalOffLoop('run-2', ids[1] ?? '', () =>
      Promise.resolve({ program, snapshot, asOf: later }),
    );
    expect(next).toEqual(reference(program, snapshot, later, ids[1] ?? ''));
    expect(engineCalls.portal).toBe(before + 2);
    // a restarted worker holds nothing: the key is computed again
    await stopEngineWorker();
    expect(
      await partnerPortalOffLoop('run-2', ids[1] ?? '', () => Promise.resolve({ program, snapshot, asOf: later })),
    ).toEqual(next);
    expect(engineCalls.portal).toBe(before + 3);
  });
});
