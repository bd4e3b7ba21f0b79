// Issue 21: /v1/runs is paged (limit, opaque cursor, nextCursor) with its status and mode filters
// done in the store, on SQLite and PostgreSQL; bad parameters are 400s naming them.

import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeCrm } from '../../src/crm/fake/fake-crm.ts';
import type { RunStatus } from '../../src/store/store.ts';
import { encodePartnerCursor } from '../../src/sync/queries.ts';
import { seedCrm, storeTargets } from '../sync/helpers.ts';
import { startTestService, TOKENS, type TestService } from './service-helpers.ts';

interface Page {
  runs: { id: string; status: string; mode: string; startedAt: string }[];
  nextCursor: string | null;
}

describe.each(storeTargets())('paged /v1/runs on $name', (target) => {
  let svc: TestService;
  let account: string;
  const get = async (path: string): Promise<Page> => {
    const res = await svc.get(path, TOKENS.viewer);
    expect(res.status, path).toBe(200);
    return (await res.json()) as Page;
  };
  /** Every page of `query`, followed by nextCursor with `limit`. */
  const walk = async (query: string, limit: number): Promise<{ ids: string[]; pages: number }> => {
    const ids: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: Page = await get(`/v1/runs?${query}&limit=${limit}${cursor === null ? '' : `&cursor=${cursor}`}`);
      expect(page.runs.length).toBeLessThanOrEqual(limit);
      ids.push(...page.runs.map((r) => r.id));
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor !== null);
    return { ids, pages };
  };

  beforeAll(async () => {
    const crm = new FakeCrm({ account: `acct-runs-${randomUUID()}`, pageSize: 50 });
    seedCrm(crm);
    svc = await startTestService({ crm, seed: () => undefined, storeUrl: target.url() });
    account = crm.account;
    // eleven more runs, several started in the same millisecond (the id orders those)
    const kinds: [string, RunStatus][] = [
      ['full', 'succeeded'],
      ['incremental', 'failed'],
      ['targeted', 'succeeded'],
      ['incremental', 'stopped'],
      ['targeted', 'failed'],
    ];
    for (let i = 0; i < 11; i++) {
      const [mode, status] = kinds[i % kinds.length] ?? ['full', 'succeeded'];
      const id = randomUUID();
      const startedAt = Date.parse('2026-03-01T00:00:00Z') + Math.floor(i / 3) * 60_000;
      await svc.store.startRun({ id, account, mode, startedAt, asOf: startedAt, report: {} });
      await svc.store.finishRun(id, status, startedAt + 1000, {});
    }
  }, 60_000);
  afterAll(async () => {
    await svc.stop();
  });

  it('walks every run once, newest first, page by page', async () => {
    const all = await get('/v1/runs?limit=500');
    expect(all.runs).toHaveLength(12);
    expect(all.nextCursor).toBeNull();
    const order = all.runs.map((r) => `${r.startedAt} ${r.id}`);
    expect(order).toEqual([...order].sort().reverse());
    const walked = await walk('', 5);
    expect(walked.pages).toBe(3);
    expect(walked.ids).toEqual(all.runs.map((r) => r.id));
    expect((await walk('', 1)).ids).toEqual(all.runs.map((r) => r.id));
    // the default page is the newest 50, as before
    expect((await get('/v1/runs')).runs).toEqual(all.runs);
  });

  it('filters status and mode in the store, paging included', async () => {
    const all = (await get('/v1/runs?limit=500')).runs;
    const failed = all.filter((r) => r.status === 'failed').map((r) => r.id);
    expect(failed.length).toBeGreaterThan(2);
    expect((await walk('status=failed', 2)).ids).toEqual(failed);
    const targeted = all.filter((r) => r.mode === 'targeted').map((r) => r.id);
    expect((await walk('mode=targeted', 2)).ids).toEqual(targeted);
    const both = all.filter((r) => r.mode === 'incremental' && r.status === 'stopped').map((r) => r.id);
    expect(both.length).toBeGreaterThan(0);
    expect((await walk('mode=incremental&status=stopped', 1)).ids).toEqual(both);
    expect((await get('/v1/runs?status=running')).runs).toEqual([]);
  });

  it('refuses a bad limit, cursor or filter with a 400 naming the parameter', async () => {
    for (const [query, param] of [
      ['limit=0', 'query.limit'],
      ['limit=501', 'query.limit'],
      ['limit=ten', 'query.limit'],
      ['cursor=not-a-cursor', 'query.cursor'],
      // a partner list's cursor is not a run cursor
      [`cursor=${encodePartnerCursor('p1')}`, 'query.cursor'],
      ['status=done', 'query.status'],
      ['mode=dry', 'query.mode'],
    ] as const) {
      const res = await svc.get(`/v1/runs?${query}`, TOKENS.viewer);
      expect(res.status, query).toBe(400);
      expect(((await res.json()) as { error: { message: string } }).error.message, query).toContain(param);
    }
    const res = await svc.get('/v1/runs?limit=501', TOKENS.viewer);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain('follow nextCursor');
  });
});
