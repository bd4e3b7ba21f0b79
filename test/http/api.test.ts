import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, TOKENS, type TestService } from './service-helpers.ts';

let svc: TestService;
beforeAll(async () => {
  svc = await startTestService();
});
afterAll(async () => {
  await svc.stop();
});

type Who = 'none' | 'bad' | 'viewer' | 'finance' | 'admin';
const token = (who: Who): string | undefined =>
  who === 'none' ? undefined : who === 'bad' ? 'not-a-valid-token-at-all' : TOKENS[who];

// every route of docs/product.md with the lowest role it needs ('open' = no token)
const ROUTES: { method: 'GET' | 'POST'; path: string; need: 'open' | 'viewer' | 'finance' | 'admin' }[] = [
  { method: 'GET', path: '/healthz', need: 'open' },
  { method: 'GET', path: '/readyz', need: 'open' },
  { method: 'GET', path: '/metrics', need: 'viewer' },
  { method: 'GET', path: '/v1/runs', need: 'viewer' },
  { method: 'GET', path: '/v1/runs/some-run', need: 'viewer' },
  { method: 'GET', path: '/v1/partners', need: 'viewer' },
  { method: 'GET', path: '/v1/partners/p1', need: 'viewer' },
  { method: 'GET', path: '/v1/recipes', need: 'viewer' },
  { method: 'GET', path: '/v1/kpis?period=2026-03', need: 'viewer' },
  { method: 'GET', path: '/v1/exports/commissions?period=2026-03&format=json', need: 'finance' },
  { method: 'GET', path: '/v1/statements/p1?period=2026-03', need: 'finance' },
  { method: 'POST', path: '/v1/periods/2026-01/close', need: 'finance' },
  { method: 'POST', path: '/v1/sync', need: 'admin' },
];
const RANK = { none: -1, bad: -1, viewer: 0, finance: 1, admin: 2 } as const;
const NEED = { open: -1, viewer: 0, finance: 1, admin: 2 } as const;

describe('auth matrix: every route × every role', () => {
  for (const route of ROUTES) {
    for (const who of ['none', 'bad', 'viewer', 'finance', 'admin'] as const) {
      const allowed = route.need === 'open' || RANK[who] >= NEED[route.need];
      it(`${route.method} ${route.path} as ${who} → ${allowed ? 'allowed' : who === 'none' || who === 'bad' ? '401' : '403'}`, async () => {
        if (route.path === '/v1/sync') await svc.syncs.idle();
        const res =
          route.method === 'GET' ? await svc.get(route.path, token(who)) : await svc.post(route.path, token(who));
        if (allowed) {
          expect([401, 403]).not.toContain(res.status);
          expect(res.status).toBeLessThan(500);
        } else {
          expect(res.status).toBe(who === 'none' || who === 'bad' ? 401 : 403);
          const body = (await res.json()) as { error: { code: string; message: string } };
          expect(body.error.code).toBe(res.status === 401 ? 'unauthorized' : 'forbidden');
          expect(body.error.message.length).toBeGreaterThan(10);
        }
      });
    }
  }

  it('answers unknown routes with 404 in the error shape, even with a token', async () => {
    const res = await svc.get('/v1/nope', TOKENS.admin);
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: { code: 'not_found' } });
  });
});

