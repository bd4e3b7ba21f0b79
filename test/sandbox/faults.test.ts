// Fault injection: the spec grammar, determinism under a seed, "after N", per-route rules, and
// faults seen through the SDK and counted in /__sandbox/stats.

import { describe, expect, it } from 'vitest';
import { FaultInjector, FaultSpecError, parseFaultSpec } from '../../src/sandbox/faults.ts';
import { createRng } from '../../src/sandbox/rng.ts';
import { bearer, failure, getJson, hubspotSandbox } from './helpers.ts';

describe('fault spec', () => {
  it('parses statuses, timeouts, slow answers, durations, "after N" and routes', () => {
    const rules = parseFaultSpec(
      '429:0.1, 500:0.05,timeout:0.02@2s,slow:0.1@800ms,503:after:100,POST /crm/v3/objects/*/search=429:0.5',
    );
    expect(rules.map((r) => [r.kind, r.when, r.durationMs])).toEqual([
      [{ type: 'status', status: 429 }, { probability: 0.1 }, 500],
      [{ type: 'status', status: 500 }, { probability: 0.05 }, 500],
      [{ type: 'timeout' }, { probability: 0.02 }, 2000],
      [{ type: 'slow' }, { probability: 0.1 }, 800],
      [{ type: 'status', status: 503 }, { after: 100 }, 500],
      [{ type: 'status', status: 429 }, { probability: 0.5 }, 500],
    ]);
    expect(rules[5]?.route?.test('POST /crm/v3/objects/deals/search')).toBe(true);
    expect(rules[5]?.route?.test('GET /crm/v3/objects/deals')).toBe(false);
  });

  it.each(['429', '200:0.1', '500:2', 'boom:0.1', 'slow:0.1@fast'])('rejects "%s"', (spec) => {
    expect(() => parseFaultSpec(spec)).toThrow(FaultSpecError);
  });

  it('decides the same faults for the same seed and request sequence', () => {
    const rules = parseFaultSpec('429:0.3,500:0.2,slow:0.5@10ms');
    const run = (seed: number) => {
      const injector = new FaultInjector(rules, createRng(seed));
      return Array.from({ length: 200 }, (_, i) => injector.decide(`GET /crm/v3/objects/deals/${i % 3}`));
    };
    expect(run(42)).toEqual(run(42));
    expect(run(42)).not.toEqual(run(43));
    expect(run(42).filter((d) => d.fail?.kind === 'status').length).toBeGreaterThan(40);
  });

  it('fails every matching request after the first N', () => {
    const injector = new FaultInjector(parseFaultSpec('GET /crm/v3/owners=500:after:2'), createRng(1));
    const owners = [1, 2, 3, 4].map(() => injector.decide('GET /crm/v3/owners').fail?.kind ?? null);
    expect(owners).toEqual([null, null, 'status', 'status']);
    expect(injector.decide('GET /crm/v3/objects/deals').fail).toBeNull();
  });
});

describe('faults in a running sandbox', () => {
  it("answers injected statuses in HubSpot's shape and counts them in stats", async () => {
    const fx = await hubspotSandbox({
      deals: 20,
      faults: 'GET /crm/v3/owners=500:1,GET /crm/v3/pipelines/*=429:1,GET /crm/v3/objects/*=503:after:1',
      limits: 'off',
    });
    try {
      const err = await failure(fx.client.crm.owners.ownersApi.getPage());
      expect(err.code).toBe(500);
      expect(err.body['category']).toBe('INTERNAL_ERROR');
      const limited = await getJson(`${fx.sandbox.url}/crm/v3/pipelines/deals`, { headers: bearer() });
      expect(limited.status).toBe(429);
      expect(limited.body).toMatchObject({ errorType: 'RATE_LIMIT', policyName: 'TEN_SECONDLY_ROLLING' });
      expect((await fx.client.crm.deals.basicApi.getPage(1)).results).toHaveLength(1);
      expect((await failure(fx.client.crm.deals.basicApi.getPage(1))).code).toBe(503);
      const stats = fx.sandbox.state.stats();
      expect(stats.faults).toEqual({ 500: 1, 429: 1, 503: 1 });
      expect(stats.rateLimited).toBe(1);
      expect(stats.byRoute['GET /crm/v3/owners']).toEqual({ count: 1, statuses: { 500: 1 } });
      expect(stats.byRoute['GET /crm/v3/objects/deals']).toEqual({ count: 2, statuses: { 200: 1, 503: 1 } });
    } finally {
      await fx.sandbox.stop();
    }
  });

  it('holds a "timeout" request, then drops the connection without an answer; "slow" answers late', async () => {
    const fx = await hubspotSandbox({
      deals: 5,
      faults: 'GET /crm/v3/owners=timeout:1@50ms,GET /crm/v3/pipelines/*=slow:1@20ms',
      limits: 'off',
    });
    try {
      await expect(fetch(`${fx.sandbox.url}/crm/v3/owners`, { headers: bearer() })).rejects.toThrow();
      expect((await getJson(`${fx.sandbox.url}/crm/v3/pipelines/deals`, { headers: bearer() })).status).toBe(200);
      const stats = fx.sandbox.state.stats();
      expect(stats.faults).toEqual({ timeout: 1, slow: 1 });
      expect(stats.byRoute['GET /crm/v3/owners']?.statuses).toEqual({ timeout: 1 });
    } finally {
      await fx.sandbox.stop();
    }
  });
});
