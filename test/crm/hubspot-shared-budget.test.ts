// Issue 14: HubSpot's ten-second budget is shared by every client of the app on the portal. With
// another client of the same app using half of it, the adapter follows X-HubSpot-RateLimit-Max
// and -Remaining, takes only the rest and collects no 429s. Client and sandbox share one virtual
// clock: a sleep of the adapter's limiter moves the sandbox's time, so windows pass at once.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualClock } from '../../src/sandbox/clock.ts';
import { staticToken } from '../../src/crm/hubspot/token-source.ts';
import type { Timer } from '../../src/crm/hubspot/rate-limiter.ts';
import { ANCHOR, hubspotOnSandbox, hubspotSettings, type HubspotSandboxFixture } from './hubspot-fixtures.ts';
import { SyncHarness } from './hubspot-harness.ts';

const BUDGET = 40;
const EXTERNAL = 20;

const clock = manualClock(Date.parse(ANCHOR));
const timer: Timer = {
  now: () => clock.now(),
  sleep: (ms) => {
    clock.advance(ms);
    return Promise.resolve();
  },
};

let fx: HubspotSandboxFixture;
beforeAll(async () => {
  fx = await hubspotOnSandbox({
    sandbox: { clock, limits: 'real', limitOverrides: { 'hubspot.tenSecondly': BUDGET }, deals: 400 },
    adapter: { timer, tokens: staticToken('shared-app-token') },
  });
});
afterAll(async () => {
  await fx.stop();
});

async function externalLoad(perTenSeconds: number): Promise<void> {
  const res = await fetch(`${fx.sandbox.url}/__sandbox/hubspot/external-load`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token: 'shared-app-token', perTenSeconds }),
  });
  expect(res.status).toBe(200);
}

describe('a ten-second budget shared with another client of the app', () => {
  it('takes only what the other client leaves: a full sync with no 429', async () => {
    await externalLoad(EXTERNAL);
    await fx.adapter.provision({ dryRun: false });
    const harness = new SyncHarness(fx.adapter, hubspotSettings().program);
    const start = clock.now();
    const summary = await harness.sync('full', Date.parse(ANCHOR));
    const seconds = (clock.now() - start) / 1000;
    expect(summary.report.failed).toEqual([]);
    const stats = fx.adapter.callStats();
    // many windows' worth of requests, none refused
    expect(stats.total).toBeGreaterThan(3 * (BUDGET - EXTERNAL));
    expect(stats.rateLimited).toBe(0);
    expect(fx.sandbox.state.stats().rateLimited).toBe(0);
    // the limiter sits below the half the other client leaves (less a margin for requests in flight)
    expect(fx.adapter.api.currentLimit).toBeLessThanOrEqual(BUDGET - EXTERNAL);
    expect(fx.adapter.api.currentLimit).toBeGreaterThanOrEqual(BUDGET - EXTERNAL - 4);
    expect(seconds).toBeGreaterThan(0);
  });

  it('takes the whole budget again once the other client stops', async () => {
    await externalLoad(0);
    clock.advance(10_000);
    const harness = new SyncHarness(fx.adapter, hubspotSettings().program);
    await harness.sync('full', Date.parse(ANCHOR));
    expect(fx.adapter.callStats().rateLimited).toBe(0);
    expect(fx.adapter.api.currentLimit).toBeGreaterThan(BUDGET - EXTERNAL);
  });

  it('without the other client the sandbox counts a second app apart: its token has a budget of its own', async () => {
    await externalLoad(EXTERNAL);
    const own = await fetch(`${fx.sandbox.url}/crm/objects/2026-09/deals?limit=1`, {
      headers: { authorization: 'Bearer another-app-token' },
    });
    expect(own.headers.get('x-hubspot-ratelimit-remaining')).toBe(String(BUDGET - 1));
    const shared = await fetch(`${fx.sandbox.url}/crm/objects/2026-09/deals?limit=1`, {
      headers: { authorization: 'Bearer shared-app-token' },
    });
    expect(Number(shared.headers.get('x-hubspot-ratelimit-remaining'))).toBeLessThanOrEqual(BUDGET - EXTERNAL - 1);
  });
});
