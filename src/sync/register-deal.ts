// Deal registration by a partner user (issue 19). The form's idempotency key is stored with the
// registration before any CRM call, so a double click or a retry continues the same
// registration instead of creating a second deal; every CRM step's result is stored as soon as
// it is known (customer, then deal). Placement (README "Partner users"):
//  - the customer company is found by its web domain, or created;
//  - exactly one open deal of that customer without a registration: the registration is written
//    onto it;
//  - otherwise a new open deal (registrations.newDeal) carries it. Deals that already carry
//    another partner's registration are never touched: two partners' registrations on one
//    customer's open deals raise REGISTRATION_CONFLICT (docs/finance-rules.md §8) at the next sync.
// Amounts go to the CRM in the partner's currency; a CRM that keeps one currency gets the amount
// converted at the program's current rate, with the original in the deal's description.

import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { recordAudit } from '../audit/record-audit.ts';
import { CrmError, type CrmAdapter, type DealRegistrations } from '../crm/port.ts';
import { DOMAIN_PATTERN, normaliseDomain } from '../crm/registrations.ts';
import { currencyExponent } from '../domain/currency.ts';
import { formatMinor, parseDecimalToMinor } from '../domain/money.ts';
import { rateAt, toBase } from '../domain/prepare.ts';
import { TimeZone } from '../domain/time.ts';
import { registrationEvent } from '../notify/events.ts';
import { queueEvents } from '../notify/plan.ts';
import type { PartnerRegistration, PartnerUser } from '../store/partner-portal.ts';
import type { PortalDeps } from './partner-users.ts';

const text = (max: number, what: string) =>
  z
    .string({ error: `${what} is required` })
    .transform((s) => s.trim())
    .pipe(
      z
        .string()
        .min(1, { error: `${what} is required` })
        .max(max, { error: `${what} must be at most ${max} characters` }),
    );

/** The registration form, field by field; every refusal names the field and the fix. */
export function registrationFormSchema(o: {
  currencies: readonly string[];
  recipes: readonly string[];
  today: string;
  exponent: (currency: string) => number;
}) {
  return z.object({
    idem: z.string().regex(/^[A-Za-z0-9_-]{16,64}$/, { error: 'the form is damaged; reload the page' }),
    company: text(200, 'The customer company name'),
    domain: z
      .string({ error: 'The web domain is required' })
      .transform((s) => normaliseDomain(s))
      .refine((s) => DOMAIN_PATTERN.test(s), { error: 'Give the web domain, e.g. acme.com' }),
    contactName: text(200, 'The contact name'),
    contactEmail: z
      .string({ error: 'The contact e-mail is required' })
      .transform((s) => s.trim().toLowerCase())
      .pipe(z.email({ error: 'Give the contact’s e-mail address, e.g. jane@acme.com' }).max(254)),
    currency: z.enum(o.currencies as [string, ...string[]], {
      error: `Pick one of the program’s currencies: ${o.currencies.join(', ')}`,
    }),
    amount: z
      .string({ error: 'The expected amount is required' })
      .transform((s) => s.trim().replace(/[ ,_]/g, ''))
      .refine((s) => /^\d{1,12}(?:\.\d+)?$/.test(s) && Number(s) > 0, {
        error: 'Give the expected amount as a positive number, e.g. 25000 or 25000.50',
      }),
    closeDate: z
      .string({ error: 'The expected close date is required' })
      .regex(/^\d{4}-\d{2}-\d{2}$/, { error: 'Give the expected close date as YYYY-MM-DD' })
      .refine((s) => !Number.isNaN(Date.parse(`${s}T00:00:00Z`)), { error: 'That close date does not exist' })
      .refine((s) => s >= o.today, { error: `The expected close date must be today (${o.today}) or later` }),
    recipe:
      o.recipes.length === 0
        ? z.literal('').optional()
        : z.enum(o.recipes as [string, ...string[]], { error: `Pick one of: ${o.recipes.join(', ')}` }),
    notes: z
      .string()
      .optional()
      .transform((s) => (s ?? '').trim())
      .pipe(z.string().max(2000, { error: 'Notes must be at most 2000 characters' })),
  });
}

export type RegistrationForm = z.output<ReturnType<typeof registrationFormSchema>>;

/** A form the checks refused: field → message. */
export class FormErrors extends Error {
  override readonly name = 'FormErrors';
  readonly fields: Record<string, string>;
  readonly status: number;

  constructor(fields: Record<string, string>, status = 400) {
    super(Object.values(fields).join('; '));
    this.fields = fields;
    this.status = status;
  }
}

