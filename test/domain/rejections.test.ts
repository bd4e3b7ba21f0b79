import { describe, expect, it } from 'vitest';
import { computeResult } from '../../src/domain/engine.ts';
import { deal, makeProgram, partner, run } from '../helpers/program.ts';

const program = makeProgram({ exchangeRates: { EUR: '1.1' } });
const asOf = '2026-03-15T00:00:00Z';

describe('rejected deals (docs/finance-rules.md §2), first matching reason in order', () => {
  it.each([
    ['missing amount', { amount: undefined }, 'AMOUNT_INVALID'],
    ['null amount', { amount: null }, 'AMOUNT_INVALID'],
    ['empty amount', { amount: '' }, 'AMOUNT_INVALID'],
    ['thousands separator', { amount: '12,000.00' }, 'AMOUNT_INVALID'],
    ['exponent', { amount: '1e5' }, 'AMOUNT_INVALID'],
    ['a JSON number', { amount: 1200 }, 'AMOUNT_INVALID'],
    ['negative', { amount: '-0.01' }, 'AMOUNT_INVALID'],
    ['negative and unknown currency', { amount: '-5', currency: 'CHF' }, 'AMOUNT_INVALID'],
    ['unknown currency', { currency: 'CHF' }, 'CURRENCY_UNKNOWN'],
    ['no currency', { currency: null }, 'CURRENCY_UNKNOWN'],
    ['unknown currency and no close date', { currency: 'CHF', closedAt: null }, 'CURRENCY_UNKNOWN'],
    ['won without closedAt', { closedAt: null }, 'CLOSE_DATE_MISSING'],
    ['lost without closedAt', { stage: 'lost', closedAt: undefined }, 'CLOSE_DATE_MISSING'],
    [
      'won without close date and created in the future',
      { closedAt: null, createdAt: '2027-01-01T00:00:00Z' },
      'CLOSE_DATE_MISSING',
    ],
    [
      'created after asOf',
      { stage: 'open', closedAt: null, createdAt: '2026-03-15T00:00:00.001Z' },
      'FUTURE_TIMESTAMP',
    ],
    ['closed after asOf', { closedAt: '2026-03-16T00:00:00Z' }, 'FUTURE_TIMESTAMP'],
    // partnersync's own reasons for records too broken to evaluate (README "Rejected deals")
    ['unknown stage', { stage: 'closedwon' }, 'STAGE_INVALID'],
    ['impossible created date', { createdAt: '2026-02-30T00:00:00Z' }, 'TIMESTAMP_INVALID'],
    ['unreadable close date', { closedAt: '31/01/2026' }, 'TIMESTAMP_INVALID'],
  ])('%s → %s', (_name, change, reason) => {
    const r = run(program, [partner('p1')], [deal('d1', change), deal('d2')], asOf);
    expect(r.rejected).toEqual([{ dealId: 'd1', reason }]);
    expect(r.attribution.every((a) => a.dealId !== 'd1')).toBe(true);
  });

  it('keeps a deal whose touch or registration cannot be read, drops that part and reports it', () => {
    const partners = [partner('p1'), partner('p2')];
    const { result, warnings } = computeResult(
      makeProgram({ attribution: { model: 'linear' } }),
      {
        partners,
        deals: [
          deal('d1', {
            sourcePartnerId: 'p1',
            touches: [{ partnerId: 'p2', at: 'soon' }, 7 as unknown as { partnerId: string; at: string }],
          }),
          deal('d2', {
            sourcePartnerId: 'p1',
            registration: { partnerId: 'p2', status: 'pending', submittedAt: null, decidedAt: null, expiresAt: null },
          }),
          deal('d3', {
            sourcePartnerId: 'p1',
            registration: {
              partnerId: 'p2',
              status: 'approved',
              submittedAt: 'yesterday',
              decidedAt: null,
              expiresAt: null,
            },
          }),
        ],
      },
      { asOf: Date.parse(asOf) },
    );
    expect(result.rejected).toEqual([]);
    expect(result.attribution.map((a) => `${a.dealId}:${a.partnerId}`)).toEqual(['d1:p1', 'd2:p1', 'd3:p1']);
    expect(warnings).toEqual([
      'deal d1: touches[0] of partner p2 ignored: at "soon" is not an ISO-8601 timestamp',
      'deal d1: touches[1] ignored: not an object',
      'deal d2: registration ignored: status "pending" is not submitted, approved, rejected, expired',
      'deal d3: registration ignored: submittedAt "yesterday" is not an ISO-8601 timestamp',
    ]);
  });

  it('accepts an open deal whose expected close date is in the future or missing', () => {
    const r = run(
      program,
      [partner('p1')],
      [
        deal('d1', { stage: 'open', closedAt: '2027-01-01T00:00:00Z', sourcePartnerId: 'p1' }),
        deal('d2', { stage: 'open', closedAt: null, sourcePartnerId: 'p1' }),
      ],
      asOf,
    );
    expect(r.rejected).toEqual([]);
    expect(r.partners[0]?.kpis.pipeline).toBe('2000.00');
  });

  it('sorts rejections by deal id and keeps the first of duplicate ids', () => {
    const r = run(
      program,
      [],
      [deal('d9', { amount: 'x' }), deal('d1', { currency: 'CHF' }), deal('d5'), deal('d5', { amount: '7.00' })],
      asOf,
    );
    expect(r.rejected).toEqual([
      { dealId: 'd1', reason: 'CURRENCY_UNKNOWN' },
      { dealId: 'd5', reason: 'DUPLICATE_DEAL' },
      { dealId: 'd9', reason: 'AMOUNT_INVALID' },
    ]);
    expect(r.program.totalWonRevenue).toBe('0.00'); // d5 won in February; the period is March
  });

  it('ignores registrations submitted after asOf as a whole, and touches after asOf', () => {
    const r = run(
      makeProgram({ attribution: { model: 'linear' } }),
      [partner('p1'), partner('p2')],
      [
        deal('d1', {
          stage: 'open',
          closedAt: null,
          registration: {
            partnerId: 'p1',
            status: 'approved',
            submittedAt: '2026-03-16T00:00:00Z',
            decidedAt: null,
            expiresAt: null,
          },
          touches: [{ partnerId: 'p2', at: '2026-03-16T00:00:00Z' }],
        }),
      ],
      asOf,
    );
    expect(r.attribution).toEqual([]);
    expect(r.partners.map((p) => p.kpis.lastActivityAt)).toEqual([null, null]);
    expect(r.alerts.some((a) => a.code === 'UNKNOWN_PARTNER')).toBe(false);
  });
});
