// The partnersync fields in Salesforce (docs/product.md "CRM fields"): one entry per canonical field,
// with its default API name on Opportunity or Account, how reps may use it (field-level
// security), and the Tooling API definition `provision` creates. `crm.mappings` can point a
// canonical field at an existing field (with a value map); then that field is read and written
// instead and nothing is created for it.

import type { CrmSection } from '../../config/crm-section.ts';
import { ConfigError } from '../../config/errors.ts';
import { REGISTRATION_STATUSES } from '../../domain/snapshot.ts';
import type { Program } from '../../domain/program.ts';
import {
  DEAL_RESULT_FIELDS,
  PARTNER_RESULT_FIELDS,
  RATING_KEYS,
  type DealResultField,
  type PartnerResultField,
} from '../port.ts';
import { isApiName } from './soql.ts';

export const MANAGED_MARKER = 'Managed by partnersync';

export type SfObject = 'Opportunity' | 'Account';

/** How a value is read and written: ids and text as strings, numbers as exact decimals, datetimes as instants. */
export type FieldKind = 'id' | 'enum' | 'datetime' | 'number' | 'text';

export interface PicklistValue {
  value: string;
  label: string;
}

export interface FieldSpec {
  /** Canonical name, the key of `crm.mappings`: `deal.sourcePartnerId`, `partner.healthScore`. */
  key: string;
  object: SfObject;
  /** Default API name, created by `provision`. */
  name: string;
  label: string;
  kind: FieldKind;
  /** Reps enter this value (edit access in the `partnersync` permission set); else read only. */
  repsEdit: boolean;
  /** Tooling API `Metadata` except label and description. */
  metadata: Readonly<Record<string, unknown>>;
  /** What the field is for, after the marker in its description. */
  purpose: string;
}

/** Canonical result names (port.ts) → canonical keys: `partner.<name>` and `deal.<name>`. */
export const PARTNER_RESULT_KEYS = Object.fromEntries(
  PARTNER_RESULT_FIELDS.map((f) => [f, `partner.${f}`]),
) as Readonly<Record<PartnerResultField, string>>;
export const DEAL_RESULT_KEYS = Object.fromEntries(DEAL_RESULT_FIELDS.map((f) => [f, `deal.${f}`])) as Readonly<
  Record<DealResultField, string>
>;

export { RATING_KEYS };
const HEALTH_BANDS = ['healthy', 'watch', 'at_risk'] as const;
const FIT_BANDS = ['pursue', 'consider', 'monitor'] as const;

// The largest long text area: alert lists can run long (outcomes.ts caps text at 60,000 characters).
const LONG_TEXT = { type: 'LongTextArea', length: 131072, visibleLines: 5 } as const;
const DATE_TIME = { type: 'DateTime' } as const;
const number = (precision: number, scale: number): Record<string, unknown> => ({ type: 'Number', precision, scale });
const lookup = (relationshipName: string, relationshipLabel: string): Record<string, unknown> => ({
  type: 'Lookup',
  referenceTo: 'Account',
  relationshipName,
  relationshipLabel,
  deleteConstraint: 'SetNull',
});

/** Picklist metadata. Reps' inputs are restricted to the values; results are not, so a write never fails on a new value. */
export function picklist(values: readonly PicklistValue[], restricted: boolean): Record<string, unknown> {
  return {
    type: 'Picklist',
    valueSet: {
      restricted,
      valueSetDefinition: {
        sorted: false,
        value: values.map((v) => ({ valueName: v.value, label: v.label, default: false })),
      },
    },
  };
}

const titled = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1);
const humanize = (value: string): string => titled(value.replace(/[_-]+/g, ' '));

/** `go-to-market` → `Go_To_Market` (an API-name part). */
export function apiNamePart(key: string): string {
  return key
    .split(/[^A-Za-z0-9]+/)
    .filter((p) => p !== '')
    .map(titled)
    .join('_');
}

export interface CatalogueInput {
  program: Program;
  /** Money fields: Currency where the org's currency is the program's (single-currency org), else Number. */
  currencyFields: boolean;
}

