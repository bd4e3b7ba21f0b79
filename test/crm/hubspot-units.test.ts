// Unit tests of the HubSpot connector's pure parts: limiter pacing, failure decisions, the
// request wrapper's transport errors, token refresh, partner option merging, influencer touch
// times, mapping validation and stage outcomes.

import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Client } from '@hubspot/api-client';
import { decide, DEFAULT_RETRY, HubspotHttpError, HubspotTransportError } from '../../src/crm/hubspot/failures.ts';
import { activeCrm, loadConfigFile } from '../../src/config/load.ts';
import { hubspotFieldMap } from '../../src/crm/hubspot/adapter.ts';
import { resolveFieldMap } from '../../src/crm/hubspot/field-map.ts';
import { HubspotApi, type CallOptions } from '../../src/crm/hubspot/hubspot-api.ts';
import { influencerTouches } from '../../src/crm/hubspot/influencer-touches.ts';
import { mergePartnerOptions } from '../../src/crm/hubspot/partner-options.ts';
import { SlidingWindowLimiter } from '../../src/crm/hubspot/rate-limiter.ts';
import { buildStageMap } from '../../src/crm/hubspot/stage-map.ts';
import { oauthToken, staticToken } from '../../src/crm/hubspot/token-source.ts';
import { silentLogger } from '../../src/log.ts';
import { hubspotConfig, instantTimer } from './hubspot-fixtures.ts';

describe('SlidingWindowLimiter', () => {
  it('lets `max` requests start in any window, then waits for the oldest to leave it', async () => {
    const timer = instantTimer(0);
    const limiter = new SlidingWindowLimiter(3, 1000, timer, 50);
    const starts: number[] = [];
    for (let i = 0; i < 7; i++) {
      await limiter.acquire();
      starts.push(timer.now());
    }
    expect(starts).toEqual([0, 0, 0, 1051, 1051, 1051, 2102]);
    for (let i = 3; i < starts.length; i++) expect((starts[i] ?? 0) - (starts[i - 3] ?? 0)).toBeGreaterThan(1000);
  });

  it('holds everyone back while paused', async () => {
    const timer = instantTimer(0);
    const limiter = new SlidingWindowLimiter(100, 10_000, timer);
    limiter.pause(2500);
    await limiter.acquire();
    expect(timer.now()).toBe(2500);
  });
});

describe('failure decisions', () => {
  const http = (
    status: number,
    body: Record<string, unknown> = {},
    headers: Record<string, string> = {},
  ): HubspotHttpError => new HubspotHttpError(status, body, headers);
  const settings = { ...DEFAULT_RETRY, random: () => 1 };

  it.each([
    [http(429, { policyName: 'TEN_SECONDLY_ROLLING' }), 'rate_limited', true],
    [http(429, { policyName: 'SECONDLY' }), 'rate_limited', true],
    [http(429, { policyName: 'DAILY' }), 'quota_exhausted', false],
    [http(423), 'unavailable', true],
    [http(500), 'unavailable', true],
    [http(503), 'unavailable', true],
    [new HubspotTransportError('timeout', 'no answer'), 'unavailable', true],
    [new HubspotTransportError('network', 'ECONNRESET'), 'unavailable', true],
    [http(400), 'invalid_request', false],
    [http(409), 'invalid_request', false],
    [http(404), 'not_found', false],
    [http(401), 'auth', false],
    [http(403), 'auth', false],
    [new SyntaxError('Unexpected token <'), 'bad_payload', false],
  ])('%s → %s (retry: %s)', (err, kind, retried) => {
    const d = decide(err, 1, 'GET /x', settings);
    expect(d.error.kind).toBe(kind);
    expect(d.delayMs !== null).toBe(retried);
  });

  it('honours Retry-After and never retries past the last attempt', () => {
    expect(decide(http(503, {}, { 'retry-after': '9' }), 1, 'GET /x', settings).delayMs).toBe(9000);
    expect(decide(http(503), DEFAULT_RETRY.maxAttempts, 'GET /x', settings).delayMs).toBeNull();
  });
});

