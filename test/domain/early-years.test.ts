// compute in years 0000–0099 (issue 16, finding 5): dates read as written (no 1900 shift), month
// labels, payable dates and the 365-day and hold windows as in any other year.

import { describe, expect, it } from 'vitest';
import { deal, makeProgram, partner, run } from '../helpers/program.ts';

const program = (timezone: string) =>
  makeProgram({
    timezone,
    plans: { ref: { type: 'percent', rateBps: 1000, holdDays: 30 }, fee: { type: 'fixed_fee', monthlyFee: '100' } },
    recipes: { referral: { plan: 'ref' }, retainer: { plan: 'fee' } },
  });

describe.each(['UTC', 'America/New_York'])('compute in years 0000–0099 (%s)', (tz) => {
  it('books a deal won on 0001-01-01 in its month, with its payable date and fees from onboarding', () => {
    const r = run(
      program(tz),
      [
        partner('p1', { recipe: 'referral', onboardedAt: '0000-06-01T12:00:00Z' }),
        partner('p2', { recipe: 'retainer', onboardedAt: '0000-11-15T12:00:00Z' }),
      ],
      [
        deal('d1', {
          sourcePartnerId: 'p1',
          amount: '1000.00',
          createdAt: '0000-12-01T12:00:00Z',
          closedAt: '0001-01-01T12:00:00Z',
        }),
      ],
      '0001-02-15T00:00:00Z',
    );
    expect(r.asOf).toBe('0001-02-15T00:00:00Z');
    expect(r.period.label).toBe('0001-02');
    expect(r.rejected).toEqual([]);
    expect(r.commissions.map((c) => `${c.key} ${c.amount} ${c.payableOn} ${c.status}`)).toEqual([
      'd1:p1:0001-01 100.00 0001-01-31 payable',
      'fee:p2:0000-11 100.00 0000-11-15 payable',
      'fee:p2:0000-12 100.00 0000-12-01 payable',
      'fee:p2:0001-01 100.00 0001-01-01 payable',
      'fee:p2:0001-02 100.00 0001-02-01 payable',
    ]);
    expect(r.partners.find((p) => p.id === 'p1')?.kpis).toMatchObject({ dealsWon: 0 });
  });

  it('books a deal won on 0099-12-31 in 0099-12 and the period 0099 holds it', () => {
    const deals = [
      deal('d9', {
        sourcePartnerId: 'p1',
        amount: '500.00',
        createdAt: '0099-11-01T12:00:00Z',
        closedAt: '0099-12-31T12:00:00Z',
      }),
    ];
    const partners = [partner('p1', { recipe: 'referral', onboardedAt: '0099-01-01T12:00:00Z' })];
    const r = run(program(tz), partners, deals, '0100-01-05T00:00:00Z', '0099');
    expect(r.period).toMatchObject({ label: '0099' });
    expect(r.commissions.map((c) => `${c.key} ${c.payableOn} ${c.status}`)).toEqual(['d9:p1:0099-12 0100-01-30 held']);
    expect(r.partners[0]?.kpis).toMatchObject({ dealsWon: 1, attributedRevenue: '500.00' });
  });
});
