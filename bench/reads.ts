// Read latencies (issue 21): a store seeded by one sync of a synthetic account (fake CRM, no
// network), then the app serving the dashboard pages and the /v1 reads from the run's read
// models. Reports per route the first request and p50/p95 over all requests (first included),
// the sync's duration and the part spent writing read models. Not a test: nothing is asserted.
// Issue 21: the partner list (several pages, sorts and filters) and the partner portal's pages
// (a partner user signed in with a link) are measured too.
// Usage: node bench/reads.ts [--deals N] [--partners N] [--requests N] [--store postgres://…]
// The scale benchmark calls readLatencies({ deals }).

import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { readEnv } from '../src/config/env.ts';
import { FakeCrm } from '../src/crm/fake/fake-crm.ts';
import { silentLogger } from '../src/log.ts';
import { startService } from '../src/main.ts';
import { openStore } from '../src/store/open-store.ts';
import { engineCalls, stopEngineWorker } from '../src/sync/engine-pool.ts';
import { digestOf } from '../src/sync/partner-users.ts';
import { encodePartnerCursor } from '../src/sync/queries.ts';
import { runSync } from '../src/sync/run-sync.ts';
import { testConfig, TestClock } from '../test/sync/helpers.ts';
import { syntheticSnapshot } from './synthetic.ts';

export interface RouteLatency {
  route: string;
  firstMs: number;
  p50Ms: number;
  p95Ms: number;
  bytes: number;
}

export interface ReadLatencies {
  deals: number;
  partners: number;
  store: string;
  syncMs: number;
  readModelsMs: number;
  readModelRows: { periods: number; partners: number };
  /** Engine computations the reads asked for (0: every read came from the read models). */
  engineCalls: number;
  routes: RouteLatency[];
}

const TOKEN = 'bench-admin-token-0123456789abcdef';
const ASOF = '2026-11-15T12:00:00Z';

