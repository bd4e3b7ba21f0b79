// Partner owners and partner contacts on Salesforce (issue 18): the Account's owner (User.Email
// through the Owner relationship) and the Contacts whose AccountId is the partner Account, with an
// e-mail and the configured field values (notifications.partnerContacts.where).
// https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_account.htm
// https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_contact.htm

import { z } from 'zod';
import { ConfigError } from '../../config/errors.ts';
import { personName, type ContactFilter, type PartnerContact, type PartnerOwner } from '../people.ts';
import { parseRecords, queryAllRecords } from './query.ts';
import type { SalesforceClient } from './salesforce-client.ts';
import { chunk, idsPerInList, isApiName, lit, select, SoqlAllowList, where } from './soql.ts';

const OWNER_FIELDS = ['Id', 'OwnerId', 'Owner.Email', 'Owner.Name'] as const;
const CONTACT_FIELDS = ['Id', 'AccountId', 'Email', 'FirstName', 'LastName'] as const;

const ownerRow = z
  .object({
    Id: z.string(),
    OwnerId: z.string().nullable(),
    Owner: z.object({ Email: z.string().nullish(), Name: z.string().nullish() }).loose().nullish(),
  })
  .loose();

const contactRow = z
  .object({
    Id: z.string(),
    AccountId: z.string().nullable(),
    Email: z.string().nullable(),
    FirstName: z.string().nullish(),
    LastName: z.string().nullish(),
  })
  .loose();

const SF_ID = /^[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?$/;

/** The filter's field names, checked as API names (they go into SOQL). */
function filterFields(filter: ContactFilter): string[] {
  const names = Object.keys(filter);
  const bad = names.filter((n) => !isApiName(n) || n.includes('.'));
  if (bad.length > 0)
    throw new ConfigError('config', [
      { path: 'notifications.partnerContacts.where', message: `${bad.join(', ')} is not a Contact field API name` },
    ]);
  return names;
}

export async function salesforcePartnerOwners(
  client: SalesforceClient,
  partnerIds: readonly string[],
): Promise<PartnerOwner[]> {
  const allow = new SoqlAllowList().allow('Account', [...OWNER_FIELDS]);
  const ids = [...new Set(partnerIds)].filter((id) => SF_ID.test(id));
  if (ids.length === 0) return [];
  const soqlFor = (list: readonly string[]): string =>
    select(allow, { object: 'Account', fields: OWNER_FIELDS, where: where.in('Id', list.map(lit.id)) });
  const out: PartnerOwner[] = [];
  for (const list of chunk(ids, idsPerInList(soqlFor(ids.slice(0, 1))))) {
    const rows = parseRecords(
      await queryAllRecords(client, soqlFor(list), { what: 'partner owners' }),
      ownerRow,
      'partner owners',
    );
    for (const r of rows) {
      if (r.OwnerId === null) continue;
      const email = r.Owner?.Email;
      out.push({
        partnerId: r.Id,
        ownerId: r.OwnerId,
        email: email === undefined || email === null || email === '' ? null : email,
        name: r.Owner?.Name ?? null,
      });
    }
  }
  return out;
}

export async function salesforcePartnerContacts(
  client: SalesforceClient,
  partnerIds: readonly string[],
  filter: ContactFilter,
): Promise<PartnerContact[]> {
  const extra = filterFields(filter);
  const allow = new SoqlAllowList().allow('Contact', [...CONTACT_FIELDS, ...extra]);
  const ids = [...new Set(partnerIds)].filter((id) => SF_ID.test(id));
  if (ids.length === 0) return [];
  const soqlFor = (list: readonly string[]): string =>
    select(allow, {
      object: 'Contact',
      fields: CONTACT_FIELDS,
      where: where.and(
        where.in('AccountId', list.map(lit.id)),
        where.cmp('Email', '!=', lit.null),
        ...Object.entries(filter).map(([field, value]) => where.eq(field, lit.scalar(value))),
      ),
      orderBy: ['Id'],
    });
  const out: PartnerContact[] = [];
  for (const list of chunk(ids, idsPerInList(soqlFor(ids.slice(0, 1))))) {
    const rows = parseRecords(
      await queryAllRecords(client, soqlFor(list), { what: 'partner contacts' }),
      contactRow,
      'partner contacts',
    );
    for (const r of rows) {
      if (r.AccountId === null || r.Email === null || r.Email.trim() === '') continue;
      out.push({
        partnerId: r.AccountId,
        contactId: r.Id,
        email: r.Email.trim(),
        name: personName(r.FirstName, r.LastName),
      });
    }
  }
  return out.sort((a, b) => a.partnerId.localeCompare(b.partnerId) || a.contactId.localeCompare(b.contactId));
}
