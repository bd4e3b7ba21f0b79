// Rate limits and sign-in limits (issue 16, finding 2): one budget per verified token whatever
// the spelling of its Authorization header; everything else shares its client address's budget
// (the forwarded address only behind a trusted proxy); login forms are single-use; failed
// sign-ins are limited per client.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedCrm } from '../sync/helpers.ts';
import { client, hiddenField, startUiService, UI_YAML, type UiService } from '../ui/ui-service.ts';
import { startTestService, TOKENS, type TestService } from './service-helpers.ts';

const LIMIT = 5;

async function call(base: string, headers: Record<string, string>): Promise<Response> {
  return fetch(`${base}/v1/partners`, { headers });
}

describe('API rate limits behind a trusted proxy', () => {
  let svc: TestService;
  beforeAll(async () => {
    svc = await startTestService({ server: { rateLimitPerMinute: LIMIT, trustProxy: 1 } });
  });
  afterAll(async () => {
    await svc.stop();
  });

  it('gives every spelling of one token (bearer, extra spaces, a tab) the same budget', async () => {
    const t = TOKENS.viewer;
    const from = { 'x-forwarded-for': '198.51.100.1' };
    const spellings = [`Bearer ${t}`, `bearer ${t}`, `Bearer    ${t}`, `Bearer\t${t}`, `BEARER ${t}`];
    for (const authorization of spellings) {
      const res = await call(svc.url, { ...from, authorization });
      expect(res.status, authorization).toBe(200);
    }
    const over = await call(svc.url, { ...from, authorization: `Bearer ${t}` });
    expect(over.status).toBe(429);
    expect(over.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await over.json()).toMatchObject({ error: { code: 'rate_limited' } });
    // the budget belongs to the token, not to the address: a new address does not reset it
    expect((await call(svc.url, { 'x-forwarded-for': '198.51.100.2', authorization: `bearer\t${t}` })).status).toBe(
      429,
    );
    // another token has its own budget
    expect((await call(svc.url, { ...from, authorization: `Bearer ${TOKENS.admin}` })).status).toBe(200);
  });

  it('puts requests without a valid token, whatever their header, in their address budget', async () => {
    const from = { 'x-forwarded-for': '203.0.113.7' };
    const junk = ['junk-1', 'Bearer not-a-token-0000000001', 'Basic dXNlcjpwYXNz', 'Bearer', 'bearer  x y'];
    for (const authorization of junk) {
      const res = await call(svc.url, { ...from, authorization });
      expect(res.status, authorization).toBe(401);
    }
    expect((await call(svc.url, from)).status).toBe(429);
    expect((await call(svc.url, { ...from, authorization: 'yet-another-junk-header' })).status).toBe(429);
    // another client address still has its budget, and a valid token from this address has its own
    expect((await call(svc.url, { 'x-forwarded-for': '203.0.113.8', authorization: 'junk-9' })).status).toBe(401);
    expect((await call(svc.url, { ...from, authorization: `Bearer ${TOKENS.finance}` })).status).toBe(200);
  });
});

describe('API rate limits without a trusted proxy', () => {
  it('ignores X-Forwarded-For: every request without a valid token counts for the connecting address', async () => {
    const svc = await startTestService({ server: { rateLimitPerMinute: 3 } });
    try {
      for (const ip of ['192.0.2.1', '192.0.2.2', '192.0.2.3']) {
        const res = await call(svc.url, { 'x-forwarded-for': ip, authorization: `junk-${ip}` });
        expect(res.status).toBe(401);
      }
      expect((await call(svc.url, { 'x-forwarded-for': '192.0.2.4' })).status).toBe(429);
    } finally {
      await svc.stop();
    }
  });
});

describe('dashboard sign-in limits', () => {
  let ui: UiService;
  beforeAll(async () => {
    ui = await startUiService({ yaml: `${UI_YAML}server:\n  trustProxy: 1\n`, seed: seedCrm });
  });
  afterAll(async () => {
    await ui.stop();
  });

  /** A login form for a client at `ip`: its nonce cookie and CSRF token. */
  async function loginForm(ip: string): Promise<{ cookie: string; csrf: string }> {
    const c = client(ui.url);
    const page = await (await c.get('/ui/login', { 'x-forwarded-for': ip })).text();
    return { cookie: c.cookieHeader(), csrf: hiddenField(page, '_csrf') };
  }

  async function submit(ip: string, form: { cookie: string; csrf: string }, token: string): Promise<Response> {
    return fetch(`${ui.url}/ui/login`, {
      method: 'POST',
      redirect: 'manual',
      body: new URLSearchParams({ _csrf: form.csrf, next: '/ui', token }).toString(),
      headers: { cookie: form.cookie, 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': ip },
    });
  }

  const hasSession = (res: Response): boolean =>
    res.headers.getSetCookie().some((l) => l.startsWith('psync_session=') && !l.startsWith('psync_session=;'));

  it('accepts a login form once: a replayed nonce is refused even with a valid token', async () => {
    const ip = '198.51.100.50';
    const form = await loginForm(ip);
    const wrong = await submit(ip, form, 'not-a-valid-token-000000000');
    expect(wrong.status).toBe(401);
    const replay = await submit(ip, form, TOKENS.admin);
    expect(replay.status).toBe(403);
    expect(hasSession(replay)).toBe(false);
    // a fresh form works
    const ok = await submit(ip, await loginForm(ip), TOKENS.admin);
    expect(ok.status).toBe(303);
    expect(hasSession(ok)).toBe(true);
  });

  it('refuses a successful login replayed with the same form', async () => {
    const ip = '198.51.100.51';
    const form = await loginForm(ip);
    expect((await submit(ip, form, TOKENS.viewer)).status).toBe(303);
    expect((await submit(ip, form, TOKENS.viewer)).status).toBe(403);
  });

  it('limits failed sign-ins to 10 per client address per 15 minutes', async () => {
    const ip = '198.51.100.60';
    for (let i = 0; i < 10; i++) {
      const res = await submit(ip, await loginForm(ip), `wrong-token-guess-${i}-0000000000`);
      expect(res.status, `attempt ${i + 1}`).toBe(401);
    }
    const blocked = await submit(ip, await loginForm(ip), TOKENS.admin);
    expect(blocked.status).toBe(429);
    expect(blocked.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(hasSession(blocked)).toBe(false);
    expect(await blocked.text()).toContain('Too many failed sign-ins');
    // another client is not affected
    const other = await submit('198.51.100.61', await loginForm('198.51.100.61'), TOKENS.admin);
    expect(other.status).toBe(303);
  });

  it('does not count successful sign-ins against the client', async () => {
    const ip = '198.51.100.70';
    for (let i = 0; i < 12; i++) {
      const res = await submit(ip, await loginForm(ip), TOKENS.viewer);
      expect(res.status, `login ${i + 1}`).toBe(303);
    }
  });
});
