// Query and path parameters (issue 16, finding 7): every bad one answers 400 with a message
// naming it, on the API (JSON error shape) and on the dashboard (an HTML page); periods anywhere
// in the years 0000–9999 are answered, never with a 500.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedCrm } from '../sync/helpers.ts';
import { signIn, startUiService, UI_YAML, type Browserless, type UiService } from '../ui/ui-service.ts';
import { startTestService, TOKENS, type TestService } from './service-helpers.ts';

interface ErrorBody {
  error: { code: string; message: string };
}

describe('API parameters', () => {
  let svc: TestService;
  beforeAll(async () => {
    svc = await startTestService({ server: { rateLimitPerMinute: 10_000 } });
  });
  afterAll(async () => {
    await svc.stop();
  });

  // [method, path, the parameter the message must name]
  const BAD: [string, string, string][] = [
    ['GET', '/v1/runs?limit=abc', 'query.limit'],
    ['GET', '/v1/runs?limit=0', 'query.limit'],
    ['GET', '/v1/runs?limit=1&limit=2', 'query.limit'],
    ['GET', '/v1/runs?extra=1', '"extra"'],
    ['GET', '/v1/runs/some-run?extra=1', '"extra"'],
    ['GET', '/v1/partners?band=purple', 'query.band'],
    ['GET', '/v1/partners/p1?extra=1', '"extra"'],
    ['GET', '/v1/recipes?period=2026-13', 'query.period'],
    ['GET', '/v1/recipes?extra=1', '"extra"'],
    ['GET', '/v1/kpis?period=2026-13', 'query.period'],
    ['GET', '/v1/kpis?period=2026-00', 'query.period'],
    ['GET', '/v1/kpis?period=2026-Q5', 'query.period'],
    ['GET', '/v1/kpis?period=2026-01&period=2026-02', 'query.period'],
    ['GET', '/v1/exports/commissions', 'query.period'],
    ['GET', '/v1/exports/commissions?period=2026-13', 'query.period'],
    ['GET', '/v1/exports/commissions?period=2026-03&format=xml', 'query.format'],
    ['GET', '/v1/statements/p1?period=2026-00', 'query.period'],
    ['POST', '/v1/periods/2026-13/close', 'params.period'],
    ['POST', '/v1/periods/2026-1/close', 'params.period'],
    ['POST', '/v1/sync?full=true', '"full"'],
  ];

  it.each(BAD)('%s %s → 400 naming %s', async (method, path, name) => {
    await svc.syncs.idle();
    const res = method === 'GET' ? await svc.get(path, TOKENS.admin) : await svc.post(path, TOKENS.admin);
    expect(res.status).toBe(400);
    const body = (await res.json()) as ErrorBody;
    expect(body.error.code).toBe('invalid_request');
    expect(body.error.message).toContain(name);
  });

  it.each(['0000-01', '0000-Q1', '0000', '0001-01', '9999-12', '9999-Q4', '9999'])(
    'answers KPIs for the edge period %s',
    async (period) => {
      const res = await svc.get(`/v1/kpis?period=${period}`, TOKENS.viewer);
      expect(res.status).toBe(200);
      expect(((await res.json()) as { period: { label: string } }).period.label).toBe(period);
    },
  );
});

describe('dashboard parameters', () => {
  let ui: UiService;
  let c: Browserless;
  beforeAll(async () => {
    ui = await startUiService({ yaml: `${UI_YAML}server:\n  rateLimitPerMinute: 10000\n`, seed: seedCrm });
    c = await signIn(ui.url, TOKENS.admin);
  });
  afterAll(async () => {
    await ui.stop();
  });

  const PAGES = ['/ui', '/ui/recipes', '/ui/partners', '/ui/partners/p1'];
  const EDGE = ['0000-01', '0000-Q1', '0000', '0001-01', '0099-12', '9999-12', '9999-Q4', '9999'];

  it.each(PAGES.flatMap((page) => EDGE.map((period) => [page, period])))(
    'shows %s for the edge period %s',
    async (page, period) => {
      const res = await c.get(`${page}?period=${period}`);
      expect(res.status).toBe(200);
      expect(await res.text()).toContain(period);
    },
  );

  const BAD: [string, string][] = [
    ...PAGES.flatMap((page) =>
      ['2026-13', '2026-00', '2026-Q0', '26-01', 'soon'].map((p): [string, string] => [
        `${page}?period=${p}`,
        'period',
      ]),
    ),
    ...PAGES.map((page): [string, string] => [`${page}?period=2026-01&period=2026-02`, 'period']),
    ['/ui/partners?band=purple', 'band'],
    ['/ui/partners?sort=colour', 'sort'],
    ['/ui/alerts?severity=loud', 'severity'],
    ['/ui/alerts?severity=info&severity=warning', 'severity'],
  ];

  it.each(BAD)('answers %s with a 400 page naming %s', async (path, name) => {
    const res = await c.get(path);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await res.text()).toContain(`${name} parameter`);
  });
});
