import { describe, expect, it } from 'vitest';
import type { SnapshotDeal, SnapshotPartner } from '../../src/domain/snapshot.ts';
import { alertKeys, deal, makeProgram, partner, run } from '../helpers/program.ts';

const program = makeProgram({
  plans: {
    t: {
      type: 'percent',
      tiers: [
        { name: 'Base', minWonDeals: 0, rateBps: 100 },
        { name: 'Gold', minWonDeals: 1, rateBps: 200 },
      ],
    },
  },
  recipes: {
    ref: { plan: 't', benchmarks: { winRate: 0.5 }, targets: { quarterlyRevenue: '1000000' } },
    idle: {},
    old: { status: 'retired' },
    anti: { status: 'anti' },
  },
  alerts: { minClosedForWinRate: 2 },
});
const asOf = '2026-06-01T00:00:00Z';
const reg = (partnerId: string, status: string, submittedAt: string, expiresAt: string | null = null) => ({
  partnerId,
  status,
  submittedAt,
  decidedAt: null,
  expiresAt,
});
const open = (id: string, extra: Partial<SnapshotDeal>) =>
  deal(id, { stage: 'open', closedAt: null, createdAt: '2026-05-20T00:00:00Z', ...extra });

const cases: [string, SnapshotPartner[], SnapshotDeal[], string[]][] = [
  [
    'HEALTH_AT_RISK for a partner in the at_risk band',
    [partner('p1', { recipe: 'ref' })],
    [],
    ['HEALTH_AT_RISK p1 - -'],
  ],
  [
    'INACTIVE after more than inactiveDays',
    [partner('p1')],
    [deal('d1', { sourcePartnerId: 'p1', createdAt: '2026-03-02T23:59:59Z', closedAt: '2026-03-10T00:00:00Z' })],
    ['INACTIVE p1 - -'],
  ],
  [
    'no INACTIVE alert at exactly inactiveDays',
    [partner('p1')],
    [deal('d1', { sourcePartnerId: 'p1', createdAt: '2026-03-03T00:00:00Z', closedAt: '2026-03-10T00:00:00Z' })],
    [],
  ],
  [
    'NOT_ACTIVATED when never active long after onboarding',
    [partner('p1', { onboardedAt: '2026-03-02T00:00:00Z' })],
    [],
    ['NOT_ACTIVATED p1 - -'],
  ],
  ['no NOT_ACTIVATED alert within notActivatedDays', [partner('p1', { onboardedAt: '2026-03-03T00:00:00Z' })], [], []],
  [
    'REGISTRATION_PENDING when submitted more than 3 days ago',
    [partner('p1')],
    [open('d1', { registration: reg('p1', 'submitted', '2026-05-28T23:59:59Z') })],
    ['REGISTRATION_PENDING p1 d1 -'],
  ],
  [
    'no REGISTRATION_PENDING alert on a closed deal',
    [partner('p1')],
    [deal('d1', { closedAt: '2026-05-30T00:00:00Z', registration: reg('p1', 'submitted', '2026-05-01T00:00:00Z') })],
    [],
  ],
  [
    'REGISTRATION_EXPIRING within 7 days',
    [partner('p1')],
    [open('d1', { registration: reg('p1', 'approved', '2026-05-20T00:00:00Z', '2026-06-08T00:00:00Z') })],
    ['REGISTRATION_EXPIRING p1 d1 -'],
  ],
  [
    'no REGISTRATION_EXPIRING alert when expiry is further out',
    [partner('p1')],
    [open('d1', { registration: reg('p1', 'approved', '2026-05-20T00:00:00Z', '2026-06-08T00:00:00.001Z') })],
    [],
  ],
  [
    'REGISTRATION_EXPIRED at expiresAt ≤ asOf',
    [partner('p1')],
    [open('d1', { registration: reg('p1', 'approved', '2026-05-20T00:00:00Z', asOf) })],
    ['REGISTRATION_EXPIRED p1 d1 -'],
  ],
  [
    'REGISTRATION_CONFLICT on each open deal of a customer registered by two partners',
    [partner('p1'), partner('p2'), partner('p3')],
    [
      open('d1', { customerId: 'c1', registration: reg('p1', 'submitted', '2026-05-30T00:00:00Z') }),
      open('d2', {
        customerId: 'c1',
        registration: reg('p2', 'approved', '2026-05-30T00:00:00Z', '2026-01-01T00:00:00Z'),
      }),
      open('d3', { customerId: 'c1', registration: reg('p3', 'rejected', '2026-05-30T00:00:00Z') }),
      open('d4', { customerId: 'c2', registration: reg('p3', 'submitted', '2026-05-30T00:00:00Z') }),
      open('d5', { customerId: null, registration: reg('p1', 'submitted', '2026-05-30T00:00:00Z') }),
    ],
    ['REGISTRATION_CONFLICT p1 d1 -', 'REGISTRATION_CONFLICT p2 d2 -'],
  ],
  [
    'SOURCE_CONFLICT at any stage when an approved registration names another partner',
    [partner('p1'), partner('p2')],
    [
      deal('d1', {
        closedAt: '2026-05-30T00:00:00Z',
        sourcePartnerId: 'p1',
        registration: reg('p2', 'approved', '2026-05-01T00:00:00Z'),
      }),
      deal('d2', {
        stage: 'lost',
        closedAt: '2026-05-30T00:00:00Z',
        sourcePartnerId: 'p1',
        registration: reg('p2', 'submitted', '2026-05-01T00:00:00Z'),
      }),
    ],
    ['SOURCE_CONFLICT p2 d1 -'],
  ],
  [
    'LOW_WIN_RATE below factor × benchmark with a large enough sample',
    [partner('p1', { recipe: 'ref' })],
    [
      deal('d1', {
        sourcePartnerId: 'p1',
        stage: 'lost',
        createdAt: '2026-05-01T00:00:00Z',
        closedAt: '2026-05-25T00:00:00Z',
      }),
      deal('d2', {
        sourcePartnerId: 'p1',
        stage: 'lost',
        createdAt: '2026-05-01T00:00:00Z',
        closedAt: '2026-05-26T00:00:00Z',
      }),
    ],
    ['LOW_WIN_RATE p1 - -'],
  ],
  [
    'TIER_CHANGE when the earned tier differs from the granted one',
    [partner('p1', { recipe: 'ref', tier: 'Base' }), partner('p2', { recipe: 'ref', tier: null })],
    [deal('d1', { sourcePartnerId: 'p1', createdAt: '2026-05-01T00:00:00Z', closedAt: '2026-05-25T00:00:00Z' })],
    ['TIER_CHANGE p1 - -'],
  ],
  [
    'DEAL_WITHOUT_RECIPE and ANTI_RECIPE on won deals',
    [partner('p1'), partner('p2', { recipe: 'anti' })],
    [
      deal('d1', { sourcePartnerId: 'p1', createdAt: '2026-05-01T00:00:00Z', closedAt: '2026-05-25T00:00:00Z' }),
      deal('d2', { sourcePartnerId: 'p2', createdAt: '2026-05-01T00:00:00Z', closedAt: '2026-05-25T00:00:00Z' }),
    ],
    ['ANTI_RECIPE p2 d2 -', 'DEAL_WITHOUT_RECIPE p1 d1 -'],
  ],
  [
    'UNKNOWN_PARTNER once per deal',
    [partner('p1')],
    [open('d1', { sourcePartnerId: 'x', touches: [{ partnerId: 'y', at: '2026-05-21T00:00:00Z' }] })],
    ['UNKNOWN_PARTNER - d1 -'],
  ],
];

