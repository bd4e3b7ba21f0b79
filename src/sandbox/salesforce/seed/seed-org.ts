// Maps the logical seed (seed-model.ts) onto a Salesforce org (multi-currency, or single-currency
// with amounts converted to USD and no CurrencyIsoCode): owners → Users (plus the
// integration user the API acts as), partners → Accounts with Type 'Partner', customers →
// Accounts, deals → Opportunities, influencer links → OpportunityPartner rows created at the link
// time. With `--fields provisioned` the partnersync custom fields exist (Tooling CustomField rows
// included), hold the seed's values, and a `partnersync` PermissionSet assigned to the
// integration user grants them.

import type { FieldsMode } from '../../personality.ts';
import { SEED_STAGES } from '../../seed-model.ts';
import type { SeedData, SeedDeal, SeedPartner } from '../../seed-model.ts';
import { createCustomField } from '../custom-field-service.ts';
import { DEFAULT_STAGES } from '../schema/standard-objects.ts';
import type { FieldValue } from '../schema/types.ts';
import { SalesforceOrg } from '../store/org.ts';
import { fitField, partnersyncFieldSpecs, PERMISSION_SET_NAME, ratingField } from './partnersync-fields.ts';

type Values = Record<string, FieldValue>;

const DAY = 86_400_000;
const DECIMAL = /^-?\d+(?:\.\d+)?$/;
/** Units of the corporate currency (USD) per unit, for CurrencyType. */
const CONVERSION: Readonly<Record<string, number>> = {
  USD: 1,
  EUR: 0.925926,
  GBP: 0.787402,
  CAD: 1.36,
  JPY: 149.5,
  BRL: 5.05,
  XXX: 1,
};
const ROLE_BY_RECIPE: Readonly<Record<string, string>> = {
  referral: 'Consultant',
  reseller: 'VAR/Reseller',
  technology: 'Developer',
  'co-marketing': 'Agency',
  'co-selling': 'System Integrator',
};

export const INTEGRATION_USERNAME = 'integration@partnersync-sandbox.example';

export interface SeededOrg {
  org: SalesforceOrg;
  integrationUserId: string;
}

// Seed instants are Date#toISOString output, which Date.parse reads exactly (and fast).
const instant = (iso: string | null): number | null => (iso === null ? null : Date.parse(iso));
const audit = (created: number, modified = created): Values => ({
  CreatedDate: created,
  LastModifiedDate: modified,
  SystemModstamp: modified,
});

/** An amount as a currency field can hold it: garbage text and blanks become empty. */
function amount(text: string): number | null {
  return DECIMAL.test(text.trim()) ? Number(text.trim()) : null;
}

export function orgShape(
  seed: SeedData,
  multiCurrency = true,
): { currencies: string[]; corporateCurrency: string; multiCurrency: boolean } {
  if (!multiCurrency) return { currencies: ['USD'], corporateCurrency: 'USD', multiCurrency };
  const codes = new Set(['USD', ...seed.deals.map((d) => d.currency)]);
  return {
    currencies: ['USD', ...[...codes].filter((c) => c !== 'USD').sort()],
    corporateCurrency: 'USD',
    multiCurrency,
  };
}

/**
 * A deal's amount in a single-currency org: the seed's amount converted to the org currency
 * with the rates a multi-currency org would hold (CONVERSION), to the cent. A currency the
 * table does not know (the seed's garbage codes) is taken at par.
 */
function inOrgCurrency(value: number | null, currency: string): number | null {
  if (value === null) return null;
  return Math.round((value / (CONVERSION[currency] ?? 1)) * 100) / 100;
}

function addUsers(
  org: SalesforceOrg,
  seed: SeedData,
  anchorMs: number,
): { integrationUserId: string; users: Map<string, string> } {
  const integration = org.insert(
    'User',
    {
      Username: INTEGRATION_USERNAME,
      FirstName: 'partnersync',
      LastName: 'Integration',
      Email: INTEGRATION_USERNAME,
      Alias: 'psync',
      ...audit(anchorMs - 1500 * DAY),
    },
    'pending',
  );
  const integrationUserId = String(integration['Id']);
  org.update(
    'User',
    integrationUserId,
    { CreatedById: integrationUserId, LastModifiedById: integrationUserId },
    integrationUserId,
    anchorMs - 1500 * DAY,
  );
  const users = new Map<string, string>();
  for (const o of seed.owners) {
    const at = instant(o.createdAt) ?? anchorMs;
    const row = org.insert(
      'User',
      {
        Username: o.email,
        FirstName: o.firstName,
        LastName: o.lastName,
        Email: o.email,
        Alias: `${o.firstName.slice(0, 1)}${o.lastName.slice(0, 4)}`.toLowerCase(),
        ...audit(at),
      },
      integrationUserId,
    );
    users.set(o.id, String(row['Id']));
  }
  return { integrationUserId, users };
}

