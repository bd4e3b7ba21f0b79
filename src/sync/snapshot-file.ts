// `partnersync snapshot`: the canonical snapshot (docs/finance-rules.md §1.2) that `compute` reads, either
// pulled from the CRM now (a full pull held in memory; the store is not touched) or read from
// the snapshot cache of the last sync.

import type { CrmAdapter, PulledDeal, PulledPartner } from '../crm/port.ts';
import type { SnapshotDeal, SnapshotPartner } from '../domain/snapshot.ts';
import type { Store } from '../store/store.ts';

export interface CanonicalSnapshot {
  partners: SnapshotPartner[];
  deals: SnapshotDeal[];
}

const byId = <T extends { id: string }>(a: T, b: T): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

function canonicalPartner(p: PulledPartner): SnapshotPartner {
  return {
    id: p.id,
    name: p.name ?? null,
    recipe: p.recipe ?? null,
    tier: p.tier ?? null,
    onboardedAt: p.onboardedAt ?? null,
    endedAt: p.endedAt ?? null,
    ratings: p.ratings ?? {},
    fit: p.fit ?? {},
  };
}

function canonicalDeal(d: PulledDeal): SnapshotDeal {
  return {
    id: d.id,
    name: d.name ?? null,
    amount: d.amount ?? null,
    currency: d.currency ?? null,
    stage: d.stage,
    createdAt: d.createdAt,
    closedAt: d.closedAt ?? null,
    customerId: d.customerId ?? null,
    recipe: d.recipe ?? null,
    sourcePartnerId: d.sourcePartnerId ?? null,
    registration: d.registration ?? null,
    touches: d.touches ?? [],
  };
}

export function canonicalSnapshot(partners: readonly PulledPartner[], deals: readonly PulledDeal[]): CanonicalSnapshot {
  return { partners: partners.map(canonicalPartner).sort(byId), deals: deals.map(canonicalDeal).sort(byId) };
}

/** A full pull into memory (links refreshed too). */
export async function snapshotFromCrm(crm: CrmAdapter, onPage?: (records: number) => void): Promise<CanonicalSnapshot> {
  const partners = new Map<string, PulledPartner>();
  const deals = new Map<string, PulledDeal>();
  for await (const page of crm.pull({ mode: 'full', cursor: null, refreshLinks: true })) {
    for (const p of page.partners) partners.set(p.id, p);
    for (const d of page.deals) deals.set(d.id, d);
    for (const l of page.links) {
      const d = deals.get(l.dealId);
      if (d) deals.set(l.dealId, { ...d, customerId: l.customerId });
    }
    for (const id of page.removedDealIds) deals.delete(id);
    for (const id of page.removedPartnerIds) partners.delete(id);
    onPage?.(partners.size + deals.size);
  }
  return canonicalSnapshot([...partners.values()], [...deals.values()]);
}

export async function snapshotFromCache(store: Store, account: string): Promise<CanonicalSnapshot> {
  const cache = await store.loadCache(account);
  return canonicalSnapshot(cache.partners, cache.deals);
}
