// POST /__sandbox/mutate: change N random live Opportunities' Amount or StageName, as a user
// editing them would, bumping LastModifiedDate and SystemModstamp. For incremental-sync tests.

import type { Rng } from '../rng.ts';
import type { SalesforceOrg } from './store/org.ts';

export function mutateOpportunities(org: SalesforceOrg, rng: Rng, count: number, userId: string): string[] {
  const live = [...(org.table('Opportunity')?.rows.values() ?? [])].filter((r) => r['IsDeleted'] !== true);
  const n = Math.min(count, live.length);
  // Partial Fisher–Yates: the first n slots end up a uniform random sample without repeats.
  for (let i = 0; i < n; i++) {
    const j = rng.int(i, live.length - 1);
    const a = live[i];
    const b = live[j];
    if (a === undefined || b === undefined) break;
    live[i] = b;
    live[j] = a;
  }
  const stages = org.shape.stages;
  return live.slice(0, n).map((row) => {
    const id = String(row['Id']);
    const amount = row['Amount'];
    if (typeof amount === 'number' && rng.chance(0.5)) {
      org.update('Opportunity', id, { Amount: Math.round(amount * (0.7 + rng.next() * 0.6) * 100) / 100 }, userId);
    } else {
      const others = stages.filter((s) => s.name !== row['StageName']);
      org.update('Opportunity', id, { StageName: rng.pick(others).name }, userId);
    }
    return id;
  });
}