describe('alerts (docs/finance-rules.md §8)', () => {
  it.each(cases)('%s', (name, partners, deals, expected) => {
    const r = run(program, partners, deals, asOf);
    // compare the codes this case is about (named in its title); others have their own cases
    const codes = name.match(/[A-Z_]{6,}/g) ?? [];
    expect(codes.length).toBeGreaterThan(0);
    expect(alertKeys(r).filter((k) => codes.some((c) => k.startsWith(`${c} `)))).toEqual(expected);
    for (const a of r.alerts) expect(a.message.length).toBeGreaterThan(20);
  });

  it('raises RECIPE_UNUSED for active recipes without a recent deal (effective recipe)', () => {
    const r = run(
      program,
      [partner('p1', { recipe: 'ref' }), partner('p2', { recipe: 'old' })],
      [
        deal('d1', { sourcePartnerId: 'p1', createdAt: '2025-12-03T00:00:00Z', closedAt: '2026-01-01T00:00:00Z' }), // 180 days before asOf
        deal('d2', {
          sourcePartnerId: 'p2',
          recipe: 'idle',
          createdAt: '2025-12-02T23:59:59Z',
          closedAt: '2026-01-01T00:00:00Z',
        }),
      ],
      asOf,
    );
    expect(alertKeys(r).filter((k) => k.startsWith('RECIPE_UNUSED'))).toEqual(['RECIPE_UNUSED - - idle']);
    expect(r.alerts.find((a) => a.recipe === 'idle')?.message).toContain('2025-12-02');
  });

  it('sorts by severity, code, partnerId, dealId, recipe with nulls first', () => {
    const r = run(
      program,
      [partner('p2'), partner('p1')],
      [
        open('d2', { customerId: 'c', registration: reg('p2', 'submitted', '2026-05-01T00:00:00Z') }),
        open('d1', { customerId: 'c', registration: reg('p1', 'submitted', '2026-05-01T00:00:00Z') }),
        open('d3', { sourcePartnerId: 'zz' }),
      ],
      asOf,
    );
    expect(alertKeys(r)).toEqual([
      'REGISTRATION_CONFLICT p1 d1 -',
      'REGISTRATION_CONFLICT p2 d2 -',
      'REGISTRATION_PENDING p1 d1 -',
      'REGISTRATION_PENDING p2 d2 -',
      'UNKNOWN_PARTNER - d3 -',
      'RECIPE_UNUSED - - idle',
      'RECIPE_UNUSED - - ref',
    ]);
    expect(r.alerts.map((a) => a.severity)).toEqual([
      'critical',
      'critical',
      'warning',
      'warning',
      'warning',
      'info',
      'info',
    ]);
  });

  it('writes messages with the numbers and the next step', () => {
    const r = run(program, [partner('p1', { recipe: 'ref', name: 'Acme' })], [], asOf);
    expect(r.alerts[0]?.message).toMatch(
      /^Health 7 < 60 \(revenue 0, activity 20, pipeline 0\): schedule a check-in with Acme/,
    );
  });
});