describe('routes', () => {
  it('reports health without details and readiness of store and CRM', async () => {
    expect(await (await svc.get('/healthz')).json()).toEqual({ status: 'ok' });
    expect(await (await svc.get('/readyz')).json()).toEqual({ status: 'ready' });
  });

  it('lists runs and partners with their latest results', async () => {
    const runs = (await (await svc.get('/v1/runs', TOKENS.viewer)).json()) as {
      runs: { id: string; status: string }[];
    };
    expect(runs.runs.length).toBeGreaterThan(0);
    const one = await svc.get(`/v1/runs/${runs.runs[0]?.id ?? ''}`, TOKENS.viewer);
    expect(one.status).toBe(200);
    const partners = (await (await svc.get('/v1/partners', TOKENS.viewer)).json()) as {
      partners: { id: string; latest: { health: { band: string } } | null }[];
    };
    expect(partners.partners.map((p) => p.id).sort()).toEqual(['p1', 'p2', 'p3']);
    const band = partners.partners[0]?.latest?.health.band ?? 'watch';
    const filtered = (await (await svc.get(`/v1/partners?band=${band}`, TOKENS.viewer)).json()) as {
      partners: { latest: { health: { band: string } } }[];
    };
    expect(filtered.partners.every((p) => p.latest.health.band === band)).toBe(true);
    expect((await svc.get('/v1/partners/nope', TOKENS.viewer)).status).toBe(404);
  });

  it('answers KPIs for a period with the partners, recipes and program parts', async () => {
    const k = (await (await svc.get('/v1/kpis?period=2026-Q1', TOKENS.viewer)).json()) as Record<string, unknown>;
    expect(Object.keys(k)).toEqual(['asOf', 'currency', 'period', 'partners', 'recipes', 'program', 'nextCursor']);
    expect(k['period']).toMatchObject({ label: '2026-Q1' });
    const bad = await svc.get('/v1/kpis?period=2026-13-01', TOKENS.viewer);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({
      error: { code: 'invalid_request', message: expect.stringContaining('query.period') as unknown },
    });
  });

  it('lists recipes with their config and KPIs', async () => {
    const r = (await (await svc.get('/v1/recipes', TOKENS.viewer)).json()) as {
      recipes: { id: string; name: string; kpis: unknown }[];
    };
    expect(r.recipes.map((x) => x.id)).toEqual(['comarketing', 'referral', 'share']);
    expect(r.recipes[1]).toMatchObject({ name: 'Referral', kpis: expect.objectContaining({ partners: 2 }) as unknown });
  });

  it('exports commissions as CSV attachments and JSON, with the same totals as the statements', async () => {
    const csv = await svc.get('/v1/exports/commissions?period=2026-03', TOKENS.finance);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(csv.headers.get('content-disposition')).toBe('attachment; filename="commissions-2026-03.csv"');
    const json = (await (
      await svc.get('/v1/exports/commissions?period=2026-03&format=json', TOKENS.finance)
    ).json()) as { totals: { net: string }; entries: unknown[] };
    expect(json.entries.length).toBeGreaterThan(0);
    const st = (await (await svc.get('/v1/statements/p1?period=2026-03&format=json', TOKENS.finance)).json()) as {
      partners: { partnerId: string }[];
    };
    expect(st.partners.map((p) => p.partnerId)).toEqual(['p1']);
    expect((await svc.get('/v1/exports/commissions?period=March', TOKENS.finance)).status).toBe(400);
  });

  it('starts a sync for admins and refuses a second one while it runs', async () => {
    await svc.syncs.idle();
    // hold the first run inside its pull until the second request has been answered
    let release = (): void => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const pull = svc.fake.pull.bind(svc.fake);
    svc.fake.pull = async function* (request) {
      await gate;
      yield* pull(request);
    };
    const first = await svc.post('/v1/sync', TOKENS.admin, { full: true });
    expect(first.status).toBe(202);
    const { runId } = (await first.json()) as { runId: string };
    const second = await svc.post('/v1/sync', TOKENS.admin);
    expect(second.status).toBe(409);
    expect(await second.json()).toMatchObject({ error: { code: 'busy' } });
    release();
    await svc.syncs.idle();
    svc.fake.pull = pull;
    const run = (await (await svc.get(`/v1/runs/${runId}`, TOKENS.viewer)).json()) as { status: string; mode: string };
    expect(run).toMatchObject({ status: 'succeeded', mode: 'full' });
    const bad = await svc.post('/v1/sync', TOKENS.admin, { everything: true });
    expect(bad.status).toBe(400);
  });

  it('closes a period for finance and exposes Prometheus metrics to viewers', async () => {
    const close = await svc.post('/v1/periods/2026-02/close', TOKENS.finance);
    expect(close.status).toBe(200);
    const metrics = await (await svc.get('/metrics', TOKENS.viewer)).text();
    expect(metrics).toMatch(/partnersync_sync_runs_total\{status="succeeded"\} \d+/);
    expect(metrics).toMatch(/partnersync_http_requests_total/);
    expect(metrics).toMatch(/partnersync_crm_requests_total\{endpoint=/);
  });

  it('sets a request id on every answer and echoes a safe one', async () => {
    const res = await fetch(`${svc.url}/healthz`, { headers: { 'x-request-id': 'abc-123' } });
    expect(res.headers.get('x-request-id')).toBe('abc-123');
    const odd = await fetch(`${svc.url}/healthz`, { headers: { 'x-request-id': 'not a safe id!' } });
    expect(odd.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});