function recipeValues(program: Program): PicklistValue[] {
  return Object.entries(program.config.recipes).map(([id, r]) => ({
    value: id,
    label: r.name === '' ? humanize(id) : r.name.slice(0, 255),
  }));
}

function tierValues(program: Program): PicklistValue[] {
  const names = new Set<string>();
  for (const plan of Object.values(program.config.plans)) {
    if (plan.type === 'percent') for (const t of plan.tiers ?? []) names.add(t.name);
  }
  return [...names].map((n) => ({ value: n, label: n }));
}

const valuesOf = (items: readonly string[]): PicklistValue[] => items.map((v) => ({ value: v, label: humanize(v) }));

/** A picklist, or a text field when there is nothing to pick from yet (no recipes or tiers configured). */
function choice(values: readonly PicklistValue[], restricted: boolean): Record<string, unknown> {
  return values.length === 0 ? { type: 'Text', length: 255 } : picklist(values, restricted);
}

/** Every field partnersync uses, with its default definition. */
export function fieldCatalogue(input: CatalogueInput): FieldSpec[] {
  const { program } = input;
  const money = input.currencyFields
    ? { type: 'Currency', precision: 18, scale: program.exponent }
    : number(18, program.exponent);
  const o = 'Opportunity';
  const a = 'Account';
  const spec = (
    key: string,
    object: SfObject,
    name: string,
    label: string,
    kind: FieldKind,
    repsEdit: boolean,
    metadata: Record<string, unknown>,
    purpose: string,
  ): FieldSpec => ({ key, object, name, label, kind, repsEdit, metadata, purpose });
  const recipes = recipeValues(program);
  const tiers = tierValues(program);
  return [
    spec(
      'deal.sourcePartnerId',
      o,
      'Partner_Source__c',
      'Partner Source',
      'id',
      true,
      lookup('Partner_Source', 'Sourced Opportunities'),
      'the partner account that sourced this opportunity',
    ),
    spec(
      'deal.recipe',
      o,
      'Partner_Recipe__c',
      'Partner Recipe',
      'enum',
      true,
      choice(recipes, true),
      'the partnership recipe of this opportunity',
    ),
    spec(
      'deal.registration.partnerId',
      o,
      'Deal_Reg_Partner__c',
      'Deal Registration Partner',
      'id',
      true,
      lookup('Deal_Reg_Partner', 'Registered Opportunities'),
      'the partner that registered this opportunity',
    ),
    spec(
      'deal.registration.status',
      o,
      'Deal_Reg_Status__c',
      'Deal Registration Status',
      'enum',
      true,
      picklist(valuesOf(REGISTRATION_STATUSES), true),
      'status of the deal registration (partnersync sets expired when protection lapses)',
    ),
    spec(
      'deal.registration.submittedAt',
      o,
      'Deal_Reg_Submitted_At__c',
      'Deal Registration Submitted',
      'datetime',
      true,
      DATE_TIME,
      'when the partner registered this opportunity',
    ),
    spec(
      'deal.registration.decidedAt',
      o,
      'Deal_Reg_Decided_At__c',
      'Deal Registration Decided',
      'datetime',
      true,
      DATE_TIME,
      'when the registration was approved or rejected',
    ),
    spec(
      'deal.registration.expiresAt',
      o,
      'Deal_Reg_Expires_At__c',
      'Deal Registration Expires',
      'datetime',
      true,
      DATE_TIME,
      'when registration protection ends',
    ),
    spec(
      'deal.registration.reason',
      o,
      'Deal_Reg_Reason__c',
      'Deal Registration Reason',
      'text',
      true,
      LONG_TEXT,
      'why the registration was approved or rejected (shown to the partner)',
    ),
    spec(
      'deal.commissionAmount',
      o,
      'Partner_Commission__c',
      'Partner Commission',
      'number',
      false,
      money,
      `partner commission on this opportunity, in ${program.currency} (written by partnersync)`,
    ),
    spec(
      'deal.attributionSummary',
      o,
      'Partner_Attribution__c',
      'Partner Attribution',
      'text',
      false,
      LONG_TEXT,
      'which partners get credit and how much (written by partnersync)',
    ),
    spec(
      'partner.recipe',
      a,
      'Partner_Recipe__c',
      'Partner Recipe',
      'enum',
      true,
      choice(recipes, true),
      'the partnership recipe this partner runs',
    ),
    spec(
      'partner.tier',
      a,
      'Partner_Tier__c',
      'Partner Tier',
      'enum',
      true,
      choice(tiers, true),
      'the tier granted to this partner',
    ),
    spec(
      'partner.onboardedAt',
      a,
      'Partner_Onboarded_At__c',
      'Partner Onboarded',
      'datetime',
      true,
      DATE_TIME,
      'when this partner was onboarded',
    ),
    spec(
      'partner.endedAt',
      a,
      'Partner_Ended_At__c',
      'Partner Ended',
      'datetime',
      true,
      DATE_TIME,
      'when the partnership ended (stops fixed fees)',
    ),
    ...RATING_KEYS.map((k) =>
      spec(
        `partner.ratings.${k}`,
        a,
        `Partner_Rating_${apiNamePart(k)}__c`,
        `Partner Rating: ${humanize(k)}`,
        'number',
        true,
        number(3, 1),
        `rep rating of ${k}, 1 to 5`,
      ),
    ),
    ...program.fitCriteria.map(([k]) =>
      spec(
        `partner.fit.${k}`,
        a,
        `Partner_Fit_${apiNamePart(k)}__c`,
        `Partner Fit: ${humanize(k)}`.slice(0, 40),
        'number',
        true,
        number(3, 1),
        `fit criterion ${k}, 1 to 5`,
      ),
    ),
    spec(
      'partner.healthScore',
      a,
      'Partner_Health_Score__c',
      'Partner Health Score',
      'number',
      false,
      number(5, 1),
      'partner health score 0 to 100 (written by partnersync)',
    ),
    spec(
      'partner.healthBand',
      a,
      'Partner_Health_Band__c',
      'Partner Health Band',
      'enum',
      false,
      picklist(valuesOf(HEALTH_BANDS), false),
      'healthy, watch or at risk (written by partnersync)',
    ),
    spec(
      'partner.healthBreakdown',
      a,
      'Partner_Health_Breakdown__c',
      'Partner Health Breakdown',
      'text',
      false,
      LONG_TEXT,
      'health score components and weights (written by partnersync)',
    ),
    spec(
      'partner.alerts',
      a,
      'Partner_Alerts__c',
      'Partner Alerts',
      'text',
      false,
      LONG_TEXT,
      'open alerts, one per line (written by partnersync)',
    ),
    spec(
      'partner.alertCount',
      a,
      'Partner_Alert_Count__c',
      'Partner Alert Count',
      'number',
      false,
      number(6, 0),
      'number of open alerts (written by partnersync)',
    ),
    spec(
      'partner.tierEarned',
      a,
      'Partner_Tier_Earned__c',
      'Partner Tier Earned',
      'enum',
      false,
      choice(tiers, false),
      'the tier the last 365 days earned (written by partnersync)',
    ),
    spec(
      'partner.attributedRevenue12m',
      a,
      'Partner_Attributed_Revenue_12m__c',
      'Partner Revenue (12 months)',
      'number',
      false,
      money,
      `attributed revenue on wins of the last 365 days, in ${program.currency} (written by partnersync)`,
    ),
    spec(
      'partner.pipeline',
      a,
      'Partner_Pipeline__c',
      'Partner Pipeline',
      'number',
      false,
      money,
      `open sourced pipeline, in ${program.currency} (written by partnersync)`,
    ),
    spec(
      'partner.winRate',
      a,
      'Partner_Win_Rate__c',
      'Partner Win Rate',
      'number',
      false,
      number(7, 4),
      'won / closed over 365 days, 0 to 1 (written by partnersync)',
    ),
    spec(
      'partner.lastActivityAt',
      a,
      'Partner_Last_Activity_At__c',
      'Partner Last Activity',
      'datetime',
      false,
      DATE_TIME,
      'latest partner activity (written by partnersync)',
    ),
    spec(
      'partner.fitScore',
      a,
      'Partner_Fit_Score__c',
      'Partner Fit Score',
      'number',
      false,
      number(5, 1),
      'weighted fit score (written by partnersync)',
    ),
    spec(
      'partner.fitBand',
      a,
      'Partner_Fit_Band__c',
      'Partner Fit Band',
      'enum',
      false,
      picklist(valuesOf(FIT_BANDS), false),
      'pursue, consider or monitor (written by partnersync)',
    ),
  ];
}

