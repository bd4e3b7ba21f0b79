// A deterministic synthetic snapshot for benchmarks: realistic shares of stages, currencies,
// registrations and influencer touches, built in memory.

import type { Snapshot, SnapshotDeal, SnapshotPartner } from '../src/domain/snapshot.ts';
import { createRng } from '../src/sandbox/rng.ts';

export function syntheticSnapshot(deals: number, partners: number, asOf: number, seed = 42): Snapshot {
  const random = createRng(seed); // deterministic: every run measures the same data
  const r = (): number => random.next();
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
  const day = 86_400_000;
  const iso = (ms: number) => new Date(ms).toISOString();
  const recipes = [
    'referral',
    'reseller',
    'technology',
    'co-marketing',
    'co-selling',
    'affiliate-coupons',
    'white-label',
    null,
  ];
  const ps: SnapshotPartner[] = [];
  for (let i = 0; i < partners; i++) {
    ps.push({
      id: `p${i}`,
      name: `Partner ${i}`,
      recipe: pick(recipes),
      tier: pick(['Referral', 'Certified', 'Premium', null]),
      onboardedAt: iso(asOf - Math.floor(r() * 900) * day),
      endedAt: r() < 0.05 ? iso(asOf - Math.floor(r() * 100) * day) : null,
      ratings: { communication: 1 + Math.floor(r() * 5), alignment: 3, trust: 4, ease: 2, potential: 5 },
      fit: { strategic: 4, value: 3, reach: 1 + Math.floor(r() * 5), operations: 2, readiness: 5 },
    });
  }
  const ds: SnapshotDeal[] = [];
  for (let i = 0; i < deals; i++) {
    const created = asOf - Math.floor(r() * 730 * day);
    const stageRoll = r();
    const stage = stageRoll < 0.45 ? 'won' : stageRoll < 0.75 ? 'lost' : 'open';
    const closed = Math.min(asOf, created + Math.floor(r() * 120 * day));
    const src = r() < 0.8 ? `p${Math.floor(r() * partners)}` : null;
    const touches: { partnerId: string; at: string }[] = [];
    const n = Math.floor(r() * 3);
    for (let k = 0; k < n; k++)
      touches.push({ partnerId: `p${Math.floor(r() * partners)}`, at: iso(created + Math.floor(r() * 60 * day)) });
    ds.push({
      id: `d${i}`,
      name: `Deal ${i}`,
      amount: `${Math.floor(r() * 100000)}.${String(Math.floor(r() * 100)).padStart(2, '0')}`,
      currency: pick(['USD', 'USD', 'USD', 'EUR', 'GBP', 'JPY']),
      stage,
      createdAt: iso(created),
      closedAt: stage === 'open' ? null : iso(closed),
      customerId: `c${Math.floor((r() * deals) / 3)}`,
      recipe: r() < 0.1 ? pick(recipes) : null,
      sourcePartnerId: src,
      registration:
        src && r() < 0.3
          ? {
              partnerId: src,
              status: pick(['submitted', 'approved', 'approved', 'rejected', 'expired']),
              submittedAt: iso(created - day),
              decidedAt: null,
              expiresAt: iso(created + 90 * day),
            }
          : null,
      touches,
    });
  }
  return { partners: ps, deals: ds };
}