/** What a partner may pick: the currencies of the program, and its recipe (else every active one). */
export async function formChoices(
  deps: PortalDeps,
  account: string,
  partnerId: string,
): Promise<{ currencies: string[]; recipes: { id: string; name: string }[]; today: string }> {
  const program = deps.config.program;
  const currencies = [program.currency, ...[...program.rates.keys()].sort()];
  const cache = await deps.store.loadCache(account);
  const own = cache.partners.find((p) => p.id === partnerId)?.recipe ?? null;
  const all = Object.entries(deps.config.programConfig.recipes);
  const allowed = all.filter(([id, r]) =>
    own !== null && Object.hasOwn(deps.config.programConfig.recipes, own) ? id === own : r.status === 'active',
  );
  return {
    currencies,
    recipes: allowed
      .map(([id, r]) => ({ id, name: r.name === '' ? id : r.name }))
      .sort((a, b) => (a.id < b.id ? -1 : 1)),
    today: new TimeZone(program.timezone).localDate(deps.clock.now()),
  };
}

/** Validates a submitted form (field → message on failure). */
export async function readRegistrationForm(
  deps: PortalDeps,
  account: string,
  partnerId: string,
  body: unknown,
): Promise<RegistrationForm> {
  const choices = await formChoices(deps, account, partnerId);
  const schema = registrationFormSchema({
    currencies: choices.currencies,
    recipes: choices.recipes.map((r) => r.id),
    today: choices.today,
    exponent: currencyExponent,
  });
  const parsed = schema.safeParse(body ?? {});
  if (!parsed.success) {
    const fields: Record<string, string> = {};
    for (const issue of parsed.error.issues) {
      const key = String(issue.path[0] ?? 'form');
      fields[key] ??= issue.message;
    }
    throw new FormErrors(fields);
  }
  const exp = currencyExponent(parsed.data.currency);
  if (parseDecimalToMinor(parsed.data.amount, exp) === null)
    throw new FormErrors({ amount: `Give the amount with at most ${exp} decimals in ${parsed.data.currency}` });
  return parsed.data;
}

/** The registration could not be recorded in the CRM now; it is kept and the same form may be sent again. */
export class RegistrationUnavailable extends Error {
  override readonly name = 'RegistrationUnavailable';
}

const nameOf = (template: string, company: string, partner: string): string =>
  template.replaceAll('{company}', company).replaceAll('{partner}', partner).slice(0, 120);

/**
 * Records a registration: claims its idempotency key, then finds or creates the customer and
 * places the registration. Answers the stored registration (done or refused). Throws FormErrors
 * for the hourly limit and RegistrationUnavailable when the CRM failed on the way.
 */
export async function registerDeal(
  deps: PortalDeps & { crm: CrmAdapter },
  o: { account: string; user: PartnerUser; form: RegistrationForm; partnerName: string },
): Promise<PartnerRegistration> {
  const settings = deps.config.config.registrations;
  const reg = deps.crm.registrations;
  if (settings === undefined || reg === undefined)
    throw new FormErrors({ form: 'Deal registration is not available on this CRM connection.' }, 501);
  const now = deps.clock.now();
  const recent = await deps.store.partners.countRegistrationsSince(o.user.id, now - 3_600_000);
  const claimed = await deps.store.partners.claimRegistration({
    id: randomUUID(),
    account: o.account,
    partnerId: o.user.partnerId,
    userId: o.user.id,
    idemKey: o.form.idem,
    state: 'pending',
    input: { ...o.form },
    // whole seconds: both CRMs store the submitted time to the second
    submittedAt: Math.floor(now / 1000) * 1000,
    customerId: null,
    dealId: null,
    placement: null,
    error: null,
    status: null,
    reason: null,
    decidedAt: null,
    expiresAt: null,
    createdAt: now,
    updatedAt: now,
  });
  let r = claimed.registration;
  if (claimed.created && recent >= settings.perUserPerHour) {
    const message = `You have submitted ${recent} registrations in the last hour; the limit is ${settings.perUserPerHour}. Try again later.`;
    await deps.store.partners.updateRegistration(r.id, { state: 'refused', error: message }, now);
    throw new FormErrors({ form: message }, 429);
  }
  if (r.state !== 'pending') return r;
  try {
    r = await place(deps, reg, r, o);
  } catch (err) {
    if (err instanceof CrmError && err.kind === 'invalid_request') {
      await deps.store.partners.updateRegistration(r.id, { state: 'refused', error: err.message }, deps.clock.now());
      return { ...r, state: 'refused', error: err.message };
    }
    const message = err instanceof Error ? err.message : String(err);
    await deps.store.partners.updateRegistration(r.id, { error: message }, deps.clock.now());
    deps.logger.warn({ err, registrationId: r.id }, 'registration: the CRM failed; the partner may submit again');
    throw new RegistrationUnavailable(message, { cause: err });
  }
  await recordAudit(deps, 'registration.submit', `partner:${o.user.id}`, r.dealId, {
    registrationId: r.id,
    partnerId: r.partnerId,
    placement: r.placement,
  });
  const queued = queueEvents(
    deps.config.config.notifications,
    [
      registrationEvent({
        type: 'registration.submitted',
        registrationId: r.id,
        partner: { id: r.partnerId, name: o.partnerName },
        deal: { id: r.dealId ?? '', name: o.form.company },
        status: 'submitted',
        reason: null,
        expiresAt: null,
        at: r.submittedAt,
      }),
    ],
    { at: now, timezone: deps.config.program.timezone, newId: randomUUID, runId: null },
  );
  if (queued.length > 0) await deps.store.queueNotifications(o.account, queued, [], now);
  return r;
}

