// Partner owners and partner contacts on HubSpot (issue 18): the company's `hubspot_owner_id`
// resolved through the owners API, and the contacts associated with the partner company (read
// through v4 associations, then batch-read for their e-mail and the filter's properties).

import { z } from 'zod';
import {
  matchesContactFilter,
  personName,
  type ContactFilter,
  type PartnerContact,
  type PartnerOwner,
} from '../people.ts';
import { CrmError } from '../port.ts';
import type { HubspotApi } from './hubspot-api.ts';
import { ASSOCIATION_BATCH, BATCH, batchRead, readAssociations, readOwnerById } from './requests.ts';

const ownerRaw = z.object({
  id: z.string(),
  email: z.string().nullish(),
  firstName: z.string().nullish(),
  lastName: z.string().nullish(),
});

const chunks = <T>(items: readonly T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));

/** GET /crm/owners/{version}/{ownerId}; an owner HubSpot no longer knows is null. */
async function readOwner(api: HubspotApi, ownerId: string): Promise<z.infer<typeof ownerRaw> | null> {
  if (!/^\d+$/.test(ownerId)) return null;
  try {
    return await readOwnerById(api, ownerId, ownerRaw);
  } catch (err) {
    // a removed user: the partner has an owner id but nobody to write to
    if (err instanceof CrmError && err.kind === 'not_found') return null;
    throw err;
  }
}

export async function hubspotPartnerOwners(api: HubspotApi, partnerIds: readonly string[]): Promise<PartnerOwner[]> {
  const ownerOf = new Map<string, string>();
  for (const chunk of chunks([...new Set(partnerIds)], BATCH)) {
    const answer = await batchRead(api, 'companies', chunk, ['hubspot_owner_id']);
    for (const c of answer.results) {
      const owner = c.properties['hubspot_owner_id'];
      if (owner !== undefined && owner !== null && owner !== '') ownerOf.set(c.id, owner);
    }
  }
  const owners = new Map<string, z.infer<typeof ownerRaw> | null>();
  for (const ownerId of new Set(ownerOf.values())) owners.set(ownerId, await readOwner(api, ownerId));
  return [...ownerOf].map(([partnerId, ownerId]) => {
    const o = owners.get(ownerId) ?? null;
    return {
      partnerId,
      ownerId,
      email: o?.email === undefined || o.email === null || o.email === '' ? null : o.email,
      name: personName(o?.firstName, o?.lastName),
    };
  });
}

export async function hubspotPartnerContacts(
  api: HubspotApi,
  partnerIds: readonly string[],
  filter: ContactFilter,
): Promise<PartnerContact[]> {
  const partnersOf = new Map<string, string[]>();
  for (const chunk of chunks([...new Set(partnerIds)], ASSOCIATION_BATCH)) {
    const links = await readAssociations(api, 'companies', 'contacts', chunk);
    for (const r of links.results)
      for (const t of r.to) partnersOf.set(t.toObjectId, [...(partnersOf.get(t.toObjectId) ?? []), r.from.id]);
  }
  const properties = [...new Set(['email', 'firstname', 'lastname', ...Object.keys(filter)])];
  const out: PartnerContact[] = [];
  for (const chunk of chunks([...partnersOf.keys()], BATCH)) {
    const answer = await batchRead(api, 'contacts', chunk, properties);
    for (const c of answer.results) {
      const email = c.properties['email']?.trim();
      if (email === undefined || email === '' || !matchesContactFilter(c.properties, filter)) continue;
      const name = personName(c.properties['firstname'], c.properties['lastname']);
      for (const partnerId of partnersOf.get(c.id) ?? []) out.push({ partnerId, contactId: c.id, email, name });
    }
  }
  return out.sort((a, b) => a.partnerId.localeCompare(b.partnerId) || a.contactId.localeCompare(b.contactId));
}
