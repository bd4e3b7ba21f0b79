// Issue 21: GET /v1/kpis pages its partners like GET /v1/partners (limit 1–500, the same opaque
// cursor, nextCursor), with the partner list's filters done in the store, on SQLite and
// PostgreSQL; every page carries the period's program and recipe KPIs whole. A period the run did
// not store is computed once and its pages are served from that computation. Bad parameters are
// 400s naming the parameter.

import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeCrm } from '../../src/crm/fake/fake-crm.ts';
import { encodePartnerCursor } from '../../src/sync/queries.ts';
import { engineCalls } from '../../src/sync/engine-pool.ts';
import { deal, partner, seedCrm, storeTargets } from '../sync/helpers.ts';
import { startTestService, TOKENS, type TestService } from './service-helpers.ts';

interface KpiPartner {
  id: string;
  kpis: { attributedRevenue: string };
  health: { band: string | null };
  tier: string | null;
}
interface Page {
  asOf: string;
  currency: string;
  period: { label: string };
  partners: KpiPartner[];
  recipes: unknown[];
  program: unknown;
  nextCursor: string | null;
}

const IDS = ['p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7'];

describe.each(storeTargets())('paged /v1/kpis on $name', (target) => {
  let svc: TestService;
  const get = async (path: string): Promise<Page> => {
    const res = await svc.get(path, TOKENS.viewer);
    expect(res.status, path).toBe(200);
    return (await res.json()) as Page;
  };
  /** Every page of a query, following nextCursor. */
  const walk = async (query: string, limit: number): Promise<Page[]> => {
    const pages: Page[] = [];
    let cursor: string | null = null;
    do {
      const page: Page = await get(`/v1/kpis?${query}&limit=${limit}${cursor === null ? '' : `&cursor=${cursor}`}`);
      expect(page.partners.length).toBeLessThanOrEqual(limit);
      pages.push(page);
      cursor = page.nextCursor;
      expect(pages.length).toBeLessThan(20);
    } while (cursor !== null);
    return pages;
  };
  const totals = (p: Page) => ({
    asOf: p.asOf,
    currency: p.currency,
    period: p.period,
    recipes: p.recipes,
    program: p.program,
  });

  beforeAll(async () => {
    const crm = new FakeCrm({ account: `acct-kpis-${randomUUID()}`, pageSize: 50 });
    seedCrm(crm);
    for (const n of [4, 5, 6, 7]) {
      crm.upsertPartner(partner(`p${n}`, { name: `Partner_${n}%` }));
      crm.upsertDeal(
        deal(`k${n}`, {
          sourcePartnerId: `p${n}`,
          amount: `${n}000.00`,
          closedAt: '2026-02-1' + String(n) + 'T00:00:00Z',
        }),
      );
    }
    svc = await startTestService({ crm, seed: () => undefined, storeUrl: target.url() });
  }, 60_000);
  afterAll(async () => {
    await svc.stop();
  });

  it('walks a stored period page by page from the store, each page with the whole totals', async () => {
    const before = engineCalls.kpis + engineCalls.model;
    const all = await get('/v1/kpis?limit=500');
    expect(all.period.label).toBe('2026-02');
    expect(all.partners.map((p) => p.id)).toEqual(IDS);
    expect(all.nextCursor).toBeNull();
    // the default page is 100 partners: this account fits in one
    expect(await get('/v1/kpis')).toEqual(all);
    const pages = await walk('period=2026-02', 3);
    expect(pages.map((p) => p.partners.length)).toEqual([3, 3, 1]);
    expect(pages.flatMap((p) => p.partners)).toEqual(all.partners);
    for (const p of pages) expect(totals(p)).toEqual(totals(all));
    // a page read on its own equals the same partners of the whole list
    const second = await get(`/v1/kpis?limit=2&cursor=${encodePartnerCursor('p2')}`);
    expect(second.partners).toEqual(all.partners.slice(2, 4));
    expect(second.nextCursor).not.toBeNull();
    // a stored period never runs the engine
    expect(engineCalls.kpis + engineCalls.model).toBe(before);
  });

  it('computes a period the run did not store once, and pages that computation', async () => {
    const before = engineCalls.model;
    const pages = await walk('period=2025', 2);
    expect(engineCalls.model).toBe(before + 1);
    expect(pages.length).toBe(4);
    const all = await get('/v1/kpis?period=2025&limit=500');
    expect(engineCalls.model).toBe(before + 1);
    expect(all.period.label).toBe('2025');
    expect(pages.flatMap((p) => p.partners)).toEqual(all.partners);
    expect(all.partners.map((p) => p.id)).toEqual(IDS);
    for (const p of pages) expect(totals(p)).toEqual(totals(all));
    // the same filters and cursor as a stored period
    const filtered = await walk('period=2025&q=partner_', 3);
    expect(filtered.flatMap((p) => p.partners.map((x) => x.id))).toEqual(['p4', 'p5', 'p6', 'p7']);
    expect(engineCalls.model).toBe(before + 1);
  });

  it('filters in the store: recipe, band, tier, text (case-insensitive, % and _ taken literally)', async () => {
    const all = await get('/v1/kpis?limit=500');
    expect((await get('/v1/kpis?recipe=comarketing')).partners.map((p) => p.id)).toEqual(['p3']);
    const band = all.partners.find((p) => p.health.band !== null)?.health.band;
    expect(band).toBeDefined();
    const byBand = await walk(`band=${band ?? ''}`, 1);
    expect(byBand.flatMap((p) => p.partners.map((x) => x.id))).toEqual(
      all.partners.filter((p) => p.health.band === band).map((p) => p.id),
    );
    const tiers = all.partners.map((p) => p.tier);
    const tier = tiers.find((t) => t !== null) ?? 'Gold';
    expect((await get(`/v1/kpis?tier=${encodeURIComponent(tier)}`)).partners.map((p) => p.id)).toEqual(
      all.partners.filter((p) => p.tier === tier).map((p) => p.id),
    );
    expect((await get('/v1/kpis?q=PARTNER_5')).partners.map((p) => p.id)).toEqual(['p5']);
    expect((await get(`/v1/kpis?q=${encodeURIComponent('_6%')}`)).partners.map((p) => p.id)).toEqual(['p6']);
    const text = await walk('q=partner_', 3);
    expect(text.flatMap((p) => p.partners.map((x) => x.id))).toEqual(['p4', 'p5', 'p6', 'p7']);
    // a filter narrows the partners only: the totals stay the period's
    for (const p of text) expect(totals(p)).toEqual(totals(all));
    expect((await get('/v1/kpis?q=nobody')).partners).toEqual([]);
  });

  it('refuses bad parameters with a 400 naming the parameter and the fix', async () => {
    for (const [query, param, fix] of [
      ['limit=0', 'query.limit', 'whole number from 1 to 500'],
      ['limit=501', 'query.limit', 'follow nextCursor'],
      ['limit=ten', 'query.limit', 'whole number from 1 to 500'],
      ['limit=2.5', 'query.limit', 'whole number from 1 to 500'],
      ['cursor=not-a-cursor', 'query.cursor', 'nextCursor unchanged'],
      ['band=great', 'query.band', 'at_risk'],
      ['period=2026-13', 'query.period', 'YYYY-MM'],
      ['page=2', 'page', ''],
    ] as const) {
      const res = await svc.get(`/v1/kpis?${query}`, TOKENS.viewer);
      expect(res.status, query).toBe(400);
      const message = ((await res.json()) as { error: { message: string } }).error.message;
      expect(message, query).toContain(param);
      expect(message, query).toContain(fix);
    }
  });
});
