// Deal registration by partners (issue 19): what an adapter offers so partnersync can record a
// registration a partner submitted — find or create the customer by web domain, list its open
// deals, create a deal linked to it, and write the registration fields. Optional on the port
// (`CrmAdapter.registrations`): an adapter without it makes the registration form say so.
// The rules that decide which deal a registration lands on live in src/sync/register-deal.ts;
// the adapters only carry them out. Dates are ISO instants; amounts are decimal text.

import type { RegistrationStatus } from '../domain/snapshot.ts';

/** The registration fields of a deal (`deal.registration.*` in docs/product.md "CRM fields"). */
export interface RegistrationFields {
  partnerId: string;
  status: RegistrationStatus;
  submittedAt: string;
  decidedAt?: string | null;
  expiresAt?: string | null;
  /** Why it was approved or rejected (`deal_registration_reason` / `Deal_Reg_Reason__c`). */
  reason?: string | null;
}

/** The canonical field of each registration value (docs/product.md "CRM fields"), for every CRM. */
export const REGISTRATION_KEYS = {
  partnerId: 'deal.registration.partnerId',
  status: 'deal.registration.status',
  submittedAt: 'deal.registration.submittedAt',
  decidedAt: 'deal.registration.decidedAt',
  expiresAt: 'deal.registration.expiresAt',
  reason: 'deal.registration.reason',
} as const satisfies Record<keyof RegistrationFields, string>;

/** A registration as the CRM holds it now. */
export interface RegistrationState {
  dealId: string;
  partnerId: string | null;
  status: string | null;
  submittedAt: string | null;
  decidedAt: string | null;
  expiresAt: string | null;
  reason: string | null;
}

export interface NewDeal {
  name: string;
  customerId: string;
  /** Decimal text in `currency`, or null for none. */
  amount: string | null;
  /** The deal's currency; null: the CRM's default (single-currency accounts). */
  currency: string | null;
  /** Expected close date, YYYY-MM-DD. */
  closeDate: string;
  /** `registrations.newDeal` of the config; null: the CRM's default. */
  pipeline: string | null;
  stage: string | null;
  ownerId: string | null;
  description: string | null;
  /** The deal's recipe (`deal.recipe`), or null for the sourcing partner's. */
  recipe: string | null;
  registration: RegistrationFields;
}

export interface DealRegistrations {
  /** The customer record whose web domain is `domain` (normalised host), or null. */
  findCustomerByDomain(domain: string): Promise<string | null>;
  /** Creates a customer record with this name and web domain; answers its id. */
  createCustomer(input: { name: string; domain: string }): Promise<string>;
  /** The customer's open deals with their registration (status, partner, submitted). */
  openDealsOfCustomer(customerId: string): Promise<RegistrationState[]>;
  /** Creates an open deal linked to the customer, carrying the registration; answers its id. */
  createDeal(input: NewDeal): Promise<string>;
  /** Writes the registration fields given (null clears one). */
  setRegistration(dealId: string, fields: Partial<RegistrationFields>): Promise<void>;
  /** The registrations of these deals as the CRM holds them (unknown ids left out). */
  readRegistrations(dealIds: readonly string[]): Promise<RegistrationState[]>;
  /** Whether deals may carry their own currency, and the account's default one. */
  currencies(): Promise<{ multiCurrency: boolean; defaultCurrency: string | null }>;
}

/** A web domain as a host name: lower case, no scheme, path, port or leading `www.`. */
export function normaliseDomain(text: string): string {
  let host = text.trim().toLowerCase();
  host = host.replace(/^[a-z][a-z0-9+.-]*:\/\//, '');
  host = host.replace(/[/?#].*$/, '');
  host = host.replace(/:\d+$/, '');
  host = host.replace(/\.$/, '');
  return host.startsWith('www.') ? host.slice(4) : host;
}

/** A plausible host name (what the registration form accepts as a web domain). */
export const DOMAIN_PATTERN = /^(?=.{4,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
