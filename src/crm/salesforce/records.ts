// Raw Salesforce records (zod) and their mapping to the snapshot: Opportunity → PulledDeal,
// Account → PulledPartner, OpportunityPartner → touch. Records arrive from REST queries (JSON,
// numbers kept as their source text) or Bulk API 2.0 (CSV, every value text); `fromCsvRow`
// brings the second to the shape of the first, so one set of mappers serves both.

import { z } from 'zod';
import type { SnapshotTouch, Stage } from '../../domain/snapshot.ts';
import type { TimeZone } from '../../domain/time.ts';
import type { FieldValues, PulledDeal, PulledPartner } from '../port.ts';
import { DEAL_RESULT_FIELDS, PARTNER_RESULT_FIELDS } from '../port.ts';
import { dealDate } from '../shared/deal-dates.ts';
import { DEAL_RESULT_KEYS, PARTNER_RESULT_KEYS, RATING_KEYS, type FieldMap, type ResolvedField } from './fields.ts';

const sfId = z.string().regex(/^[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?$/, 'a Salesforce id');
/** Booleans as JSON gives them, or as Bulk CSV text. */
const bool = z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]);

export const opportunityRaw = z
  .object({
    Id: sfId,
    Name: z.string().nullable(),
    Amount: z.string().nullable(),
    StageName: z.string(),
    IsClosed: bool,
    IsWon: bool,
    CloseDate: z.string().nullable(),
    CreatedDate: z.string(),
    AccountId: sfId.nullable(),
    OwnerId: sfId.nullable(),
    SystemModstamp: z.string(),
    IsDeleted: bool.optional(),
    CurrencyIsoCode: z.string().nullable().optional(),
  })
  .loose();
export type SalesforceOpportunityRaw = z.output<typeof opportunityRaw>;

export const accountRaw = z
  .object({
    Id: sfId,
    Name: z.string().nullable(),
    OwnerId: sfId.nullable(),
    SystemModstamp: z.string(),
    IsDeleted: bool.optional(),
  })
  .loose();
export type SalesforceAccountRaw = z.output<typeof accountRaw>;

export const opportunityPartnerRaw = z
  .object({
    Id: sfId,
    OpportunityId: sfId,
    AccountToId: sfId.nullable(),
    CreatedDate: z.string(),
    SystemModstamp: z.string(),
    IsDeleted: bool.optional(),
  })
  .loose();
export type SalesforceOpportunityPartnerRaw = z.output<typeof opportunityPartnerRaw>;

/** Standard fields the connector reads (custom and mapped fields are added per org). */
export const OPPORTUNITY_FIELDS = [
  'Id',
  'Name',
  'Amount',
  'StageName',
  'IsClosed',
  'IsWon',
  'CloseDate',
  'CreatedDate',
  'AccountId',
  'OwnerId',
  'SystemModstamp',
  'IsDeleted',
] as const;
export const ACCOUNT_FIELDS = ['Id', 'Name', 'OwnerId', 'SystemModstamp', 'IsDeleted'] as const;
export const OPPORTUNITY_PARTNER_FIELDS = [
  'Id',
  'OpportunityId',
  'AccountToId',
  'CreatedDate',
  'SystemModstamp',
  'IsDeleted',
] as const;

const BOOLEAN_FIELDS = new Set(['IsClosed', 'IsWon', 'IsDeleted']);

/** A Bulk 2.0 CSV row as a REST record: empty cells are null, booleans are booleans. */
export function fromCsvRow(row: Readonly<Record<string, string>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) out[k] = v === '' ? null : BOOLEAN_FIELDS.has(k) ? v === 'true' : v;
  return out;
}

