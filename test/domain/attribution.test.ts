import { describe, expect, it } from 'vitest';
import { deal, makeProgram, partner, run, split } from '../helpers/program.ts';

const partners = ['p1', 'p2', 'p3', 'p4'].map((id) => partner(id));
const model = (m: string, extra: Record<string, unknown> = {}) => makeProgram({ attribution: { model: m, ...extra } });

// p1 sources (createdAt 01-10); p2 touched 01-05, p3 01-20, p4 01-25; closed 02-01
const touches = [
  { partnerId: 'p2', at: '2026-01-05T00:00:00Z' },
  { partnerId: 'p4', at: '2026-01-25T00:00:00Z' },
  { partnerId: 'p3', at: '2026-01-20T00:00:00Z' },
];
const base = { createdAt: '2026-01-10T00:00:00Z', closedAt: '2026-02-01T00:00:00Z', sourcePartnerId: 'p1' };

describe('attribution models', () => {
  it.each([
    // model, touches kept, amount, expected split in touch order
    ['sourced', 0, '100.00', ['p1=100.00']],
    ['sourced', 3, '100.00', ['p1=100.00']],
    ['first_touch', 0, '100.00', ['p1=100.00']],
    ['first_touch', 1, '100.00', ['p2=100.00']],
    ['last_touch', 1, '100.00', ['p1=100.00']],
    ['last_touch', 3, '100.00', ['p4=100.00']],
    ['linear', 0, '100.00', ['p1=100.00']],
    ['linear', 1, '100.01', ['p2=50.01', 'p1=50.00']], // remainder tie → earlier touch
    ['linear', 2, '100.00', ['p2=33.34', 'p1=33.33', 'p4=33.33']],
    ['linear', 3, '100.03', ['p2=25.01', 'p1=25.01', 'p3=25.01', 'p4=25.00']],
    ['position_based', 0, '100.00', ['p1=100.00']],
    ['position_based', 1, '10.01', ['p2=5.01', 'p1=5.00']],
    ['position_based', 2, '100.00', ['p2=40.00', 'p1=20.00', 'p4=40.00']],
    ['position_based', 3, '100.01', ['p2=40.01', 'p1=10.00', 'p3=10.00', 'p4=40.00']],
    ['position_based', 3, '0.07', ['p2=0.03', 'p1=0.01', 'p3=0.00', 'p4=0.03']], // .8 .7 .7 .8: ties → earlier
  ])('%s with %i extra touches splits %s', (m, n, amount, expected) => {
    const r = run(model(m), partners, [deal('d1', { ...base, amount, touches: touches.slice(0, n) })]);
    expect(split(r, 'd1')).toEqual(expected);
    expect(r.attribution.find((a) => a.partnerId === 'p1')?.role ?? 'sourced').toBe('sourced');
    expect(r.attribution.filter((a) => a.partnerId !== 'p1').every((a) => a.role === 'influenced')).toBe(true);
  });

  it('time decay halves the weight per half-life before T(d)', () => {
    // T = 02-01; p2 touched 7 days before, p1 (source) at T → weights 1/2 : 1
    const r = run(model('time_decay', { halfLifeDays: 7 }), partners, [
      deal('d1', {
        amount: '90.00',
        sourcePartnerId: 'p1',
        createdAt: '2026-01-01T00:00:00Z',
        closedAt: '2026-02-01T00:00:00Z',
        registration: {
          partnerId: 'p1',
          status: 'approved',
          submittedAt: '2026-02-01T00:00:00Z',
          decidedAt: null,
          expiresAt: null,
        },
        touches: [{ partnerId: 'p2', at: '2026-01-25T00:00:00Z' }],
      }),
    ]);
    expect(split(r, 'd1')).toEqual(['p2=30.00', 'p1=60.00']);
  });

  it('time decay splits amounts beyond 2^53 minor units exactly, to double precision of the weights', () => {
    // 2^-1 and 1 after normalisation: 1/3 and 2/3 of an amount no double can hold exactly
    const r = run(model('time_decay', { halfLifeDays: 7 }), partners, [
      deal('d1', {
        amount: '13378127340688782.03',
        sourcePartnerId: 'p1',
        createdAt: '2026-01-01T00:00:00Z',
        closedAt: '2026-02-01T00:00:00Z',
        registration: {
          partnerId: 'p1',
          status: 'approved',
          submittedAt: '2026-02-01T00:00:00Z',
          decidedAt: null,
          expiresAt: null,
        },
        touches: [{ partnerId: 'p2', at: '2026-01-25T00:00:00Z' }],
      }),
    ]);
    const A = 1337812734068878203n;
    const [p2, p1] = r.attribution.map((a) => BigInt(a.amount.replace('.', '')));
    expect((p2 ?? 0n) + (p1 ?? 0n)).toBe(A);
    // The double weights sum to 1 − 2^-54, so the floors leave ~74 units, shared one by one in
    // remainder order: p2 stays within double precision (~1e-16 relative) of the exact third.
    const third = A / 3n;
    expect((p2 ?? 0n) > third - 100n && (p2 ?? 0n) < third + 100n).toBe(true);
  });

  it('time decay with three touches sums exactly', () => {
    const r = run(model('time_decay', { halfLifeDays: 3 }), partners, [
      deal('d1', { ...base, amount: '1000.00', touches }),
    ]);
    const parts = split(r, 'd1');
    expect(parts.map((p) => p.split('=')[0])).toEqual(['p2', 'p1', 'p3', 'p4']);
    expect(r.attribution.reduce((s, a) => s + Math.round(Number(a.amount) * 100), 0)).toBe(100000);
  });
});

