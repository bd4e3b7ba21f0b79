// The partner ids a cached deal names (issue 21, scoped runs): its partner source, the partner of
// its registration and the partner of each touch — known partners or not, exactly as the engine
// reads them (src/domain/prepare.ts takes a non-empty string id and looks it up). A deal's outputs
// depend on no partner it does not name, so these refs (kept by the store in deal_partner_refs,
// migration 014) find every deal a changed partner can move without scanning the account.

export type DealRefRole = 'source' | 'registration' | 'touch';

export interface DealRef {
  partnerId: string;
  role: DealRefRole;
}

const id = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

/** Every (partner id, role) a deal record names, without repeats. */
export function dealRefs(deal: { sourcePartnerId?: unknown; registration?: unknown; touches?: unknown }): DealRef[] {
  const out = new Map<string, DealRef>();
  const add = (partnerId: string | null, role: DealRefRole): void => {
    if (partnerId !== null) out.set(`${role}\u0000${partnerId}`, { partnerId, role });
  };
  add(id(deal.sourcePartnerId), 'source');
  const reg = deal.registration;
  if (reg !== null && typeof reg === 'object') add(id((reg as { partnerId?: unknown }).partnerId), 'registration');
  if (Array.isArray(deal.touches))
    for (const t of deal.touches as unknown[])
      if (t !== null && typeof t === 'object') add(id((t as { partnerId?: unknown }).partnerId), 'touch');
  return [...out.values()];
}
