// A running service for the dashboard tests: a SQLite store synced once from the fake CRM with a
// program rich enough to show every part of the dashboard (six recipes including an unused one,
// a money-losing one, a retired and an anti-recipe; partners in every health band; a year of
// deals; alerts of every severity; a partner whose name is an HTML injection attempt), HubSpot
// record links (portal id in the config), and viewer/finance/admin tokens.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readEnv } from '../../src/config/env.ts';
import type { LoadedConfig } from '../../src/config/load.ts';
import type { Secrets } from '../../src/config/secrets.ts';
import { FakeCrm } from '../../src/crm/fake/fake-crm.ts';
import type { PulledDeal } from '../../src/crm/port.ts';
import { silentLogger } from '../../src/log.ts';
import { startService, type Service } from '../../src/main.ts';
import { openStore } from '../../src/store/open-store.ts';
import { runSync } from '../../src/sync/run-sync.ts';
import { TOKENS } from '../http/service-helpers.ts';
import { deal, partner, testConfig, TestClock } from '../sync/helpers.ts';

export { TOKENS };

export const NOW = '2026-03-20T12:00:00Z';
export const PORTAL_ID = '424242';
export const EVIL_NAME = '<script>alert("pwned")</script> & "Quotes" <b>Co</b>';

export const UI_YAML = `
program:
  currency: USD
  timezone: America/New_York
  grossMarginBps: 8000
  exchangeRates: { EUR: "1.10" }
  health:
    bands: { healthy: 80, watch: 60 }
  plans:
    ref:
      type: percent
      tiers:
        - { name: Referral, minWonDeals: 0, rateBps: 1000 }
        - { name: Certified, minWonDeals: 5, rateBps: 1500 }
        - { name: Premium, minWonDeals: 20, rateBps: 2000 }
      holdDays: 30
      clawbackDays: 90
    share: { type: percent, rateBps: 1200, schedule: monthly, months: 3, clawbackDays: 90 }
    retainer: { type: fixed_fee, monthlyFee: "1500" }
  recipes:
    referral: { name: Referral partnership, archetype: referral, status: active, plan: ref, monthlyCost: "100", targets: { quarterlyRevenue: "40000" }, benchmarks: { winRate: 0.3 }, whenToUse: "High lead volume outside our core focus" }
    reseller: { name: Reseller, archetype: reseller, status: active, plan: share, monthlyCost: "200", targets: { quarterlyRevenue: "60000" } }
    comarketing: { name: Co-marketing, archetype: co_marketing, status: active, plan: retainer, monthlyCost: "3000", whenNotToUse: "When the partner has no audience of buyers" }
    events: { name: Joint events, archetype: co_selling, status: active, monthlyCost: "50" }
    legacy: { name: Legacy coupons, archetype: other, status: retired }
    whitelabel: { name: White-label, archetype: reseller, status: anti, plan: share }
crm:
  provider: hubspot
  hubspot: { portalId: "${PORTAL_ID}" }
`;

