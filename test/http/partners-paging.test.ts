// Issue 21: /v1/partners is paged (limit, opaque cursor) with its filters done in the store, on
// SQLite and PostgreSQL; bad limits and cursors are 400s naming the parameter.

import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeCrm } from '../../src/crm/fake/fake-crm.ts';
import { partner, seedCrm, storeTargets } from '../sync/helpers.ts';
import { startTestService, TOKENS, type TestService } from './service-helpers.ts';

interface Page {
  partners: { id: string; name: string; recipe: string | null; latest: { health: { band: string | null } } | null }[];
  nextCursor: string | null;
}

describe.each(storeTargets())('paged /v1/partners on $name', (target) => {
  let svc: TestService;
  const get = async (path: string): Promise<Page> => {
    const res = await svc.get(path, TOKENS.viewer);
    expect(res.status).toBe(200);
    return (await res.json()) as Page;
  };

  beforeAll(async () => {
    const crm = new FakeCrm({ account: `acct-page-${randomUUID()}`, pageSize: 50 });
    seedCrm(crm);
    for (const n of [4, 5, 6, 7]) crm.upsertPartner(partner(`p${n}`, { name: `Partner_${n}%` }));
    svc = await startTestService({ crm, seed: () => undefined, storeUrl: target.url() });
  }, 60_000);
  afterAll(async () => {
    await svc.stop();
  });

  it('walks every partner once, in id order, page by page', async () => {
    const all = await get('/v1/partners');
    expect(all.partners.map((p) => p.id)).toEqual(['p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7']);
    expect(all.nextCursor).toBeNull();
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: Page = await get(`/v1/partners?limit=3${cursor === null ? '' : `&cursor=${cursor}`}`);
      expect(page.partners.length).toBeLessThanOrEqual(3);
      seen.push(...page.partners.map((p) => p.id));
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor !== null);
    expect(pages).toBe(3);
    expect(seen).toEqual(all.partners.map((p) => p.id));
    // a page equals the same partners of the unpaged list
    const second = await get(`/v1/partners?limit=2&cursor=${(await get('/v1/partners?limit=2')).nextCursor ?? ''}`);
    expect(second.partners).toEqual(all.partners.slice(2, 4));
  });

  it('filters in the store: recipe, band, text (case-insensitive, % and _ taken literally)', async () => {
    const all = await get('/v1/partners');
    expect((await get('/v1/partners?recipe=comarketing')).partners.map((p) => p.id)).toEqual(['p3']);
    const band = all.partners.find((p) => p.latest?.health.band != null)?.latest?.health.band;
    expect(band).toBeDefined();
    const byBand = await get(`/v1/partners?band=${band ?? ''}`);
    expect(byBand.partners.map((p) => p.id)).toEqual(
      all.partners.filter((p) => p.latest?.health.band === band).map((p) => p.id),
    );
    expect((await get('/v1/partners?q=PARTNER_5')).partners.map((p) => p.id)).toEqual(['p5']);
    expect((await get(`/v1/partners?q=${encodeURIComponent('_6%')}`)).partners.map((p) => p.id)).toEqual(['p6']);
    expect((await get(`/v1/partners?q=${encodeURIComponent('%')}`)).partners.map((p) => p.id)).toEqual([
      'p4',
      'p5',
      'p6',
      'p7',
    ]);
    const paged = await get('/v1/partners?q=partner_&limit=1');
    expect(paged.partners.map((p) => p.id)).toEqual(['p4']);
    expect((await get(`/v1/partners?q=partner_&limit=10&cursor=${paged.nextCursor ?? ''}`)).partners.length).toBe(3);
  });

  it('refuses a bad limit or cursor with a 400 naming the parameter', async () => {
    for (const [query, param] of [
      ['limit=0', 'query.limit'],
      ['limit=501', 'query.limit'],
      ['limit=ten', 'query.limit'],
      ['limit=2.5', 'query.limit'],
      ['cursor=not-a-cursor', 'query.cursor'],
    ] as const) {
      const res = await svc.get(`/v1/partners?${query}`, TOKENS.viewer);
      expect(res.status, query).toBe(400);
      expect(((await res.json()) as { error: { message: string } }).error.message, query).toContain(param);
    }
  });
});
