// Deal registration on Salesforce (issue 19, src/crm/registrations.ts): customers are Accounts
// matched on the normalised host of their Website, deals are Opportunities created with their
// AccountId, and the registration lives in the Deal_Reg_* fields partnersync provisions
// (docs/product.md "CRM fields"). Names in SOQL come from this file's own allow-list.
// https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/dome_sobject_create.htm
// https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_opportunity.htm

import { z } from 'zod';
import { CrmError } from '../port.ts';
import {
  normaliseDomain,
  REGISTRATION_KEYS,
  type DealRegistrations,
  type NewDeal,
  type RegistrationFields,
  type RegistrationState,
} from '../registrations.ts';
import { badPayload } from './errors.ts';
import type { FieldMap } from './fields.ts';
import { detectCurrency, type OrgCurrency } from './org-currency.ts';
import { parseRecords, queryAllRecords } from './query.ts';
import type { SalesforceClient } from './salesforce-client.ts';
import { chunk, lit, select, SoqlAllowList, where } from './soql.ts';

/** Salesforce requires a stage on every Opportunity; the first stage of its standard sales process. */
export const DEFAULT_NEW_STAGE = 'Prospecting';

const saveResult = z.object({ id: z.string(), success: z.boolean() }).loose();
const accountRow = z.object({ Id: z.string(), Website: z.string().nullable() }).loose();

/** A refused create or update keeps Salesforce's own words (code and message) as the message. */
function refusal(err: unknown): unknown {
  if (!(err instanceof CrmError) || err.kind !== 'invalid_request') return err;
  return new CrmError({
    provider: err.provider,
    kind: 'invalid_request',
    code: err.code,
    status: err.status,
    message: err.message.replace(/^.*?: HTTP \d+ /, ''),
    cause: err,
  });
}

export class SalesforceRegistrations implements DealRegistrations {
  readonly #client: SalesforceClient;
  readonly #fields: FieldMap;
  readonly #allow: SoqlAllowList;
  #org: Promise<OrgCurrency> | null = null;

  constructor(client: SalesforceClient, fields: FieldMap) {
    this.#client = client;
    this.#fields = fields;
    this.#allow = new SoqlAllowList()
      .allow('Account', ['Id', 'Name', 'Website'])
      .allow('Opportunity', ['Id', 'AccountId', 'IsClosed', 'IsDeleted', ...this.#regNames()])
      .allow('CurrencyType', ['IsoCode', 'IsCorporate'])
      .allow('Organization', ['DefaultCurrencyIsoCode']);
  }

  #regNames(): string[] {
    return Object.values(REGISTRATION_KEYS).map((k) => this.#fields.get(k).apiName);
  }

  async findCustomerByDomain(domain: string): Promise<string | null> {
    const host = normaliseDomain(domain);
    // Website is free text (https://www.acme.com/about): narrow with LIKE, then compare hosts.
    const soql = select(this.#allow, {
      object: 'Account',
      fields: ['Id', 'Website'],
      where: where.like('Website', host, { before: true, after: true }),
      orderBy: ['Id'],
      limit: 200,
    });
    const rows = parseRecords(
      await queryAllRecords(this.#client, soql, { what: 'query Account by website' }),
      accountRow,
      'query Account by website',
    );
    return rows.find((r) => r.Website !== null && normaliseDomain(r.Website) === host)?.Id ?? null;
  }

  async #create(object: string, record: Record<string, unknown>): Promise<string> {
    try {
      const answer = await this.#client.json(
        {
          method: 'POST',
          path: `/sobjects/${object}`,
          idempotent: false,
          what: `create ${object}`,
          body: JSON.stringify(record),
        },
        saveResult,
      );
      if (!answer.success) throw badPayload(`Salesforce create ${object}`, 'success is false');
      return answer.id;
    } catch (err) {
      throw refusal(err);
    }
  }

  createCustomer(input: { name: string; domain: string }): Promise<string> {
    return this.#create('Account', { Name: input.name, Website: normaliseDomain(input.domain) });
  }

