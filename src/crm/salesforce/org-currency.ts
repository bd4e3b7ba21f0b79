// The org's currency setup. Multi-currency orgs have CurrencyType rows and a CurrencyIsoCode on
// every record (amounts are in that currency); single-currency orgs have neither, and every
// amount is in the org's default currency.
// https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_currencytype.htm
// https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_organization.htm

import { z } from 'zod';
import { CrmError } from '../port.ts';
import { badPayload } from './errors.ts';
import { parseRecords, queryAllRecords } from './query.ts';
import type { SalesforceClient } from './salesforce-client.ts';
import { lit, select, where, type SoqlAllowList } from './soql.ts';

export interface OrgCurrency {
  multiCurrency: boolean;
  /** The corporate (multi-currency) or default (single-currency) currency. */
  currency: string;
}

export const orgCurrencySchema = z.object({ multiCurrency: z.boolean(), currency: z.string().regex(/^[A-Z]{3}$/) });

export async function detectCurrency(client: SalesforceClient, allow: SoqlAllowList): Promise<OrgCurrency> {
  try {
    const soql = select(allow, {
      object: 'CurrencyType',
      fields: ['IsoCode'],
      where: where.eq('IsCorporate', lit.boolean(true)),
    });
    const rows = parseRecords(
      await queryAllRecords(client, soql, { what: 'query CurrencyType' }),
      z.object({ IsoCode: z.string() }).loose(),
      'query CurrencyType',
    );
    const corporate = rows[0]?.IsoCode;
    if (corporate === undefined) throw badPayload('Salesforce query CurrencyType', 'no corporate currency');
    return { multiCurrency: true, currency: corporate };
  } catch (err) {
    // INVALID_TYPE: CurrencyType does not exist, so multi-currency is off; anything else is a real failure.
    if (!(err instanceof CrmError) || err.code !== 'INVALID_TYPE') throw err;
  }
  const soql = select(allow, { object: 'Organization', fields: ['DefaultCurrencyIsoCode'] });
  const rows = parseRecords(
    await queryAllRecords(client, soql, { what: 'query Organization' }),
    z.object({ DefaultCurrencyIsoCode: z.string() }).loose(),
    'query Organization',
  );
  const currency = rows[0]?.DefaultCurrencyIsoCode;
  if (currency === undefined) throw badPayload('Salesforce query Organization', 'no organization row');
  return { multiCurrency: false, currency };
}