/** A tiny deterministic generator (the same program on every run). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const iso = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');
const DAY = 86_400_000;

/** 14 partners and ~260 deals over the 13 months before NOW. */
export function seedUiProgram(crm: FakeCrm): void {
  const rnd = lcg(9);
  const recipes = [
    'referral',
    'referral',
    'referral',
    'referral',
    'reseller',
    'reseller',
    'reseller',
    'comarketing',
    'comarketing',
    'referral',
    'reseller',
    'referral',
    'legacy',
    'referral',
  ];
  const names = [
    'Acme Consulting',
    'Globex Partners',
    'Initech Advisory',
    'Umbrella Group',
    'Stark Resellers',
    'Wayne Distribution',
    'Hooli Channel',
    'Pied Piper Media',
    'Vandelay Events',
    EVIL_NAME,
    'Soylent Supply',
    'Tyrell Systems',
    'Oldco Coupons',
    'Dormant Labs',
  ];
  recipes.forEach((recipe, i) => {
    const id = String(1001 + i);
    const rating = i === 9 ? 1 : 2 + (i % 4);
    crm.upsertPartner(
      partner(id, {
        name: names[i] ?? id,
        recipe,
        tier: i === 0 ? 'Referral' : i === 1 ? 'Premium' : null,
        onboardedAt: i === 13 ? '2025-06-01T00:00:00Z' : '2025-01-15T00:00:00Z',
        ratings: {
          communication: rating,
          alignment: rating,
          trust: Math.min(5, rating + 1),
          ease: rating,
          potential: rating,
        },
        fit: { strategic: 1 + (i % 5), value: 5 - (i % 5), reach: 3, operations: 2 + (i % 3), readiness: 4 },
      }),
    );
  });
  const start = Date.parse('2025-02-01T00:00:00Z');
  const end = Date.parse(NOW) - 2 * DAY;
  let n = 5001;
  const active = 12; // partners 1012 (Oldco) and 1013 (Dormant) source nothing
  for (let k = 0; k < 260; k++) {
    const p = Math.floor(rnd() * rnd() * active); // skewed: early partners source more
    const created = start + Math.floor(rnd() * (end - start - 40 * DAY));
    const r = rnd();
    const stage: PulledDeal['stage'] =
      created > end - 45 * DAY ? (r < 0.5 ? 'open' : 'won') : r < 0.62 ? 'won' : r < 0.85 ? 'lost' : 'open';
    const closed = stage === 'open' ? null : iso(Math.min(end, created + Math.floor((10 + rnd() * 60) * DAY)));
    const amount = `${1000 + Math.floor(rnd() * 40) * 500}.00`;
    const touch = rnd() < 0.3 ? [{ partnerId: String(1001 + ((p + 3) % active)), at: iso(created + 3 * DAY) }] : [];
    crm.upsertDeal(
      deal(String(n++), {
        name: `Deal ${k + 1} for customer ${k % 37}`,
        amount,
        currency: rnd() < 0.1 ? 'EUR' : 'USD',
        stage,
        createdAt: iso(created),
        closedAt: closed,
        customerId: `c${k % 37}`,
        sourcePartnerId: k % 5 === 4 ? null : String(1001 + p),
        touches: touch,
        recipe: k % 41 === 0 ? 'whitelabel' : null,
      }),
    );
  }
  // registrations: one pending for weeks, one conflicting pair, one expired approval
  crm.upsertDeal(
    deal(String(n++), {
      name: 'Pending registration',
      stage: 'open',
      closedAt: null,
      sourcePartnerId: null,
      customerId: 'reg-1',
      createdAt: '2026-02-01T00:00:00Z',
      registration: { partnerId: '1003', status: 'submitted', submittedAt: '2026-02-20T00:00:00Z' },
    }),
  );
  crm.upsertDeal(
    deal(String(n++), {
      name: 'Contested A',
      stage: 'open',
      closedAt: null,
      sourcePartnerId: null,
      customerId: 'reg-2',
      createdAt: '2026-03-01T00:00:00Z',
      registration: {
        partnerId: '1001',
        status: 'approved',
        submittedAt: '2026-03-01T00:00:00Z',
        decidedAt: '2026-03-02T00:00:00Z',
        expiresAt: '2026-06-01T00:00:00Z',
      },
    }),
  );
  crm.upsertDeal(
    deal(String(n++), {
      name: 'Contested B',
      stage: 'open',
      closedAt: null,
      sourcePartnerId: null,
      customerId: 'reg-2',
      createdAt: '2026-03-05T00:00:00Z',
      registration: { partnerId: '1002', status: 'submitted', submittedAt: '2026-03-05T00:00:00Z' },
    }),
  );
  crm.upsertDeal(
    deal(String(n), {
      name: 'Lapsed protection',
      stage: 'open',
      closedAt: null,
      sourcePartnerId: null,
      customerId: 'reg-3',
      createdAt: '2026-01-10T00:00:00Z',
      registration: {
        partnerId: '1004',
        status: 'approved',
        submittedAt: '2026-01-10T00:00:00Z',
        decidedAt: '2026-01-11T00:00:00Z',
        expiresAt: '2026-03-01T00:00:00Z',
      },
    }),
  );
}

