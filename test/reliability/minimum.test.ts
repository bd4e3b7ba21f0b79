// The theoretical minimum of API calls the benchmark compares against (bench/minimum.ts).

import { describe, expect, it } from 'vitest';
import { FIXED_CALLS_PER_RUN, theoreticalMinimum } from '../../bench/minimum.ts';

describe('theoreticalMinimum', () => {
  it.each([
    {
      what: 'HubSpot full run: partners by search 200, deals by list 100, associations 1,000, history 50; writes 100 per object',
      crm: 'hubspot' as const,
      mode: 'full' as const,
      see: { partners: 200, deals: 10_000, links: 2512 },
      changed: { partners: 200, deals: 6382, tasksCreated: 106 },
      reads: 1 + 100 + 10 + 51,
      writes: 2 + 64 + 2,
    },
    {
      what: 'HubSpot incremental run: deals by search 200',
      crm: 'hubspot' as const,
      mode: 'incremental' as const,
      see: { partners: 37, deals: 1000, links: 0 },
      changed: { partners: 37, deals: 530, tasksCreated: 0 },
      reads: 1 + 5 + 1,
      writes: 1 + 6,
    },
    {
      what: 'Salesforce full run: queries of 2,000; Accounts and Opportunities updated together, 200 per collection',
      crm: 'salesforce' as const,
      mode: 'full' as const,
      see: { partners: 200, deals: 10_000, links: 3382 },
      changed: { partners: 200, deals: 6378, tasksCreated: 106 },
      reads: 1 + 5 + 2,
      writes: 33 + 1,
    },
    {
      what: 'nothing to see or change: the fixed calls only',
      crm: 'salesforce' as const,
      mode: 'incremental' as const,
      see: { partners: 0, deals: 0, links: 0 },
      changed: { partners: 0, deals: 0, tasksCreated: 0 },
      reads: 0,
      writes: 0,
    },
  ])('$what', ({ crm, mode, see, changed, reads, writes }) => {
    expect(theoreticalMinimum(crm, mode, see, changed)).toEqual({
      reads,
      writes,
      fixed: FIXED_CALLS_PER_RUN,
      total: reads + writes + FIXED_CALLS_PER_RUN,
    });
  });
});
