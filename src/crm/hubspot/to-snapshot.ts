// HubSpot records → partnersync's canonical records (docs/finance-rules.md §1.2 plus what our result fields
// hold now). Values stay as the CRM holds them where the engine judges them (amount text,
// ratings, ids); dates become instants (a date without a time is local midnight in the program
// time zone, docs/finance-rules.md §2).

import type { SnapshotRegistration, SnapshotTouch, Stage } from '../../domain/snapshot.ts';
import { formatInstant, type TimeZone } from '../../domain/time.ts';
import {
  DEAL_RESULT_FIELDS,
  PARTNER_RESULT_FIELDS,
  type FieldValues,
  type PartnerResultField,
  type PulledDeal,
  type PulledPartner,
  type DealResultField,
} from '../port.ts';
import { dealDate } from '../shared/deal-dates.ts';
import { RATING_KEYS, type FieldMap } from './field-map.ts';
import type { HubspotObjectRaw } from './raw-schemas.ts';
import type { StageMap } from './stage-map.ts';

export interface MapContext {
  fields: FieldMap;
  tz: TimeZone;
  stages: StageMap;
  fitCriteria: readonly string[];
  /** The currency of deals without `deal_currency_code` (the account's company currency). */
  defaultCurrency: string | null;
}

/** A HubSpot date or datetime value as an ISO instant; text that is neither passes through. */
export function toInstant(raw: string | null, tz: TimeZone): string | null {
  if (raw === null) return null;
  const text = raw.trim();
  if (/^-?\d{10,}$/.test(text)) return formatInstant(Number(text));
  const at = tz.parse(text);
  return at === null ? text : formatInstant(at);
}

/** Ratings as numbers when they are numbers (the engine decides what is valid), else the text. */
function score(raw: string | null): number | string | null {
  if (raw === null) return null;
  return /^-?\d+(\.\d+)?$/.test(raw.trim()) ? Number(raw.trim()) : raw;
}

const prop = (raw: HubspotObjectRaw, name: string): string | null => {
  // own properties only: a property configured as `constructor` is not Object's
  const v = Object.hasOwn(raw.properties, name) ? raw.properties[name] : undefined;
  return v === undefined || v === null || v === '' ? null : v;
};

/** Whether a company matches `crm.partners.where` (case-insensitive, as HubSpot search's EQ). */
export function matchesWhere(raw: HubspotObjectRaw, where: Readonly<Record<string, string>>): boolean {
  return Object.entries(where).every(([name, value]) => (prop(raw, name) ?? '').toLowerCase() === value.toLowerCase());
}

export function toPartner(raw: HubspotObjectRaw, ctx: MapContext): PulledPartner {
  const { fields } = ctx;
  const read = (key: string): string | null => fields.read(key, prop(raw, fields.name(key)));
  const ratings: Record<string, number | string | null> = {};
  for (const k of RATING_KEYS) ratings[k] = score(read(`partner.ratings.${k}`));
  const fit: Record<string, number | string | null> = {};
  for (const c of ctx.fitCriteria) fit[c] = score(read(`partner.fit.${c}`));
  const written: FieldValues<PartnerResultField> = {};
  for (const f of PARTNER_RESULT_FIELDS) written[f] = read(`partner.${f}`);
  return {
    id: raw.id,
    name: read('partner.name'),
    recipe: read('partner.recipe'),
    tier: read('partner.tier'),
    onboardedAt: toInstant(read('partner.onboardedAt'), ctx.tz),
    endedAt: toInstant(read('partner.endedAt'), ctx.tz),
    ratings,
    fit,
    ownerId: read('partner.ownerId'),
    written,
  };
}

function stageOf(raw: HubspotObjectRaw, ctx: MapContext): string {
  const field = ctx.fields.get('deal.stage');
  const value = prop(raw, field.name);
  if (value === null) return '';
  const mapped = field.toCanonical.get(value);
  if (mapped !== undefined) return mapped;
  // An unknown stage id goes through as it is: the engine rejects the deal (STAGE_INVALID), visibly.
  const outcome: Stage | null = ctx.stages.outcome(value);
  return outcome ?? value;
}

function registrationOf(read: (key: string) => string | null, tz: TimeZone): SnapshotRegistration | null {
  const reg = {
    partnerId: read('deal.registration.partnerId'),
    status: read('deal.registration.status'),
    submittedAt: dealDate(toInstant(read('deal.registration.submittedAt'), tz)),
    decidedAt: dealDate(toInstant(read('deal.registration.decidedAt'), tz)),
    expiresAt: dealDate(toInstant(read('deal.registration.expiresAt'), tz)),
  };
  return Object.values(reg).every((v) => v === null) ? null : reg;
}

export interface DealExtras {
  customerId: string | null;
  /** Influencer touches (see influencer-touches.ts); empty when the deal has none. */
  touches: readonly SnapshotTouch[];
}

export function toDeal(raw: HubspotObjectRaw, extras: DealExtras, ctx: MapContext): PulledDeal {
  const { fields, tz } = ctx;
  const read = (key: string): string | null => fields.read(key, prop(raw, fields.name(key)));
  const createdAt = dealDate(createdAtOf(raw, ctx));
  const written: FieldValues<DealResultField> = {};
  for (const f of DEAL_RESULT_FIELDS) written[f] = read(`deal.${f}`);
  const amount = read('deal.amount');
  return {
    id: raw.id,
    name: read('deal.name'),
    amount: amount === null ? null : amount.trim(),
    currency: read('deal.currency') ?? ctx.defaultCurrency,
    stage: stageOf(raw, ctx),
    createdAt,
    closedAt: dealDate(toInstant(read('deal.closedAt'), tz)),
    customerId: extras.customerId,
    recipe: read('deal.recipe'),
    sourcePartnerId: read('deal.sourcePartnerId'),
    registration: registrationOf(read, tz),
    touches: [...extras.touches],
    ownerId: read('deal.ownerId'),
    written,
  };
}

/** The deal's creation instant (createdate, else the record's own creation time). */
export function createdAtOf(raw: HubspotObjectRaw, ctx: MapContext): string {
  return (
    toInstant(ctx.fields.read('deal.createdAt', prop(raw, ctx.fields.name('deal.createdAt'))), ctx.tz) ??
    raw.createdAt.toISOString()
  );
}

/** The canonical ids of the deal's influencers (a multi-checkbox: `;`-separated option values). */
export function influencerIds(raw: HubspotObjectRaw, fields: FieldMap): string[] {
  const value = prop(raw, fields.name('deal.influencers'));
  if (value === null) return [];
  return [
    ...new Set(
      value
        .split(';')
        .map((s) => s.trim())
        .filter((s) => s !== '')
        .map((id) => fields.read('deal.influencers', id) ?? id),
    ),
  ];
}

/** The influencers value as HubSpot holds it ('' when empty), to tell whether it changed. */
export function influencerValue(raw: HubspotObjectRaw, fields: FieldMap): string {
  return prop(raw, fields.name('deal.influencers')) ?? '';
}
