// How the reliability suite decides that a trial's state equals the clean run's, and what it
// counts as lost or duplicated (test/reliability/outcome.ts).

import { describe, expect, it } from 'vitest';
import { compare, type Outcome } from './outcome.ts';

function outcome(extra: Partial<Outcome> = {}): Outcome {
  return {
    ledger: ['k1 | accrual | 2026-10 | 1000', 'k2 | accrual | 2026-10 | 500', 'k2 | adjustment | 2026-11 | -100'],
    records: new Map([
      ['deals:1', '{"amount":"10"}'],
      ['companies:2', '{"name":"Acme"}'],
    ]),
    tasksPerEpisode: new Map([['HEALTH_AT_RISK:p1', [1]]]),
    tasksPerMarker: new Map([['m1', 1]]),
    pendingTasks: 0,
    ...extra,
  };
}

describe('compare', () => {
  it('finds two equal outcomes identical', () => {
    expect(compare(outcome(), outcome())).toEqual({ identical: true, lost: 0, duplicates: 0, differences: [] });
  });

  it.each([
    {
      what: 'a ledger entry missing is lost',
      got: { ledger: ['k1 | accrual | 2026-10 | 1000', 'k2 | accrual | 2026-10 | 500'] },
      lost: 1,
      duplicates: 0,
    },
    {
      what: 'an entry posted twice is a duplicate',
      got: { ledger: [...outcome().ledger, 'k1 | accrual | 2026-10 | 1000'] },
      lost: 0,
      duplicates: 1,
    },
    {
      what: 'a CRM value that differs is lost',
      got: {
        records: new Map([
          ['deals:1', '{"amount":"11"}'],
          ['companies:2', '{"name":"Acme"}'],
        ]),
      },
      lost: 1,
      duplicates: 0,
    },
    {
      what: 'two CRM tasks for one episode are a duplicate',
      got: { tasksPerMarker: new Map([['m1', 2]]), tasksPerEpisode: new Map([['HEALTH_AT_RISK:p1', [2]]]) },
      lost: 0,
      duplicates: 1,
    },
    {
      what: 'a task never created is lost',
      got: {
        tasksPerMarker: new Map<string, number>(),
        tasksPerEpisode: new Map([['HEALTH_AT_RISK:p1', [0]]]),
        pendingTasks: 1,
      },
      lost: 1,
      duplicates: 0,
    },
  ])('$what', ({ got, lost, duplicates }) => {
    const c = compare(outcome(), outcome(got));
    expect(c.identical).toBe(false);
    expect({ lost: c.lost, duplicates: c.duplicates }).toEqual({ lost, duplicates });
    expect(c.differences.length).toBeGreaterThan(0);
  });
});