const percentile = (sorted: readonly number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;

/** A partner user of `partnerId` signed in with a sign-in link; returns the portal's cookie header. */
async function partnerSignIn(
  base: string,
  store: Awaited<ReturnType<typeof openStore>>,
  account: string,
  partnerId: string,
  now: number,
): Promise<string> {
  const token = randomBytes(32).toString('base64url');
  const userId = randomUUID();
  await store.partners.createPartnerUser({
    id: userId,
    account,
    partnerId,
    email: 'bench@partner.example',
    status: 'active',
    invitedBy: 'bench',
    createdAt: now,
    updatedAt: now,
    lastSignInAt: null,
  });
  await store.partners.saveSignInLink({ digest: digestOf(token), userId, expiresAt: now + 3_600_000, createdAt: now });
  const res = await fetch(`${base}/partner/signin`, {
    method: 'POST',
    redirect: 'manual',
    body: new URLSearchParams({ t: token }).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  if (res.status !== 303) throw new Error(`bench: partner sign-in failed (${res.status})`);
  return res.headers
    .getSetCookie()
    .map((l) => l.split(';')[0] ?? '')
    .filter((c) => c.startsWith('psync_partner='))
    .join('; ');
}

/** Signs in to the dashboard through its form; returns the cookie header of the session. */
async function signIn(base: string): Promise<string> {
  const form = await fetch(`${base}/ui/login`, { redirect: 'manual' });
  const login = form.headers
    .getSetCookie()
    .map((l) => l.split(';')[0] ?? '')
    .join('; ');
  const csrf = /name="_csrf" value="([^"]*)"/.exec(await form.text())?.[1] ?? '';
  const res = await fetch(`${base}/ui/login`, {
    method: 'POST',
    redirect: 'manual',
    body: new URLSearchParams({ _csrf: csrf, next: '/ui', token: TOKEN }).toString(),
    headers: { cookie: login, 'content-type': 'application/x-www-form-urlencoded' },
  });
  if (res.status !== 303) throw new Error(`bench: dashboard sign-in failed (${res.status})`);
  return res.headers
    .getSetCookie()
    .map((l) => l.split(';')[0] ?? '')
    .filter((c) => c.startsWith('psync_session='))
    .join('; ');
}

export async function readLatencies(o: {
  deals: number;
  partners?: number;
  requests?: number;
  storeUrl?: string;
}): Promise<ReadLatencies> {
  const partners = o.partners ?? Math.max(10, Math.floor(o.deals / 100));
  const requests = o.requests ?? 20;
  const storeUrl = o.storeUrl ?? `sqlite:${path.join(mkdtempSync(path.join(tmpdir(), 'psreads-')), 'b.db')}`;
  // the partner portal on (registrations with an e-mail channel; no mail is sent here)
  const portalYaml = [
    'notifications:',
    '  channels:',
    '    mail: { type: email, from: "bench <bench@example.test>", smtp: { host: 127.0.0.1, port: 2525 } }',
    'registrations: { emailChannel: mail }',
  ].join('\n');
  const yaml = `${readFileSync(new URL('../config/examples/program.yaml', import.meta.url), 'utf8')}\ncrm:\n  provider: hubspot\n${portalYaml}\n`;
  const config = testConfig(yaml, { url: storeUrl });
  const clock = new TestClock(ASOF);
  const crm = new FakeCrm({ account: `bench-reads-${randomUUID()}`, pageSize: 2000 });
  const snapshot = syntheticSnapshot(o.deals, partners, clock.now());
  for (const p of snapshot.partners) crm.upsertPartner({ ...p, ownerId: null });
  for (const d of snapshot.deals) crm.upsertDeal({ ...d, ownerId: null });

  const store = await openStore(storeUrl);
  const t0 = performance.now();
  const run = await runSync({ crm, store, clock, logger: silentLogger(), config });
  const syncMs = Math.round(performance.now() - t0);
  const someone = snapshot.partners[Math.floor(partners / 2)]?.id ?? 'p0';

  const service = await startService({
    config,
    env: readEnv({ PARTNERSYNC_TOKENS: `admin:${TOKEN}` }),
    logger: silentLogger(),
    cwd: mkdtempSync(path.join(tmpdir(), 'psreads-cwd-')),
    clock,
    port: 0,
    scheduler: false,
    crm,
  });
  const routes: RouteLatency[] = [];
  const callsBefore = engineCalls.kpis + engineCalls.model;
  try {
    const cookie = await signIn(service.url);
    const portalCookie = await partnerSignIn(service.url, store, run.account, someone, clock.now());
    await store.close();
    const api = (p: string) => ({ route: p, headers: { authorization: `Bearer ${TOKEN}` } });
    const ui = (p: string) => ({ route: p, headers: { cookie } });
    const portal = (p: string) => ({ route: p, headers: { cookie: portalCookie } });
    // a page in the middle of the list (100 rows a page)
    const middle = Math.max(1, Math.floor(partners / 200));
    for (const { route, headers } of [
      api('/v1/kpis'),
      // a page in the middle of the KPI list (issue 21: paged like /v1/partners)
      api(`/v1/kpis?limit=500&cursor=${encodePartnerCursor(someone)}`),
      api('/v1/recipes'),
      api('/v1/partners?limit=100'),
      api(`/v1/partners/${someone}`),
      ui('/ui'),
      ui('/ui/partners'),
      ui('/ui/recipes'),
      ui(`/ui/partners/${someone}`),
      ui('/ui/alerts'),
      ui('/ui/partners?sort=name'),
      ui(`/ui/partners?sort=attributed&dir=desc&page=${middle}`),
      ui('/ui/partners?sort=alerts'),
      ui('/ui/partners?band=watch&sort=lastActivity'),
      ui('/ui/partners?q=partner%2012'),
      portal('/partner'),
      portal('/partner/deals'),
      portal('/partner/api/me'),
      portal('/partner/statement'),
    ]) {
      const times: number[] = [];
      let bytes = 0;
      for (let i = 0; i < requests; i++) {
        const s = performance.now();
        const res = await fetch(`${service.url}${route}`, { headers, redirect: 'manual' });
        const body = await res.arrayBuffer();
        times.push(performance.now() - s);
        if (res.status !== 200) throw new Error(`bench: ${route} answered ${res.status}`);
        bytes = body.byteLength;
      }
      const sorted = [...times].sort((a, b) => a - b);
      routes.push({
        route,
        firstMs: Math.round(times[0] ?? 0),
        p50Ms: Math.round(percentile(sorted, 50)),
        p95Ms: Math.round(percentile(sorted, 95)),
        bytes,
      });
    }
  } finally {
    await service.stop();
    await stopEngineWorker();
  }
  return {
    deals: o.deals,
    partners,
    store: storeUrl.split(':')[0] ?? 'sqlite',
    syncMs,
    readModelsMs: run.report.durationsMs['readModels'] ?? 0,
    readModelRows: run.report.readModels ?? { periods: 0, partners: 0 },
    engineCalls: engineCalls.kpis + engineCalls.model - callsBefore,
    routes,
  };
}

if (import.meta.url === `file://${process.argv[1] ?? ''}`) {
  const { values } = parseArgs({
    options: {
      deals: { type: 'string', default: '100000' },
      partners: { type: 'string' },
      requests: { type: 'string', default: '20' },
      store: { type: 'string' },
    },
  });
  const r = await readLatencies({
    deals: Number(values.deals),
    ...(values.partners === undefined ? {} : { partners: Number(values.partners) }),
    requests: Number(values.requests),
    ...(values.store === undefined ? {} : { storeUrl: values.store }),
  });
  console.log(
    `${r.deals} deals, ${r.partners} partners (${r.store}): sync ${r.syncMs} ms, read models ${r.readModelsMs} ms ` +
      `(${r.readModelRows.periods} aggregates, ${r.readModelRows.partners} partner rows), engine calls by reads: ${r.engineCalls}`,
  );
  for (const x of r.routes)
    console.log(
      `  ${x.route.padEnd(44)} first ${String(x.firstMs).padStart(5)} ms  p50 ${String(x.p50Ms).padStart(5)} ms  p95 ${String(x.p95Ms).padStart(5)} ms  ${x.bytes} bytes`,
    );
}