export interface UiService extends Service {
  clock: TestClock;
  fake: FakeCrm;
  /** GET with a bearer token (the JSON API). */
  api: <T>(p: string, token: string) => Promise<T>;
}

export async function startUiService(
  options: {
    seed?: (crm: FakeCrm) => void;
    yaml?: string;
    /** Appended to the config (auth:, notifications:). */
    extraYaml?: string;
    env?: Record<string, string>;
    secrets?: (config: LoadedConfig) => Secrets;
  } = {},
): Promise<UiService> {
  const dir = mkdtempSync(path.join(tmpdir(), 'partnersync-ui-'));
  const storeUrl = `sqlite:${path.join(dir, 'store.db')}`;
  const config = testConfig((options.yaml ?? UI_YAML) + (options.extraYaml ?? ''), { url: storeUrl });
  const fake = new FakeCrm({ account: 'acct-ui', pageSize: 100 });
  (options.seed ?? seedUiProgram)(fake);
  const clock = new TestClock(NOW);
  const store = await openStore(storeUrl);
  await runSync({ crm: fake, store, clock, logger: silentLogger(), config });
  await store.close();
  const env = readEnv({
    PARTNERSYNC_TOKENS: `viewer:${TOKENS.viewer},finance:${TOKENS.finance},admin:${TOKENS.admin}`,
    ...options.env,
  });
  const service = await startService({
    config,
    env,
    logger: silentLogger(),
    cwd: dir,
    clock,
    port: 0,
    scheduler: false,
    crm: fake,
    ...(options.secrets === undefined ? {} : { secrets: options.secrets(config) }),
  });
  return {
    ...service,
    clock,
    fake,
    api: async <T>(p: string, token: string): Promise<T> => {
      const res = await fetch(`${service.url}${p}`, { headers: { authorization: `Bearer ${token}` } });
      if (!res.ok) throw new Error(`GET ${p}: ${res.status} ${await res.text()}`);
      return (await res.json()) as T;
    },
  };
}

// ---- a cookie-aware client for the plain HTTP tests --------------------------------------------

export interface Browserless {
  cookies: Map<string, string>;
  get: (p: string, headers?: Record<string, string>) => Promise<Response>;
  post: (p: string, form: Record<string, string>, headers?: Record<string, string>) => Promise<Response>;
  cookieHeader: () => string;
}

/** fetch with a cookie jar (no redirects followed: tests look at them). */
export function client(base: string): Browserless {
  const cookies = new Map<string, string>();
  const keep = (res: Response): Response => {
    for (const line of res.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      if (/Max-Age=0/i.test(line) || value === '') cookies.delete(name);
      else cookies.set(name, value);
    }
    return res;
  };
  const cookieHeader = (): string => [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  return {
    cookies,
    cookieHeader,
    get: async (p, headers = {}) =>
      keep(await fetch(`${base}${p}`, { redirect: 'manual', headers: { cookie: cookieHeader(), ...headers } })),
    post: async (p, form, headers = {}) =>
      keep(
        await fetch(`${base}${p}`, {
          method: 'POST',
          redirect: 'manual',
          body: new URLSearchParams(form).toString(),
          headers: { cookie: cookieHeader(), 'content-type': 'application/x-www-form-urlencoded', ...headers },
        }),
      ),
  };
}

/** The value of a hidden form field in a page. */
export function hiddenField(page: string, name: string): string {
  const m = new RegExp(`<input type="hidden" name="${name}" value="([^"]*)"`).exec(page);
  if (!m) throw new Error(`no hidden field ${name} in the page`);
  return m[1] ?? '';
}

/** Signs in through the form; returns the client with its session cookie. */
export async function signIn(base: string, token: string): Promise<Browserless> {
  const c = client(base);
  const form = await (await c.get('/ui/login')).text();
  const res = await c.post('/ui/login', { _csrf: hiddenField(form, '_csrf'), next: '/ui', token });
  if (res.status !== 303) throw new Error(`login failed: ${res.status}`);
  return c;
}
