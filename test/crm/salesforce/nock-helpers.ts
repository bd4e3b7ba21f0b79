import { afterEach, beforeEach, expect } from 'vitest';
// Shared pieces of the nock contract tests: a mocked login server and instance, the token
// answer, provider-shaped records, and the adapter pointed at them.

import nock from 'nock';
import type { LoadedConfig } from '../../../src/config/load.ts';
import type { SalesforceAdapter, SalesforceAdapterOptions } from '../../../src/crm/salesforce/adapter.ts';
import { adapterFor, salesforceConfig, VERSION } from './helpers.ts';

export const LOGIN = 'https://login.example.com';
export const INSTANCE = 'https://acme.my.salesforce.com';
export const ORG_ID = '00D5g0000000001AAA';
export const USER_ID = '0055g0000000001AAA';
export const API = `/services/data/v${VERSION}`;

export const id = (prefix: string, n: number): string => `${prefix}${String(n).padStart(15, '0')}`;

export function tokenAnswer(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    access_token: 'AT-1',
    instance_url: INSTANCE,
    id: `${LOGIN}/id/${ORG_ID}/${USER_ID}`,
    token_type: 'Bearer',
    issued_at: '1767225600000',
    signature: 'c2lnbmF0dXJl',
    scope: 'api refresh_token',
    ...extra,
  };
}

/** The login server answering one token request. */
export function login(extra: Record<string, unknown> = {}): nock.Scope {
  return nock(LOGIN).post('/services/oauth2/token').reply(200, tokenAnswer(extra));
}

export function nockAdapter(
  config: LoadedConfig = salesforceConfig(),
  extra: Partial<SalesforceAdapterOptions> = {},
): SalesforceAdapter {
  return adapterFor(INSTANCE, config, { loginUrl: LOGIN, instanceUrl: undefined, ...extra });
}

/** The SOQL of a query request, for matching (`q` parameter). */
export const soqlOf = (query: Record<string, unknown>): string => (typeof query['q'] === 'string' ? query['q'] : '');
export const from =
  (object: string) =>
  (query: Record<string, unknown>): boolean =>
    soqlOf(query).includes(` FROM ${object}`);

export function page(records: unknown[], options: { totalSize?: number; next?: string } = {}): Record<string, unknown> {
  return {
    totalSize: options.totalSize ?? records.length,
    done: options.next === undefined,
    records,
    ...(options.next === undefined ? {} : { nextRecordsUrl: options.next }),
  };
}

const attributes = (type: string, recordId: string): Record<string, string> => ({
  type,
  url: `${API}/sobjects/${type}/${recordId}`,
});

export function opportunity(n: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const recordId = id('006', n);
  return {
    attributes: attributes('Opportunity', recordId),
    Id: recordId,
    Name: `Deal ${n}`,
    Amount: 1000.5,
    StageName: 'Prospecting',
    IsClosed: false,
    IsWon: false,
    CloseDate: '2026-03-01',
    CreatedDate: '2026-01-01T10:00:00.000+0000',
    AccountId: id('001', 9000 + n),
    OwnerId: USER_ID,
    SystemModstamp: `2026-02-01T00:00:00.000+0000`,
    IsDeleted: false,
    CurrencyIsoCode: 'USD',
    Partner_Source__c: null,
    Partner_Recipe__c: null,
    Deal_Reg_Partner__c: null,
    Deal_Reg_Status__c: null,
    Deal_Reg_Submitted_At__c: null,
    Deal_Reg_Decided_At__c: null,
    Deal_Reg_Expires_At__c: null,
    Partner_Commission__c: null,
    Partner_Attribution__c: null,
    ...extra,
  };
}

export function account(n: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const recordId = id('001', n);
  return {
    attributes: attributes('Account', recordId),
    Id: recordId,
    Name: `Partner ${n}`,
    OwnerId: USER_ID,
    SystemModstamp: '2026-02-01T00:00:00.000+0000',
    IsDeleted: false,
    Type: 'Partner',
    Partner_Recipe__c: 'referral',
    Partner_Tier__c: 'Certified',
    Partner_Onboarded_At__c: '2025-01-15T00:00:00.000+0000',
    Partner_Rating_Communication__c: 4,
    Partner_Health_Score__c: 71,
    ...extra,
  };
}

export function opportunityPartner(
  n: number,
  dealN: number,
  partnerN: number,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  const recordId = id('00I', n);
  return {
    attributes: attributes('OpportunityPartner', recordId),
    Id: recordId,
    OpportunityId: id('006', dealN),
    AccountToId: id('001', partnerN),
    CreatedDate: '2026-01-05T00:00:00.000+0000',
    SystemModstamp: '2026-01-05T00:00:00.000+0000',
    IsDeleted: false,
    ...extra,
  };
}

export const corporateCurrency = page([{ attributes: attributes('CurrencyType', id('01L', 1)), IsoCode: 'USD' }]);

/** Network off for every test of the file, and every interceptor a test set up must be used. */
export function useStrictNock(): void {
  beforeEach(() => {
    nock.disableNetConnect();
  });
  afterEach(() => {
    // scope.done() for every scope at once: nothing a test expected may be left unused
    const pending = nock.pendingMocks();
    nock.cleanAll();
    nock.enableNetConnect();
    expect(pending).toEqual([]);
  });
}