async function place(
  deps: PortalDeps,
  reg: DealRegistrations,
  r: PartnerRegistration,
  o: { account: string; form: RegistrationForm; partnerName: string },
): Promise<PartnerRegistration> {
  const settings = deps.config.config.registrations;
  if (settings === undefined) throw new Error('registrations block missing');
  const store = deps.store.partners;
  const submittedAt = new Date(r.submittedAt).toISOString();
  const fields = { partnerId: r.partnerId, status: 'submitted' as const, submittedAt };
  let customerId = r.customerId;
  if (customerId === null) {
    customerId =
      (await reg.findCustomerByDomain(o.form.domain)) ??
      (await reg.createCustomer({ name: o.form.company, domain: o.form.domain }));
    await store.updateRegistration(r.id, { customerId }, deps.clock.now());
  }
  const open = await reg.openDealsOfCustomer(customerId);
  // a retry after a crash: the deal this registration already landed on
  const mine = open.find(
    (d) => d.partnerId === r.partnerId && d.submittedAt !== null && Date.parse(d.submittedAt) === r.submittedAt,
  );
  let dealId: string;
  let placement: 'existing' | 'new';
  const bare = open.filter((d) => d.partnerId === null && d.status === null);
  if (mine !== undefined) {
    dealId = mine.dealId;
    placement = r.placement ?? 'new';
  } else if (bare.length === 1 && bare[0] !== undefined) {
    dealId = bare[0].dealId;
    placement = 'existing';
    await reg.setRegistration(dealId, fields);
  } else {
    const money = await dealMoney(deps, reg, o.form);
    dealId = await reg.createDeal({
      name: nameOf(settings.newDeal.name, o.form.company, o.partnerName),
      customerId,
      amount: money.amount,
      currency: money.currency,
      closeDate: o.form.closeDate,
      pipeline: settings.newDeal.pipeline ?? null,
      stage: settings.newDeal.stage ?? null,
      ownerId: settings.newDeal.ownerId ?? null,
      description: describe(o.form, money.note),
      recipe: o.form.recipe === undefined || o.form.recipe === '' ? null : o.form.recipe,
      registration: fields,
    });
    placement = 'new';
  }
  const done = { state: 'done' as const, dealId, placement, status: 'submitted', error: null };
  await store.updateRegistration(r.id, done, deps.clock.now());
  return { ...r, ...done, customerId };
}

/** The amount as the CRM takes it: in the partner's currency, or converted for a one-currency CRM. */
async function dealMoney(
  deps: PortalDeps,
  reg: DealRegistrations,
  form: RegistrationForm,
): Promise<{ amount: string; currency: string | null; note: string | null }> {
  const crm = await reg.currencies();
  if (crm.multiCurrency || crm.defaultCurrency === null || crm.defaultCurrency === form.currency)
    return { amount: form.amount, currency: form.currency, note: null };
  const program = deps.config.program;
  if (crm.defaultCurrency !== program.currency)
    throw new FormErrors({
      currency: `This CRM keeps every amount in ${crm.defaultCurrency}; enter the amount in ${crm.defaultCurrency}.`,
    });
  const tz = new TimeZone(program.timezone);
  const rate = rateAt(program, tz, form.currency, deps.clock.now());
  if (rate === null)
    throw new FormErrors({
      currency: `The program has no exchange rate for ${form.currency}; pick ${program.currency}.`,
    });
  const exp = currencyExponent(form.currency);
  const minor = parseDecimalToMinor(form.amount, exp) ?? 0n;
  const base = toBase(minor, rate.rate, exp, program.exponent);
  return {
    amount: formatMinor(base, program.exponent),
    currency: null,
    note: `Registered amount: ${form.amount} ${form.currency} (converted at ${rate.text}).`,
  };
}

function describe(form: RegistrationForm, note: string | null): string {
  return [
    `Registered by a partner. Contact: ${form.contactName} <${form.contactEmail}>.`,
    ...(note === null ? [] : [note]),
    ...(form.notes === '' ? [] : ['', form.notes]),
  ].join('\n');
}
