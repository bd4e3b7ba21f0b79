// Issue 21, over HTTP against the real app: after a run, the /v1 reads and the dashboard pages
// read the run's read models and never run the engine (counted through engine-pool's
// engineCalls, the seam every read-side computation goes through); a period the run did not
// store is computed once and then served from the cache; the figures are as of the run.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engineCalls } from '../../src/sync/engine-pool.ts';
import { signIn, startUiService, TOKENS, type Browserless, type UiService } from '../ui/ui-service.ts';

const calls = (): number => engineCalls.kpis + engineCalls.model;

let svc: UiService;
let ui: Browserless;
let asOf: string;
let partnerId: string;

beforeAll(async () => {
  svc = await startUiService();
  ui = await signIn(svc.url, TOKENS.finance);
  const runs = await svc.api<{ runs: { asOf: string; status: string }[] }>('/v1/runs', TOKENS.viewer);
  asOf = runs.runs[0]?.asOf ?? '';
  const list = await svc.api<{ partners: { id: string }[] }>('/v1/partners?limit=1', TOKENS.viewer);
  partnerId = list.partners[0]?.id ?? '';
}, 60_000);
afterAll(async () => {
  await svc.stop();
});

const page = async (path: string): Promise<string> => {
  const res = await ui.get(path);
  expect(res.status, path).toBe(200);
  return res.text();
};

describe('reads after a run (issue 21)', () => {
  it('answer the API and every dashboard page without running the engine, as of the run', async () => {
    expect(asOf).toMatch(/^2026-03-20T12:00:00/);
    const before = calls();
    const kpis = await svc.api<{ asOf: string; period: { label: string }; partners: unknown[] }>(
      '/v1/kpis',
      TOKENS.viewer,
    );
    expect(kpis.period.label).toBe('2026-02');
    expect(Date.parse(kpis.asOf)).toBe(Date.parse(asOf));
    expect(kpis.partners.length).toBeGreaterThan(0);
    const recipes = await svc.api<{ asOf: string; recipes: { kpis: unknown }[] }>('/v1/recipes', TOKENS.viewer);
    expect(recipes.asOf).toBe(kpis.asOf);
    expect(recipes.recipes.some((r) => r.kpis !== null)).toBe(true);
    await svc.api('/v1/kpis?period=2026-03', TOKENS.viewer);
    await svc.api('/v1/partners', TOKENS.viewer);
    const one = await svc.api<{ id: string }>(`/v1/partners/${encodeURIComponent(partnerId)}`, TOKENS.viewer);
    expect(one.id).toBe(partnerId);
    for (const path of ['/ui', '/ui/partners', '/ui/recipes', `/ui/partners/${encodeURIComponent(partnerId)}`]) {
      const html = await page(path);
      expect(html, path).toContain(`as of ${kpis.asOf}`);
    }
    await page('/ui?period=2026-03');
    await page(`/ui/partners/${encodeURIComponent(partnerId)}?period=2026-03`);
    expect(calls()).toBe(before);
  });

  it('stays as of the run while time passes', async () => {
    const first = await svc.api<unknown>('/v1/kpis', TOKENS.viewer);
    svc.clock.set('2026-04-03T09:00:00Z');
    try {
      const before = calls();
      expect(await svc.api<unknown>('/v1/kpis', TOKENS.viewer)).toEqual(first);
      // a new session (the first one has expired by then): the page still shows the run's period
      const later = await signIn(svc.url, TOKENS.viewer);
      const res = await later.get('/ui');
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('Program 2026-02');
      expect(calls()).toBe(before);
    } finally {
      svc.clock.set('2026-03-20T12:00:00Z');
    }
  });

  it('computes another period once, then serves it from the cache', async () => {
    const before = engineCalls.model;
    const a = await svc.api<{ period: { label: string } }>('/v1/kpis?period=2025-Q4', TOKENS.viewer);
    expect(a.period.label).toBe('2025-Q4');
    expect(engineCalls.model).toBe(before + 1);
    expect(await svc.api('/v1/kpis?period=2025-Q4', TOKENS.viewer)).toEqual(a);
    await page('/ui/recipes?period=2025-Q4');
    await page('/ui/partners?period=2025-Q4');
    expect(engineCalls.model).toBe(before + 1);
  });

  it('answers 404 for a partner the run does not know, reading one row', async () => {
    const res = await fetch(`${svc.url}/v1/partners/no-such-partner`, {
      headers: { authorization: `Bearer ${TOKENS.viewer}` },
    });
    expect(res.status).toBe(404);
    expect((await ui.get('/ui/partners/no-such-partner')).status).toBe(404);
  });
});