/** The org's own row (Organization, Id = the org id). */
export function addOrganization(org: SalesforceOrg, userId: string, at: number): void {
  org.insert(
    'Organization',
    {
      Id: org.orgId,
      Name: 'partnersync sandbox',
      DefaultCurrencyIsoCode: org.shape.corporateCurrency,
      TimeZoneSidKey: 'America/New_York',
      OrganizationType: 'Enterprise Edition',
      IsSandbox: false,
      ...audit(at),
    },
    userId,
  );
}

function addReferenceData(org: SalesforceOrg, userId: string, at: number): void {
  DEFAULT_STAGES.forEach((s, i) =>
    org.insert(
      'OpportunityStage',
      {
        MasterLabel: s.name,
        ApiName: s.name,
        IsActive: true,
        IsClosed: s.isClosed,
        IsWon: s.isWon,
        DefaultProbability: s.probability,
        ForecastCategoryName: s.forecastCategory,
        SortOrder: i + 1,
        ...audit(at),
      },
      userId,
    ),
  );
  addOrganization(org, userId, at);
  if (!org.shape.multiCurrency) return;
  for (const code of org.shape.currencies) {
    org.insert(
      'CurrencyType',
      {
        IsoCode: code,
        ConversionRate: CONVERSION[code] ?? 1,
        DecimalPlaces: code === 'JPY' ? 0 : 2,
        IsActive: true,
        IsCorporate: code === org.shape.corporateCurrency,
        ...audit(at),
      },
      userId,
    );
  }
}

function provision(org: SalesforceOrg, userId: string): void {
  const specs = partnersyncFieldSpecs();
  for (const s of specs) createCustomField(org, s, userId);
  const ps = String(
    org.insert(
      'PermissionSet',
      { Name: PERMISSION_SET_NAME, Label: 'partnersync', Description: 'Managed by partnersync: access to its fields.' },
      userId,
    )['Id'],
  );
  for (const s of specs) {
    org.insert(
      'FieldPermissions',
      {
        ParentId: ps,
        SobjectType: s.FullName.split('.')[0] ?? '',
        Field: s.FullName,
        PermissionsRead: true,
        PermissionsEdit: true,
      },
      userId,
    );
  }
  org.insert('PermissionSetAssignment', { PermissionSetId: ps, AssigneeId: userId }, userId);
}

function partnerValues(p: SeedPartner): Values {
  const values: Values = {
    Partner_Recipe__c: p.recipe,
    Partner_Tier__c: p.tier,
    Partner_Onboarded_At__c: instant(p.onboardedAt),
    Partner_Ended_At__c: instant(p.endedAt),
  };
  for (const [k, v] of Object.entries(p.ratings)) values[ratingField(k)] = v;
  for (const [k, v] of Object.entries(p.fit)) values[fitField(k)] = v;
  return values;
}

interface DealRefs {
  accounts: ReadonlyMap<string, string>;
  users: ReadonlyMap<string, string>;
  integrationUserId: string;
  provisioned: boolean;
  multiCurrency: boolean;
}

function dealValues(d: SeedDeal, refs: DealRefs): Values {
  const stage = SEED_STAGES.find((s) => s.id === d.stageId)?.salesforceName ?? 'Prospecting';
  const created = instant(d.createdAt) ?? 0;
  const values: Values = {
    Name: d.name,
    AccountId: d.customerId === null ? null : (refs.accounts.get(d.customerId) ?? null),
    OwnerId: refs.users.get(d.ownerId) ?? refs.integrationUserId,
    StageName: stage,
    ...(refs.multiCurrency
      ? { Amount: amount(d.amount), CurrencyIsoCode: d.currency }
      : { Amount: inOrgCurrency(amount(d.amount), d.currency) }),
    CloseDate: d.closedAt?.slice(0, 10) ?? null,
    Type: d.name.endsWith('New business') ? 'New Business' : 'Existing Business',
    LeadSource: d.sourcePartnerId === null ? 'Web' : 'Partner Referral',
    ...audit(created, Math.max(created, instant(d.updatedAt) ?? created)),
  };
  if (!refs.provisioned) return values;
  const reg = d.registration;
  return {
    ...values,
    Partner_Source__c: d.sourcePartnerId === null ? null : (refs.accounts.get(d.sourcePartnerId) ?? null),
    Partner_Recipe__c: d.recipe,
    Deal_Reg_Partner__c: reg === null ? null : (refs.accounts.get(reg.partnerId) ?? null),
    Deal_Reg_Status__c: reg?.status ?? null,
    Deal_Reg_Submitted_At__c: instant(reg?.submittedAt ?? null),
    Deal_Reg_Decided_At__c: instant(reg?.decidedAt ?? null),
    Deal_Reg_Expires_At__c: instant(reg?.expiresAt ?? null),
  };
}