describe('touches', () => {
  it('ignores touches after T(d), keeps the earliest per partner, drops the source partner from touches', () => {
    const r = run(model('linear'), partners, [
      deal('d1', {
        ...base,
        amount: '90.00',
        touches: [
          { partnerId: 'p2', at: '2026-01-15T00:00:00Z' },
          { partnerId: 'p2', at: '2026-01-03T00:00:00Z' },
          { partnerId: 'p1', at: '2026-01-01T00:00:00Z' }, // the source: its time comes from docs/finance-rules.md §3
          { partnerId: 'p3', at: '2026-02-01T00:00:01Z' }, // after close
        ],
      }),
    ]);
    expect(split(r, 'd1')).toEqual(['p2=45.00', 'p1=45.00']);
  });

  it('orders equal times by partner id and gives remainder ties to the earlier touch', () => {
    const at = '2026-01-10T00:00:00Z';
    const r = run(model('linear'), partners, [
      deal('d1', {
        ...base,
        amount: '0.02',
        sourcePartnerId: null,
        touches: [
          { partnerId: 'p3', at },
          { partnerId: 'p1', at },
          { partnerId: 'p2', at },
        ],
      }),
    ]);
    expect(split(r, 'd1')).toEqual(['p1=0.01', 'p2=0.01', 'p3=0.00']);
  });

  it("uses the registration's submittedAt as the source touch time, clamped to T(d)", () => {
    const reg = (submittedAt: string) => ({
      partnerId: 'p1',
      status: 'rejected',
      submittedAt,
      decidedAt: null,
      expiresAt: null,
    });
    const early = run(model('first_touch'), partners, [
      deal('d1', { ...base, registration: reg('2026-01-01T00:00:00Z'), touches: touches.slice(0, 1) }),
    ]);
    expect(split(early, 'd1')).toEqual(['p1=1000.00']);
    // submitted after close (but before asOf): clamped to T, so p2 (01-05) comes first
    const late = run(model('last_touch'), partners, [
      deal('d1', {
        ...base,
        registration: reg('2026-03-01T00:00:00Z'),
        touches: [{ partnerId: 'p2', at: '2026-01-31T00:00:00Z' }],
      }),
    ]);
    expect(split(late, 'd1')).toEqual(['p1=1000.00']);
  });

  it('takes S(d) from an approved, unexpired registration when no source is set', () => {
    const reg = (status: string, expiresAt: string | null) => ({
      partnerId: 'p2',
      status,
      submittedAt: '2026-01-02T00:00:00Z',
      decidedAt: null,
      expiresAt,
    });
    const cases: [string, string | null, string[]][] = [
      ['approved', null, ['p2=1000.00']],
      ['approved', '2026-02-01T00:00:00Z', ['p2=1000.00']], // expiresAt >= T
      ['approved', '2026-01-31T23:59:59Z', []],
      ['submitted', null, []],
      ['expired', null, []],
    ];
    for (const [status, expiresAt, expected] of cases) {
      const r = run(model('sourced'), partners, [
        deal('d1', { ...base, sourcePartnerId: null, registration: reg(status, expiresAt) }),
      ]);
      expect(split(r, 'd1'), `${status} ${expiresAt}`).toEqual(expected);
    }
  });

  it('attributes open and lost deals too; open deals use asOf as T', () => {
    const r = run(model('linear'), partners, [
      deal('d1', { ...base, stage: 'lost', touches: touches.slice(0, 1) }),
      deal('d2', {
        ...base,
        stage: 'open',
        closedAt: '2027-01-01T00:00:00Z',
        touches: [
          { partnerId: 'p2', at: '2026-03-01T00:00:00Z' },
          { partnerId: 'p3', at: '2026-03-16T00:00:00Z' },
        ],
      }),
    ]);
    expect(split(r, 'd1')).toEqual(['p2=500.00', 'p1=500.00']);
    expect(split(r, 'd2')).toEqual(['p1=500.00', 'p2=500.00']);
  });

  it('drops touches and registrations that name no partner, keeps the deal and raises UNKNOWN_PARTNER', () => {
    const r = run(model('linear'), partners, [
      deal('d1', {
        ...base,
        registration: {
          partnerId: null,
          status: 'approved',
          submittedAt: '2026-01-01T00:00:00Z',
          decidedAt: null,
          expiresAt: null,
        },
        touches: [
          { partnerId: null as unknown as string, at: '2026-01-05T00:00:00Z' },
          { partnerId: '', at: '2026-01-06T00:00:00Z' },
        ],
      }),
    ]);
    expect(r.rejected).toEqual([]);
    expect(split(r, 'd1')).toEqual(['p1=1000.00']);
    expect(r.alerts.filter((a) => a.code === 'UNKNOWN_PARTNER').map((a) => a.dealId)).toEqual(['d1']);
  });

  it('drops unknown partners everywhere and raises one UNKNOWN_PARTNER for the deal', () => {
    const r = run(model('linear'), partners, [
      deal('d1', {
        ...base,
        sourcePartnerId: 'ghost',
        registration: {
          partnerId: 'ghost2',
          status: 'approved',
          submittedAt: '2026-01-01T00:00:00Z',
          decidedAt: null,
          expiresAt: null,
        },
        touches: [
          { partnerId: 'ghost3', at: '2027-01-01T00:00:00Z' },
          { partnerId: 'p2', at: '2026-01-05T00:00:00Z' },
        ],
      }),
    ]);
    expect(split(r, 'd1')).toEqual(['p2=1000.00']);
    expect(r.alerts.filter((a) => a.code === 'UNKNOWN_PARTNER')).toEqual([
      expect.objectContaining({ dealId: 'd1', partnerId: null, severity: 'warning' }),
    ]);
  });
});