/** A canonical field as this org uses it: its API name, and the value map when it was mapped. */
export interface ResolvedField extends FieldSpec {
  apiName: string;
  /** True when `crm.mappings` points it at an existing field (provision creates nothing for it). */
  mapped: boolean;
  /** CRM value → canonical value (`crm.mappings.*.values`); null = values pass through. */
  fromCrm: ReadonlyMap<string, string> | null;
  /** Canonical value → CRM value (the first CRM value mapped to it). */
  toCrm: ReadonlyMap<string, string> | null;
}

export class FieldMap {
  readonly #byKey: Map<string, ResolvedField>;

  constructor(fields: readonly ResolvedField[]) {
    this.#byKey = new Map(fields.map((f) => [f.key, f]));
  }

  all(): ResolvedField[] {
    return [...this.#byKey.values()];
  }

  forObject(object: SfObject): ResolvedField[] {
    return this.all().filter((f) => f.object === object);
  }

  get(key: string): ResolvedField {
    const f = this.#byKey.get(key);
    if (f === undefined) throw new Error(`no Salesforce field for ${key}`);
    return f;
  }

  has(key: string): boolean {
    return this.#byKey.has(key);
  }

  /** A value the CRM holds, as canonical text (value maps applied). */
  toCanonical(key: string, value: string | null): string | null {
    if (value === null) return null;
    return this.get(key).fromCrm?.get(value) ?? value;
  }

  /** A canonical value as the CRM field takes it (value maps applied). */
  toCrm(key: string, value: string): string {
    return this.get(key).toCrm?.get(value) ?? value;
  }
}

/** Applies `crm.mappings` to the catalogue; unknown keys and bad field names are config errors. */
export function resolveFields(
  catalogue: readonly FieldSpec[],
  mappings: CrmSection['mappings'],
  source: string,
): FieldMap {
  const byKey = new Map(catalogue.map((f) => [f.key, f]));
  const issues: { path: string; message: string }[] = [];
  for (const [key, mapping] of Object.entries(mappings)) {
    if (!byKey.has(key))
      issues.push({
        path: `crm.mappings.${key}`,
        message: `is not a Salesforce canonical field; use one of ${[...byKey.keys()].join(', ')}`,
      });
    else if (!isApiName(mapping.field) || mapping.field.includes('.'))
      issues.push({
        path: `crm.mappings.${key}.field`,
        message: `"${mapping.field}" is not a Salesforce field API name (e.g. LeadSource or My_Field__c)`,
      });
  }
  if (issues.length > 0) throw new ConfigError(source, issues);
  return new FieldMap(
    catalogue.map((spec) => {
      const mapping = mappings[spec.key];
      if (mapping === undefined) return { ...spec, apiName: spec.name, mapped: false, fromCrm: null, toCrm: null };
      const entries = Object.entries(mapping.values ?? {});
      const toCrm = new Map<string, string>();
      for (const [crm, canonical] of entries) if (!toCrm.has(canonical)) toCrm.set(canonical, crm);
      return {
        ...spec,
        apiName: mapping.field,
        mapped: true,
        fromCrm: entries.length === 0 ? null : new Map(entries),
        toCrm: entries.length === 0 ? null : toCrm,
      };
    }),
  );
}