function addAccounts(
  org: SalesforceOrg,
  seed: SeedData,
  users: ReadonlyMap<string, string>,
  provisioned: boolean,
  integrationUserId: string,
): Map<string, string> {
  const accounts = new Map<string, string>();
  for (const p of seed.partners) {
    const at = instant(p.createdAt) ?? 0;
    const row = org.insert(
      'Account',
      {
        Name: p.name,
        Type: 'Partner',
        IsPartner: true,
        Website: `https://${p.domain}`,
        OwnerId: users.get(p.ownerId) ?? integrationUserId,
        ...audit(at),
        ...(provisioned ? partnerValues(p) : {}),
      },
      integrationUserId,
    );
    accounts.set(p.id, String(row['Id']));
  }
  for (const c of seed.customers) {
    const row = org.insert(
      'Account',
      {
        Name: c.name,
        Type: 'Customer - Direct',
        Website: `https://${c.domain}`,
        OwnerId: users.get(c.ownerId) ?? integrationUserId,
        ...audit(instant(c.createdAt) ?? 0),
      },
      integrationUserId,
    );
    accounts.set(c.id, String(row['Id']));
  }
  // Deleted partners: ids with the Account prefix that no row has.
  for (const id of seed.unknownPartnerIds) accounts.set(id, org.ids.next('001'));
  return accounts;
}

function addDeals(org: SalesforceOrg, seed: SeedData, refs: DealRefs): void {
  const recipeOf = new Map(seed.partners.map((p) => [p.id, p.recipe]));
  for (const d of seed.deals) {
    const opp = String(org.insert('Opportunity', dealValues(d, refs), refs.integrationUserId)['Id']);
    for (const link of d.influencers) {
      const at = instant(link.at) ?? 0;
      org.insert(
        'OpportunityPartner',
        {
          OpportunityId: opp,
          AccountToId: refs.accounts.get(link.partnerId) ?? null,
          Role: ROLE_BY_RECIPE[recipeOf.get(link.partnerId) ?? ''] ?? 'Consultant',
          IsPrimary: false,
          ...audit(at),
        },
        refs.integrationUserId,
      );
    }
  }
}

/** People at partner Accounts (Contact.AccountId), owned by the integration user. */
function addContacts(
  org: SalesforceOrg,
  seed: SeedData,
  accounts: ReadonlyMap<string, string>,
  integrationUserId: string,
  anchorMs: number,
): void {
  for (const c of seed.contacts) {
    org.insert(
      'Contact',
      {
        AccountId: accounts.get(c.partnerId) ?? null,
        FirstName: c.firstName,
        LastName: c.lastName,
        Email: c.email,
        Title: c.title,
        OwnerId: integrationUserId,
        ...audit(anchorMs - 400 * DAY),
      },
      integrationUserId,
    );
  }
}

export function seedOrg(
  seed: SeedData,
  fields: FieldsMode,
  now: () => number,
  options: { multiCurrency: boolean } = { multiCurrency: true },
): SeededOrg {
  const anchorMs = Date.parse(seed.params.anchor);
  const org = new SalesforceOrg({ stages: DEFAULT_STAGES, ...orgShape(seed, options.multiCurrency), now });
  const { integrationUserId, users } = addUsers(org, seed, anchorMs);
  addReferenceData(org, integrationUserId, anchorMs - 1400 * DAY);
  const provisioned = fields === 'provisioned';
  if (provisioned) provision(org, integrationUserId);
  const accounts = addAccounts(org, seed, users, provisioned, integrationUserId);
  addDeals(org, seed, { accounts, users, integrationUserId, provisioned, multiCurrency: org.shape.multiCurrency });
  addContacts(org, seed, accounts, integrationUserId, anchorMs);
  return { org, integrationUserId };
}