const SF_DATETIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))?(Z|[+-]\d{2}:?\d{2})$/;
const SF_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** `2026-03-01T10:00:00.000+0000` (Salesforce's format) → epoch ms, or null. */
export function parseSalesforceDateTime(text: string): number | null {
  const m = SF_DATETIME.exec(text);
  if (!m) return null;
  const zone = m[8] ?? 'Z';
  const offset = zone === 'Z' ? 'Z' : zone.includes(':') ? zone : `${zone.slice(0, 3)}:${zone.slice(3)}`;
  const ms = Date.parse(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}.${(m[7] ?? '0').padEnd(3, '0')}${offset}`);
  return Number.isNaN(ms) ? null : ms;
}

/**
 * A date or dateTime value as an ISO instant: a dateTime as is, a date (CloseDate, a mapped Date
 * field) as local midnight in the program time zone (docs/finance-rules.md §2). Unreadable text is kept as
 * it is, so the engine rejects the deal with a named reason rather than losing the value.
 */
export function toInstant(value: string | null, tz: TimeZone): string | null {
  if (value === null) return null;
  const ms = SF_DATE.test(value) ? tz.localMidnight(value) : parseSalesforceDateTime(value);
  return ms === null ? value : new Date(ms).toISOString();
}

/** A field value as text: strings as they are, numbers (already source text) and booleans as text. */
function text(record: Readonly<Record<string, unknown>>, name: string): string | null {
  const v = Object.hasOwn(record, name) ? record[name] : undefined;
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return null;
}

export interface MapperContext {
  fields: FieldMap;
  tz: TimeZone;
  /** The deal currency when the org is not multi-currency (the org's currency). */
  orgCurrency: string;
  multiCurrency: boolean;
  /** `crm.stages.overrides` by StageName (a Map: stage names are CRM text, `constructor` included). */
  stageOverrides: ReadonlyMap<string, Stage>;
}

/** The canonical value of one of our fields on a record. */
function read(ctx: MapperContext, record: Readonly<Record<string, unknown>>, field: ResolvedField): string | null {
  const raw = text(record, field.apiName);
  if (field.kind === 'datetime') return toInstant(raw, ctx.tz);
  return ctx.fields.toCanonical(field.key, raw);
}

const value = (ctx: MapperContext, record: Readonly<Record<string, unknown>>, key: string): string | null =>
  read(ctx, record, ctx.fields.get(key));

/** Stage from IsClosed/IsWon, unless `crm.stages.overrides` names the StageName. */
export function stageOf(
  raw: Pick<SalesforceOpportunityRaw, 'StageName' | 'IsClosed' | 'IsWon'>,
  overrides: ReadonlyMap<string, Stage>,
): Stage {
  const exact = overrides.get(raw.StageName);
  if (exact !== undefined) return exact;
  const lower = raw.StageName.toLowerCase();
  for (const [name, stage] of overrides) if (name.toLowerCase() === lower) return stage;
  return raw.IsClosed ? (raw.IsWon ? 'won' : 'lost') : 'open';
}

export function toTouch(raw: SalesforceOpportunityPartnerRaw, tz: TimeZone): SnapshotTouch | null {
  if (raw.AccountToId === null) return null;
  const at = toInstant(raw.CreatedDate, tz);
  return at === null ? null : { partnerId: raw.AccountToId, at };
}

export function toDeal(
  ctx: MapperContext,
  raw: SalesforceOpportunityRaw,
  touches: readonly SnapshotTouch[],
): PulledDeal {
  const regPartner = value(ctx, raw, 'deal.registration.partnerId');
  const regStatus = value(ctx, raw, 'deal.registration.status');
  const written: FieldValues<(typeof DEAL_RESULT_FIELDS)[number]> = {};
  for (const f of DEAL_RESULT_FIELDS) written[f] = value(ctx, raw, DEAL_RESULT_KEYS[f]);
  return {
    id: raw.Id,
    name: raw.Name,
    amount: raw.Amount,
    currency: ctx.multiCurrency ? (raw.CurrencyIsoCode ?? null) : ctx.orgCurrency,
    stage: stageOf(raw, ctx.stageOverrides),
    createdAt: dealDate(toInstant(raw.CreatedDate, ctx.tz)) ?? raw.CreatedDate,
    closedAt: dealDate(toInstant(raw.CloseDate, ctx.tz)),
    customerId: raw.AccountId,
    recipe: value(ctx, raw, 'deal.recipe'),
    sourcePartnerId: value(ctx, raw, 'deal.sourcePartnerId'),
    registration:
      regPartner === null && regStatus === null
        ? null
        : {
            partnerId: regPartner,
            status: regStatus,
            submittedAt: dealDate(value(ctx, raw, 'deal.registration.submittedAt')),
            decidedAt: dealDate(value(ctx, raw, 'deal.registration.decidedAt')),
            expiresAt: dealDate(value(ctx, raw, 'deal.registration.expiresAt')),
          },
    // (at, partnerId) order, whichever query delivered them.
    touches: [...touches].sort((a, b) =>
      a.at < b.at ? -1 : a.at > b.at ? 1 : a.partnerId < b.partnerId ? -1 : a.partnerId > b.partnerId ? 1 : 0,
    ),
    ownerId: raw.OwnerId,
    written,
  };
}

/** Ratings and fit criteria as numbers (the engine checks they are integers 1–5). */
function numbers(
  ctx: MapperContext,
  raw: Readonly<Record<string, unknown>>,
  prefix: string,
  keys: readonly string[],
): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  for (const k of keys) {
    const key = `${prefix}.${k}`;
    if (!ctx.fields.has(key)) continue;
    const v = value(ctx, raw, key);
    out[k] = v === null || Number.isNaN(Number(v)) ? null : Number(v);
  }
  return out;
}

export function toPartner(ctx: MapperContext, raw: SalesforceAccountRaw, fitKeys: readonly string[]): PulledPartner {
  const written: FieldValues<(typeof PARTNER_RESULT_FIELDS)[number]> = {};
  for (const f of PARTNER_RESULT_FIELDS) written[f] = value(ctx, raw, PARTNER_RESULT_KEYS[f]);
  return {
    id: raw.Id,
    name: raw.Name,
    recipe: value(ctx, raw, 'partner.recipe'),
    tier: value(ctx, raw, 'partner.tier'),
    onboardedAt: value(ctx, raw, 'partner.onboardedAt'),
    endedAt: value(ctx, raw, 'partner.endedAt'),
    ratings: numbers(ctx, raw, 'partner.ratings', RATING_KEYS),
    fit: numbers(ctx, raw, 'partner.fit', fitKeys),
    ownerId: raw.OwnerId,
    written,
  };
}

/** Whether an Account matches `crm.partners.where` (equality on each field; text compared case-insensitively, as SOQL does). */
export function matchesWhere(
  raw: Readonly<Record<string, unknown>>,
  where: Readonly<Record<string, string | number | boolean>>,
): boolean {
  const keys = new Map(Object.keys(raw).map((k) => [k.toLowerCase(), k]));
  return Object.entries(where).every(([field, expected]) => {
    // Field names are case-insensitive in Salesforce; records carry the canonical spelling.
    const key = keys.get(field.toLowerCase());
    const actual = key === undefined ? undefined : raw[key];
    if (typeof expected === 'boolean') return actual === expected || actual === String(expected);
    if (typeof expected === 'number') return actual !== null && actual !== undefined && Number(actual) === expected;
    return typeof actual === 'string' && actual.toLowerCase() === expected.toLowerCase();
  });
}