describe('HubspotApi', () => {
  const api = (timeoutMs = 1000): HubspotApi =>
    new HubspotApi({
      basePath: 'https://api.hubapi.com',
      tokens: staticToken('t'),
      rateLimitPer10s: 190,
      searchPerSecond: 5,
      requestTimeoutMs: timeoutMs,
      logger: silentLogger(),
      timer: instantTimer(0),
      retry: { random: () => 0.5 },
    });
  const ok = { httpStatusCode: 200, headers: {}, data: { n: 1 } };

  it('retries a connection that failed the way undici fails (TypeError "fetch failed" with the socket error as cause)', async () => {
    const a = api();
    let calls = 0;
    const send = (_sdk: Client, _o: CallOptions): Promise<typeof ok> => {
      calls += 1;
      if (calls === 1)
        return Promise.reject(
          new TypeError('fetch failed', { cause: Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }) }),
        );
      return Promise.resolve(ok);
    };
    expect(await a.call('GET /x', 'read', z.object({ n: z.number() }), send)).toEqual({ n: 1 });
    expect(a.stats.snapshot().byEndpoint['GET /x']?.statuses).toEqual({ 200: 1, network: 1 });
  });

  it('abandons a request without an answer after the timeout and tries again', async () => {
    const a = api(20);
    let calls = 0;
    const send = (): Promise<typeof ok> => {
      calls += 1;
      return calls === 1 ? new Promise<typeof ok>(() => undefined) : Promise.resolve(ok);
    };
    expect(await a.call('GET /x', 'read', z.object({ n: z.number() }), send)).toEqual({ n: 1 });
    expect(a.stats.snapshot().byEndpoint['GET /x']?.statuses).toEqual({ 200: 1, timeout: 1 });
  });

  it('a non-idempotent call is not retried', async () => {
    const a = api();
    let calls = 0;
    const send = (): Promise<typeof ok> => {
      calls += 1;
      return Promise.reject(new HubspotHttpError(503, {}, {}));
    };
    await expect(a.call('POST /x', 'write', z.unknown(), send, { retry: false })).rejects.toMatchObject({
      kind: 'unavailable',
    });
    expect(calls).toBe(1);
  });
});

describe('OAuth token source', () => {
  it('refreshes ahead of expiry, shares one refresh between callers, and replaces only a rejected token', async () => {
    let now = 0;
    let issued = 0;
    const source = oauthToken({
      refreshToken: 'r',
      now: () => now,
      earlyMs: 300_000,
      exchange: () => {
        issued += 1;
        return Promise.resolve({ accessToken: `at-${issued}`, expiresIn: 1800 });
      },
    });
    expect(await Promise.all([source.token(), source.token()])).toEqual(['at-1', 'at-1']);
    now = 1_400_000;
    expect(await source.token()).toBe('at-1');
    now = 1_500_001; // past 1,800 s − 300 s
    expect(await source.token()).toBe('at-2');
    expect(await source.refreshAfter401('at-1')).toBe('at-2');
    expect(await source.refreshAfter401('at-2')).toBe('at-3');
    expect(issued).toBe(3);
  });
});

describe('partner options', () => {
  const existing = [
    { value: '7', label: 'Acme', hidden: false },
    { value: '8', label: 'Globex', hidden: false },
  ];

  it('adds, renames and hides, sorted by name, never deleting', () => {
    const merged = mergePartnerOptions(existing, {
      partners: [
        { id: '9', name: ' Bravo  Labs ' },
        { id: '8', name: 'Globex Group' },
      ],
      removed: ['7'],
      complete: false,
    });
    expect(merged).toEqual([
      { value: '7', label: 'Acme', hidden: true, displayOrder: 0 },
      { value: '9', label: 'Bravo Labs', hidden: false, displayOrder: 1 },
      { value: '8', label: 'Globex Group', hidden: false, displayOrder: 2 },
    ]);
  });

  it('answers null when a rep would see no difference', () => {
    const sorted = [
      { value: '7', label: 'Acme', hidden: false, displayOrder: 0 },
      { value: '8', label: 'Globex', hidden: false, displayOrder: 1 },
    ];
    expect(
      mergePartnerOptions(sorted, { partners: [{ id: '8', name: 'Globex' }], removed: [], complete: false }),
    ).toBeNull();
    expect(
      mergePartnerOptions(sorted, {
        partners: [
          { id: '7', name: 'Acme' },
          { id: '8', name: 'Globex' },
        ],
        removed: [],
        complete: true,
      }),
    ).toBeNull();
  });

  it('tells same-named companies apart by id, and hides options of companies missing from a complete list', () => {
    const merged = mergePartnerOptions(existing, {
      partners: [
        { id: '7', name: 'Acme' },
        { id: '5', name: 'Acme' },
        { id: '6', name: '' },
      ],
      removed: [],
      complete: true,
    });
    expect(merged?.map((o) => [o.value, o.label, o.hidden])).toEqual([
      ['5', 'Acme (5)', false],
      ['7', 'Acme (7)', false],
      ['6', 'Company 6', false],
      ['8', 'Globex', true],
    ]);
  });
});

