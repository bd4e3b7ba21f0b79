// The dashboard's sign-in, sessions and CSRF over plain HTTP (no browser): who gets in, what a
// session's role shows, and that tampered, expired, foreign or logged-out cookies are refused.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SessionKeeper } from '../../src/http/ui/session.ts';
import { parseTokens } from '../../src/http/auth.ts';
import { seedCrm } from '../sync/helpers.ts';
import {
  client,
  EVIL_NAME,
  hiddenField,
  NOW,
  signIn,
  startUiService,
  TOKENS,
  UI_YAML,
  type UiService,
} from './ui-service.ts';

let svc: UiService;
beforeAll(async () => {
  svc = await startUiService();
});
afterAll(async () => {
  await svc.stop();
});

const setCookies = (res: Response): string[] => res.headers.getSetCookie();
const sessionCookieLine = (res: Response): string | undefined =>
  setCookies(res).find((l) => l.startsWith('psync_session='));

describe('signing in', () => {
  it('sends pages without a session to the login form, keeping where the user was going', async () => {
    const c = client(svc.url);
    for (const [path, next] of [
      ['/ui', '/ui'],
      ['/ui/partners/1001?period=2026-02', '/ui/partners/1001?period=2026-02'],
      ['/ui/alerts', '/ui/alerts'],
    ] as const) {
      const res = await c.get(path);
      expect(res.status).toBe(303);
      expect(res.headers.get('location')).toBe(`/ui/login?next=${encodeURIComponent(next)}`);
    }
  });

  it('serves a labelled login form with a CSRF token, a strict pre-login cookie and a strict CSP', async () => {
    const res = await client(svc.url).get('/ui/login');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    const page = await res.text();
    expect(page).toContain('<html lang="en">');
    expect(page).toMatch(/<label for="token">API token<\/label>\s*<input type="password" id="token" name="token"/);
    expect(hiddenField(page, '_csrf')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const login = setCookies(res).find((l) => l.startsWith('psync_login='));
    expect(login).toMatch(/; Path=\/ui; Max-Age=1800; HttpOnly; SameSite=Strict$/);
  });

  it('refuses a wrong token with the form again (401) and no session', async () => {
    const c = client(svc.url);
    const form = await (await c.get('/ui/login')).text();
    const res = await c.post('/ui/login', {
      _csrf: hiddenField(form, '_csrf'),
      next: '/ui',
      token: 'not-a-valid-token-0000000000',
    });
    expect(res.status).toBe(401);
    const page = await res.text();
    expect(page).toContain('That token is not valid');
    expect(page).not.toContain('not-a-valid-token');
    expect(sessionCookieLine(res)).toBeUndefined();
  });

  it('refuses a login post without the form token, with a stale one, or from another site (403)', async () => {
    const c = client(svc.url);
    const form = await (await c.get('/ui/login')).text();
    const csrf = hiddenField(form, '_csrf');
    const noToken = await c.post('/ui/login', { next: '/ui', token: TOKENS.admin });
    expect(noToken.status).toBe(403);
    expect(sessionCookieLine(noToken)).toBeUndefined();

    const fresh = client(svc.url); // no pre-login cookie: a form posted from elsewhere
    const noCookie = await fresh.post('/ui/login', { _csrf: csrf, next: '/ui', token: TOKENS.admin });
    expect(noCookie.status).toBe(403);
    expect(sessionCookieLine(noCookie)).toBeUndefined();

    const again = client(svc.url);
    const form2 = await (await again.get('/ui/login')).text();
    const crossSite = await again.post(
      '/ui/login',
      { _csrf: hiddenField(form2, '_csrf'), next: '/ui', token: TOKENS.admin },
      { origin: 'https://evil.example' },
    );
    expect(crossSite.status).toBe(403);
    expect(sessionCookieLine(crossSite)).toBeUndefined();

    const later = client(svc.url);
    const form3 = await (await later.get('/ui/login')).text();
    svc.clock.t += 31 * 60_000; // the login form is valid for 30 minutes
    try {
      const stale = await later.post('/ui/login', {
        _csrf: hiddenField(form3, '_csrf'),
        next: '/ui',
        token: TOKENS.admin,
      });
      expect(stale.status).toBe(403);
    } finally {
      svc.clock.set(NOW);
    }
  });

  it('exchanges a valid token for an HTTP-only, SameSite=Strict, signed session cookie and redirects', async () => {
    const c = client(svc.url);
    const form = await (await c.get('/ui/login?next=%2Fui%2Frecipes')).text();
    expect(hiddenField(form, 'next')).toBe('/ui/recipes');
    const res = await c.post('/ui/login', {
      _csrf: hiddenField(form, '_csrf'),
      next: '/ui/recipes',
      token: TOKENS.viewer,
    });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/ui/recipes');
    const line = sessionCookieLine(res) ?? '';
    expect(line).toMatch(
      /^psync_session=[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}; Path=\/ui; Max-Age=28800; HttpOnly; SameSite=Strict$/,
    );
    expect(line).not.toContain(TOKENS.viewer);
    const page = await c.get('/ui/recipes');
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Signed in as <span data-user>viewer#1</span> · <strong>viewer</strong>');
  });

  it('never redirects off the dashboard after login', async () => {
    for (const next of [
      '//evil.example/ui',
      'https://evil.example/ui',
      '/v1/partners',
      '/ui\\@evil.example',
      'javascript:alert(1)',
    ]) {
      const c = client(svc.url);
      const form = await (await c.get('/ui/login')).text();
      const res = await c.post('/ui/login', { _csrf: hiddenField(form, '_csrf'), next, token: TOKENS.viewer });
      expect(res.status).toBe(303);
      expect(res.headers.get('location')).toBe('/ui');
    }
  });

  it('a session opens the dashboard only: the JSON API still needs a bearer token', async () => {
    const c = await signIn(svc.url, TOKENS.admin);
    const res = await fetch(`${svc.url}/v1/partners`, { headers: { cookie: c.cookieHeader() } });
    expect(res.status).toBe(401);
  });
});

describe('Secure cookies over https', () => {
  it('marks both cookies Secure when the request came over https (behind a trusted proxy)', async () => {
    const https = await startUiService({ yaml: `${UI_YAML}server:\n  trustProxy: 1\n`, seed: seedCrm });
    try {
      const c = client(https.url);
      const h = { 'x-forwarded-proto': 'https' };
      const loginRes = await c.get('/ui/login', h);
      expect(setCookies(loginRes).find((l) => l.startsWith('psync_login='))).toMatch(/; Secure$/);
      const res = await c.post(
        '/ui/login',
        { _csrf: hiddenField(await loginRes.text(), '_csrf'), next: '/ui', token: TOKENS.viewer },
        { ...h, origin: `https://${new URL(https.url).host}` },
      );
      expect(res.status).toBe(303);
      expect(sessionCookieLine(res)).toMatch(/; HttpOnly; SameSite=Strict; Secure$/);
      // plain http on the same server: no Secure flag
      const plain = await client(https.url).get('/ui/login');
      expect(setCookies(plain).find((l) => l.startsWith('psync_login='))).not.toMatch(/Secure/);
    } finally {
      await https.stop();
    }
  });
});

describe('the session role decides what is shown', () => {
  it('shows commission lines to finance and admin, only totals to viewers', async () => {
    const statement = await svc.api<{
      partners: { lines: { key: string; amount: string }[]; totals: { net: string } }[];
    }>('/v1/statements/1001?period=2026-03&format=json', TOKENS.finance);
    const keys = statement.partners[0]?.lines.map((l) => l.key) ?? [];
    expect(keys.length).toBeGreaterThan(0);
    const net = statement.partners[0]?.totals.net ?? '';

    const viewer = await (await (await signIn(svc.url, TOKENS.viewer)).get('/ui/partners/1001?period=2026-03')).text();
    expect(viewer).toContain(`data-kpi="net" data-value="${net}"`);
    expect(viewer).not.toContain('id="commission-lines"');
    for (const key of keys) expect(viewer).not.toContain(key);
    expect(viewer).toContain('Commission lines are shown to finance and admin sessions');

    for (const token of [TOKENS.finance, TOKENS.admin]) {
      const page = await (await (await signIn(svc.url, token)).get('/ui/partners/1001?period=2026-03')).text();
      expect(page).toContain('id="commission-lines"');
      expect(page).toContain(`data-kpi="net" data-value="${net}"`);
      for (const key of keys) expect(page).toContain(`data-key="${key}"`);
    }
  });
});

describe('refused cookies', () => {
  it('refuses a cookie whose payload or signature was changed', async () => {
    const c = await signIn(svc.url, TOKENS.viewer);
    const value = c.cookies.get('psync_session') ?? '';
    const [payload = '', sig = ''] = value.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    const promoted = Buffer.from(JSON.stringify({ ...claims, r: 'admin' }), 'utf8').toString('base64url');
    const flipped = `${sig.slice(0, -1)}${sig.endsWith('A') ? 'B' : 'A'}`;
    for (const bad of [`${promoted}.${sig}`, `${payload}.${flipped}`, payload, `${payload}.`, 'garbage']) {
      const res = await fetch(`${svc.url}/ui`, { redirect: 'manual', headers: { cookie: `psync_session=${bad}` } });
      expect(res.status).toBe(303);
      expect(res.headers.get('location')).toMatch(/^\/ui\/login/);
    }
    // the untouched cookie still works
    expect((await c.get('/ui')).status).toBe(200);
  });

  it('refuses a cookie signed with another secret', async () => {
    const entry = parseTokens(`viewer:${TOKENS.viewer}`)[0];
    if (entry === undefined) throw new Error('no token entry');
    const forged = new SessionKeeper({
      secret: 'a-different-secret-of-at-least-32-chars',
      clock: svc.clock,
      tokens: [entry],
    }).issue(entry).value;
    const res = await fetch(`${svc.url}/ui`, { redirect: 'manual', headers: { cookie: `psync_session=${forged}` } });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toMatch(/^\/ui\/login/);
  });

  it('refuses an expired session (8 hours after login)', async () => {
    const c = await signIn(svc.url, TOKENS.finance);
    try {
      svc.clock.t += 8 * 3_600_000 - 1000;
      expect((await c.get('/ui')).status).toBe(200);
      svc.clock.t += 2000;
      const res = await c.get('/ui');
      expect(res.status).toBe(303);
      expect(res.headers.get('location')).toBe('/ui/login?next=%2Fui');
    } finally {
      svc.clock.set(NOW);
    }
  });

  it('logs out only with the CSRF token; the old cookie is dead afterwards', async () => {
    const c = await signIn(svc.url, TOKENS.viewer);
    const page = await (await c.get('/ui')).text();
    const csrf = hiddenField(page, '_csrf');
    const old = c.cookieHeader();

    const forged = await c.post('/ui/logout', {});
    expect(forged.status).toBe(403);
    const crossSite = await c.post('/ui/logout', { _csrf: csrf }, { origin: 'https://evil.example' });
    expect(crossSite.status).toBe(403);
    const otherSession = hiddenField(await (await (await signIn(svc.url, TOKENS.viewer)).get('/ui')).text(), '_csrf');
    expect(otherSession).not.toBe(csrf);
    expect((await c.post('/ui/logout', { _csrf: otherSession })).status).toBe(403);
    expect((await c.get('/ui')).status).toBe(200);

    const res = await c.post('/ui/logout', { _csrf: csrf });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/ui/login?signedOut=1');
    expect(sessionCookieLine(res)).toMatch(/^psync_session=; Path=\/ui; Max-Age=0/);
    const replay = await fetch(`${svc.url}/ui`, { redirect: 'manual', headers: { cookie: old } });
    expect(replay.status).toBe(303);
    expect(await (await client(svc.url).get('/ui/login?signedOut=1')).text()).toContain('You are signed out.');
  });
});

describe('SessionKeeper', () => {
  const tokens = parseTokens(`viewer:${TOKENS.viewer},finance:${TOKENS.finance}`);
  const clock = {
    t: Date.parse(NOW),
    now(): number {
      return this.t;
    },
  };
  const secret = 'shared-secret-for-several-instances-0123';

  it('accepts sessions across keepers that share the secret and the tokens', () => {
    const a = new SessionKeeper({ secret, clock, tokens });
    const b = new SessionKeeper({
      secret,
      clock,
      tokens: parseTokens(`viewer:${TOKENS.viewer},finance:${TOKENS.finance}`),
    });
    const entry = tokens[1];
    if (entry === undefined) throw new Error('no token');
    const { value, session } = a.issue(entry);
    expect(b.verify(value)).toEqual(session);
    expect(session.role).toBe('finance');
    expect(b.checkCsrf(session, a.csrfToken(session))).toBe(true);
  });

  it('ends the sessions of a token removed from PARTNERSYNC_TOKENS', () => {
    const a = new SessionKeeper({ secret, clock, tokens });
    const entry = tokens[0];
    if (entry === undefined) throw new Error('no token');
    const { value } = a.issue(entry);
    const without = new SessionKeeper({ secret, clock, tokens: parseTokens(`finance:${TOKENS.finance}`) });
    expect(without.verify(value)).toBeNull();
    // the same token given another role does not keep the old role either
    const demoted = new SessionKeeper({ secret, clock, tokens: parseTokens(`admin:${TOKENS.viewer}`) });
    expect(demoted.verify(value)).toBeNull();
  });

  it('without a configured secret, a restarted process no longer accepts old cookies', () => {
    const entry = tokens[0];
    if (entry === undefined) throw new Error('no token');
    const before = new SessionKeeper({ secret: undefined, clock, tokens });
    const after = new SessionKeeper({ secret: undefined, clock, tokens });
    const { value } = before.issue(entry);
    expect(before.verify(value)).not.toBeNull();
    expect(after.verify(value)).toBeNull();
  });
});

describe('pages treat CRM text as text', () => {
  it('escapes a partner name that holds markup on every page that shows it', async () => {
    const c = await signIn(svc.url, TOKENS.admin);
    const escaped =
      '&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt; &amp; &quot;Quotes&quot; &lt;b&gt;Co&lt;/b&gt;';
    for (const path of ['/ui/partners', '/ui/partners/1010', '/ui/alerts']) {
      const page = await (await c.get(path)).text();
      expect(page).toContain(escaped);
      expect(page).not.toContain(EVIL_NAME);
      expect(page).not.toMatch(/<script/i);
      expect(page).not.toMatch(/<b>Co/);
    }
  });
});

describe('errors are pages, not JSON', () => {
  it('answers a bad period with 400, an unknown partner or page with 404, as HTML', async () => {
    const c = await signIn(svc.url, TOKENS.viewer);
    const cases = [
      ['/ui?period=2026-13', 400, 'is not a month'],
      ['/ui/partners?sort=colour', 400, 'not valid'],
      ['/ui/partners/nope', 404, 'no partner'],
      ['/ui/nope', 404, 'no dashboard page'],
    ] as const;
    for (const [path, status, text] of cases) {
      const res = await c.get(path);
      expect(res.status).toBe(status);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      expect(await res.text()).toContain(text);
    }
  });
});
