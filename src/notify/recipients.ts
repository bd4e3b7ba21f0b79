// Names the indirect recipients through the CRM: a partner's owner (HubSpot owner, Salesforce
// account owner) and its contacts (notifications.partnerContacts). One call per kind for a whole
// batch of deliveries; addresses are lower-cased and de-duplicated.

import type { ContactFilter, CrmAdapter } from '../crm/port.ts';
import type { ClaimedDelivery } from '../store/notifications.ts';
import { partnerOf } from './events.ts';

/** Delivery id → the addresses it goes to (empty: nobody to write to). */
export async function resolveRecipients(
  crm: CrmAdapter,
  deliveries: readonly ClaimedDelivery[],
  contactFilter: ContactFilter,
): Promise<Map<string, string[]>> {
  const partnerFor = new Map(deliveries.map((d) => [d.id, partnerOf(d.event.data)?.id ?? null]));
  const ids = (recipient: string): string[] => [
    ...new Set(
      deliveries
        .filter((d) => d.recipient === recipient)
        .map((d) => partnerFor.get(d.id))
        .filter((p): p is string => typeof p === 'string'),
    ),
  ];
  const ownerIds = ids('owner');
  const contactIds = ids('partner-contacts');
  const owners = ownerIds.length === 0 ? [] : await crm.partnerOwners(ownerIds);
  const contacts = contactIds.length === 0 ? [] : await crm.partnerContacts(contactIds, contactFilter);
  const ownerMail = new Map<string, string[]>();
  for (const o of owners) if (o.email !== null) ownerMail.set(o.partnerId, [o.email.toLowerCase()]);
  const contactMail = new Map<string, string[]>();
  for (const c of contacts)
    contactMail.set(c.partnerId, [...(contactMail.get(c.partnerId) ?? []), c.email.toLowerCase()]);
  const out = new Map<string, string[]>();
  for (const d of deliveries) {
    const partner = partnerFor.get(d.id);
    const list =
      partner === null || partner === undefined
        ? []
        : ((d.recipient === 'owner' ? ownerMail : contactMail).get(partner) ?? []);
    out.set(d.id, [...new Set(list)].sort());
  }
  return out;
}