describe('influencer touches', () => {
  const { map } = resolveFieldMap(
    hubspotConfig().programConfig,
    hubspotConfig().config.crm ??
      (() => {
        throw new Error('crm');
      })(),
  );
  const at = (iso: string): number => Date.parse(iso);

  it('dates each current influencer from when it was last added', () => {
    const history = [
      { value: '7;8', timestamp: at('2026-02-01T00:00:00Z') },
      { value: '7', timestamp: at('2026-01-01T00:00:00Z') },
      { value: '8', timestamp: at('2026-03-01T00:00:00Z') },
      { value: '8;7', timestamp: at('2026-04-01T00:00:00Z') },
    ];
    expect(influencerTouches(['8', '7'], history, '2025-12-01T00:00:00Z', map)).toEqual([
      { partnerId: '8', at: '2026-02-01T00:00:00Z' },
      { partnerId: '7', at: '2026-04-01T00:00:00Z' },
    ]);
  });

  it('falls back to the deal creation for an influencer the history does not show', () => {
    expect(influencerTouches(['9'], [], '2025-12-01T00:00:00Z', map)).toEqual([
      { partnerId: '9', at: '2025-12-01T00:00:00Z' },
    ]);
  });
});

describe('mapping validation', () => {
  const issues = (crmYaml: string): string[] => {
    const loaded = hubspotConfig(crmYaml);
    const crm = loaded.config.crm;
    if (!crm) throw new Error('no crm');
    return resolveFieldMap(loaded.programConfig, crm).issues.map((i) => `${i.path}: ${i.message}`);
  };

  it('accepts the bundled HubSpot example config', () => {
    expect(() => hubspotFieldMap(activeCrm(loadConfigFile('config/examples/hubspot.yaml')).settings)).not.toThrow();
  });

  it('accepts the docs/product.md example', () => {
    expect(
      issues(
        '  mappings:\n    deal.sourcePartnerId: { field: partner_source }\n    deal.recipe: { field: lead_source_detail, values: { "Partner referral": referral } }\n',
      ),
    ).toEqual([]);
  });

  it('names every problem with its path', () => {
    const found = issues(
      [
        '  mappings:',
        '    deal.partner: { field: x }',
        '    deal.amount: { field: Amount-2, values: { a: b } }',
        '    deal.recipe: { field: lead_source_detail, values: { "Partner referral": referal } }',
        '    deal.stage: { field: dealstage, values: { closedwon: done } }',
        '    partner.healthScore: { field: partner_pipeline }',
        '  partners: { where: { "Type": PARTNER } }',
        '',
      ].join('\n'),
    );
    expect(found).toEqual([
      expect.stringMatching(
        /^crm\.mappings\["deal\.partner"\]: unknown canonical field for HubSpot; use one of: deal\.name, /,
      ),
      'crm.mappings["deal.amount"].field: "Amount-2" is not a HubSpot property name (lowercase letters, digits and underscores, starting with a letter)',
      'crm.mappings["deal.amount"].values: deal.amount holds free text; a value map only applies to enumerations, stages, partners and owners',
      'crm.mappings["deal.recipe"].values["Partner referral"]: "referal" is not a value of deal.recipe; use one of: referral, reseller, technology, co-marketing, co-selling, affiliate-coupons, white-label',
      'crm.mappings["deal.stage"].values["closedwon"]: "done" is not a value of deal.stage; use one of: open, won, lost',
      'crm.mappings["partner.healthScore"].field: partner_pipeline already holds partner.pipeline; map each canonical field to its own property',
      'crm.partners.where.Type: is not a HubSpot company property name',
    ]);
  });
});

describe('stage outcomes', () => {
  const raw = {
    results: [
      {
        id: 'p',
        label: 'Partner deals',
        stages: [
          { id: '101', label: 'Open', metadata: { isClosed: 'false', probability: '0.5' } },
          { id: '102', label: 'Won', metadata: { isClosed: 'true', probability: '1.0' } },
          { id: '103', label: 'Lost', metadata: { isClosed: 'true', probability: '0.0' } },
          { id: '104', label: 'Odd', metadata: {} },
        ],
      },
    ],
  };

  it('reads isClosed and probability 1.0 = won, with overrides winning', () => {
    const stages = buildStageMap(raw, { 103: 'open', nope: 'won' });
    expect(['101', '102', '103', '104', 'zzz'].map((id) => stages.outcome(id))).toEqual([
      'open',
      'won',
      'open',
      null,
      null,
    ]);
    expect(stages.unknownOverrides()).toEqual(['nope']);
  });
});