  #registrationRecord(fields: Partial<RegistrationFields>): Record<string, string | null> {
    const out: Record<string, string | null> = {};
    for (const [k, key] of Object.entries(REGISTRATION_KEYS) as [keyof RegistrationFields, string][]) {
      const value = fields[k];
      if (value !== undefined)
        out[this.#fields.get(key).apiName] = value === null ? null : this.#fields.toCrm(key, value);
    }
    return out;
  }

  #state(row: Record<string, unknown>): RegistrationState {
    const text = (key: string): string | null => {
      const v = row[this.#fields.get(key).apiName];
      return typeof v === 'string' && v !== '' ? this.#fields.toCanonical(key, v) : null;
    };
    return {
      dealId: String(row['Id']),
      partnerId: text(REGISTRATION_KEYS.partnerId),
      status: text(REGISTRATION_KEYS.status),
      submittedAt: text(REGISTRATION_KEYS.submittedAt),
      decidedAt: text(REGISTRATION_KEYS.decidedAt),
      expiresAt: text(REGISTRATION_KEYS.expiresAt),
      reason: text(REGISTRATION_KEYS.reason),
    };
  }

  async #opportunities(condition: ReturnType<typeof where.eq>, what: string): Promise<RegistrationState[]> {
    const soql = select(this.#allow, {
      object: 'Opportunity',
      fields: ['Id', ...this.#regNames()],
      where: condition,
      orderBy: ['Id'],
    });
    const rows = parseRecords(
      await queryAllRecords(this.#client, soql, { what }),
      z.object({ Id: z.string() }).loose(),
      what,
    );
    return rows.map((r) => this.#state(r));
  }

  openDealsOfCustomer(customerId: string): Promise<RegistrationState[]> {
    return this.#opportunities(
      where.and(where.eq('AccountId', lit.id(customerId)), where.eq('IsClosed', lit.boolean(false))),
      'query open Opportunity of Account',
    );
  }

  async createDeal(input: NewDeal): Promise<string> {
    const org = await this.#orgCurrency();
    const record: Record<string, unknown> = {
      Name: input.name,
      AccountId: input.customerId,
      CloseDate: input.closeDate,
      StageName: input.stage ?? DEFAULT_NEW_STAGE,
      ...this.#registrationRecord(input.registration),
    };
    if (input.amount !== null) record['Amount'] = Number(input.amount);
    if (input.currency !== null && org.multiCurrency) record['CurrencyIsoCode'] = input.currency;
    if (input.ownerId !== null) record['OwnerId'] = input.ownerId;
    if (input.description !== null) record['Description'] = input.description;
    if (input.recipe !== null)
      record[this.#fields.get('deal.recipe').apiName] = this.#fields.toCrm('deal.recipe', input.recipe);
    return this.#create('Opportunity', record);
  }

  async setRegistration(dealId: string, fields: Partial<RegistrationFields>): Promise<void> {
    try {
      await this.#client.send({
        method: 'PATCH',
        path: `/sobjects/Opportunity/${lit.id(dealId).soql.slice(1, -1)}`,
        idempotent: true,
        what: 'update Opportunity registration',
        body: JSON.stringify(this.#registrationRecord(fields)),
      });
    } catch (err) {
      throw refusal(err);
    }
  }

  async readRegistrations(dealIds: readonly string[]): Promise<RegistrationState[]> {
    const out: RegistrationState[] = [];
    for (const part of chunk([...new Set(dealIds)], 200))
      out.push(
        ...(await this.#opportunities(
          where.in(
            'Id',
            part.map((id) => lit.id(id)),
          ),
          'query Opportunity registrations',
        )),
      );
    return out;
  }

  #orgCurrency(): Promise<OrgCurrency> {
    this.#org ??= detectCurrency(this.#client, this.#allow);
    this.#org.catch(() => {
      this.#org = null;
    });
    return this.#org;
  }

  async currencies(): Promise<{ multiCurrency: boolean; defaultCurrency: string | null }> {
    const org = await this.#orgCurrency();
    return { multiCurrency: org.multiCurrency, defaultCurrency: org.currency };
  }
}
