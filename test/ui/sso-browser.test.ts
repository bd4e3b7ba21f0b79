// Single sign-on for the dashboard in headless Chromium against a real local OpenID provider
// (oidc-provider, started here): authorization code with PKCE, roles mapped from the `groups`
// claim (the highest wins), a user without a mapped role refused with a page that says why, logout
// through the provider's end-session endpoint, token sign-in switched off, and the audit log.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Secrets } from '../../src/config/secrets.ts';
import { startUiService, type UiService } from './ui-service.ts';
import { CHROMIUM, HAVE_CHROMIUM, IN_CI } from '../helpers/chromium.ts';

const CLIENT_SECRET = 'oidc-client-secret-for-tests-0123456789';

const GROUPS: Readonly<Record<string, string[]>> = {
  ada: ['ps-admins', 'ps-viewers'],
  fin: ['ps-viewers', 'ps-finance'],
  val: ['ps-viewers'],
  mallory: ['marketing'],
};

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => {
    server.listen(0, '127.0.0.1', resolve);
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe.skipIf(!HAVE_CHROMIUM && !IN_CI)('single sign-on in headless Chromium', () => {
  let idpServer: Server;
  let issuer: string;
  let svc: UiService;
  let browser: Browser;

  beforeAll(async () => {
    if (!HAVE_CHROMIUM) throw new Error(`CI=true but Chromium is missing at ${CHROMIUM}`);
    idpServer = createServer();
    issuer = await listen(idpServer);
    const sso = `
auth:
  tokenSignIn: false
  sso:
    issuer: "${issuer}"
    clientId: partnersync
    clientSecretEnv: TEST_OIDC_SECRET
    scopes: [openid, email, profile, groups]
    roleClaim: groups
    displayName: Test IdP
    roles: { viewer: [ps-viewers], finance: [ps-finance], admin: [ps-admins] }
`;
    svc = await startUiService({
      extraYaml: sso,
      secrets: (config) => Secrets.fromEnv(config.config, { TEST_OIDC_SECRET: CLIENT_SECRET }),
    });
    const provider = new Provider(issuer, {
      clients: [
        {
          client_id: 'partnersync',
          client_secret: CLIENT_SECRET,
          redirect_uris: [`${svc.url}/ui/sso/callback`],
          post_logout_redirect_uris: [`${svc.url}/ui/login?signedOut=1`],
          response_types: ['code'],
          grant_types: ['authorization_code'],
          token_endpoint_auth_method: 'client_secret_post',
        },
      ],
      pkce: { required: () => true },
      scopes: ['openid', 'email', 'profile', 'groups'],
      claims: { openid: ['sub'], email: ['email'], profile: ['name'], groups: ['groups'] },
      // groups in the ID token itself (the client reads the role from it)
      conformIdTokenClaims: false,
      findAccount: (_ctx, sub) => ({
        accountId: sub,
        claims: () => ({ sub, email: `${sub}@example.test`, name: sub, groups: GROUPS[sub] ?? [] }),
      }),
      cookies: { keys: ['oidc-cookie-key-for-tests-0123456789'] },
      features: {
        devInteractions: { enabled: true },
        rpInitiatedLogout: {
          enabled: true,
          logoutSource: (ctx, form) => {
            ctx.body = `<!doctype html><title>Sign out</title>${form}<button type="submit" form="op.logoutForm" value="yes" name="logout">Yes, sign me out</button>`;
          },
        },
      },
    });
    const handle = provider.callback();
    idpServer.on('request', (req, res) => {
      void handle(req, res);
    });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-background-networking', '--disable-gpu', '--disable-dev-shm-usage'],
    });
  });

  afterAll(async () => {
    await browser.close();
    await svc.stop();
    idpServer.closeAllConnections();
    await new Promise<void>((resolve) => {
      idpServer.close(() => {
        resolve();
      });
    });
  });

  async function signIn(page: Page, user: string): Promise<void> {
    await page.goto(`${svc.url}/ui/partners`);
    await page.waitForURL(/\/ui\/login/);
    await page.locator('#sso-sign-in').click();
    await page.waitForURL((u) => u.href.startsWith(issuer));
    await page.locator('input[name="login"]').fill(user);
    await page.locator('input[name="password"]').fill('any password');
    await page.locator('button[type="submit"]').click();
    await page.getByRole('button', { name: 'Continue' }).click();
  }

  it('offers only the company sign-in when token sign-in is off', async () => {
    const page = await browser.newPage();
    await page.goto(`${svc.url}/ui/login`);
    expect(await page.locator('#sso-sign-in').textContent()).toBe('Sign in with Test IdP');
    expect(await page.locator('input[name="token"]').count()).toBe(0);
    const res = await fetch(`${svc.url}/ui/login`, { method: 'POST', body: new URLSearchParams({ token: 'x' }) });
    expect(res.status).toBe(403);
    await page.close();
  });

  it('signs an admin in with the highest mapped role, lands where they were going, and logs out at the provider', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await signIn(page, 'ada');
    await page.waitForURL(`${svc.url}/ui/partners`);
    expect(await page.locator('.who').textContent()).toContain('ada@example.test');
    expect(await page.locator('.who strong').textContent()).toBe('admin');
    await expect.poll(() => page.locator('nav a[href="/ui/audit"]').count()).toBe(1);
    const cookies = await context.cookies(`${svc.url}/ui/partners`);
    const session = cookies.find((c) => c.name === 'psync_session');
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/ui' });

    // the audit page shows the sign-in with who and when
    await page.goto(`${svc.url}/ui/audit?action=signin`);
    const row = page.locator('#audit-table tbody tr').first();
    expect(await row.getAttribute('data-action')).toBe('signin');
    expect(await row.locator('td').nth(1).textContent()).toBe('ada@example.test');
    const download = page.waitForEvent('download');
    await page.locator('#audit-csv').click();
    const csv = await (await download).createReadStream();
    const chunks: Buffer[] = [];
    for await (const c of csv) chunks.push(c as Buffer);
    const lines = Buffer.concat(chunks).toString('utf8').trim().split('\r\n');
    expect(lines[0]).toBe('at,actor,action,target,detail');
    expect(lines[1]).toMatch(/^\d{4}-\d{2}-\d{2}T[\d:.]+Z,ada@example\.test,signin,,/);
    // the notifications page (nothing is configured to notify here)
    await page.goto(`${svc.url}/ui/notifications`);
    expect(await page.locator('#notifications-table tbody').textContent()).toBe('No notification yet.');

    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL((u) => u.href.startsWith(issuer));
    await page.getByRole('button', { name: 'Yes, sign me out' }).click();
    await page.waitForURL(`${svc.url}/ui/login?signedOut=1`);
    expect(await page.locator('[role="status"]').textContent()).toBe('You are signed out.');
    // the dashboard session is gone
    await page.goto(`${svc.url}/ui/partners`);
    await page.waitForURL(/\/ui\/login/);
    // and so is the provider's: signing in again asks for the login again
    await page.locator('#sso-sign-in').click();
    await page.waitForURL((u) => u.href.startsWith(issuer));
    expect(await page.locator('input[name="login"]').count()).toBe(1);
    await context.close();
  });

  it('maps finance and viewer groups to their roles', async () => {
    for (const [user, role] of [
      ['fin', 'finance'],
      ['val', 'viewer'],
    ] as const) {
      const context = await browser.newContext();
      const page = await context.newPage();
      await signIn(page, user);
      await page.waitForURL(`${svc.url}/ui/partners`);
      expect(await page.locator('.who strong').textContent()).toBe(role);
      // admin pages are not for them
      const audit = await page.goto(`${svc.url}/ui/audit`);
      expect(audit?.status()).toBe(403);
      await context.close();
    }
  });

  it('refuses a user whose groups map to no role, with a page that says why, and audits it', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await signIn(page, 'mallory');
    await page.waitForURL(/\/ui\/sso\/callback/);
    expect(await page.locator('h1').textContent()).toBe('No access to the partner dashboard');
    expect(await page.locator('#refused').textContent()).toContain('mallory@example.test');
    expect(await page.locator('main').textContent()).toContain('marketing');
    const cookies = await context.cookies(`${svc.url}/ui/partners`);
    expect(cookies.find((c) => c.name === 'psync_session')).toBeUndefined();
    const [failed] = await svc.store.auditEntries({ action: 'signin.failed', limit: 1 });
    expect(failed).toMatchObject({ actor: 'mallory@example.test', detail: { via: 'sso', reason: 'no mapped role' } });
    await context.close();
  });

  it('refuses a callback without the sign-in it belongs to', async () => {
    const res = await fetch(`${svc.url}/ui/sso/callback?code=abc&state=xyz`);
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('This sign-in expired or was not started here');
  });
});
