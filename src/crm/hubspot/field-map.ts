// Canonical fields ↔ HubSpot properties. Every canonical field has a default property (docs/product.md
// "CRM fields"): HubSpot's own for the standard ones (amount, dealstage, …), partnersync's for the
// rest. `crm.mappings` may point any canonical field at another property, with a value map
// (CRM value → canonical value) for enumerations. Validation here is HubSpot-specific and names
// the offending config path.

import type { CrmSection } from '../../config/crm-section.ts';
import type { ConfigIssue } from '../../config/errors.ts';
import type { ProgramConfig } from '../../domain/program.ts';
import { REGISTRATION_STATUSES } from '../../domain/snapshot.ts';
import {
  RATING_KEYS,
  DEAL_RESULT_FIELDS,
  PARTNER_RESULT_FIELDS,
  type DealResultField,
  type PartnerResultField,
} from '../port.ts';

export type HubspotObject = 'deals' | 'companies' | 'tasks' | 'contacts';

/**
 * How a field's values are read and written. `partner`/`partners`: company ids (one, or several
 * `;`-separated); `stage`: a pipeline stage id; `enum`: option values; `date`: a date or datetime.
 */
export type FieldKind = 'text' | 'number' | 'date' | 'enum' | 'partner' | 'partners' | 'stage' | 'owner';

export interface CanonicalField {
  key: string;
  object: HubspotObject;
  defaultName: string;
  kind: FieldKind;
  /** HubSpot's own property: read and written as it is, never created or changed. */
  standard: boolean;
  /** Canonical values a value map may produce, when they are a closed set. */
  allowed?: readonly string[];
}

export { RATING_KEYS };

export const PARTNER_RESULT_NAMES: Readonly<Record<PartnerResultField, string>> = {
  healthScore: 'partner_health_score',
  healthBand: 'partner_health_band',
  healthBreakdown: 'partner_health_breakdown',
  alerts: 'partner_alerts',
  alertCount: 'partner_alert_count',
  tierEarned: 'partner_tier_earned',
  attributedRevenue12m: 'partner_attributed_revenue_12m',
  pipeline: 'partner_pipeline',
  winRate: 'partner_win_rate',
  lastActivityAt: 'partner_last_activity_at',
  fitScore: 'partner_fit_score',
  fitBand: 'partner_fit_band',
};
export const DEAL_RESULT_NAMES: Readonly<Record<DealResultField, string>> = {
  commissionAmount: 'partner_commission_amount',
  attributionSummary: 'partner_attribution_summary',
};

const PARTNER_RESULT_KINDS: Readonly<Record<PartnerResultField, FieldKind>> = {
  healthScore: 'number',
  healthBand: 'enum',
  healthBreakdown: 'text',
  alerts: 'text',
  alertCount: 'number',
  tierEarned: 'enum',
  attributedRevenue12m: 'number',
  pipeline: 'number',
  winRate: 'number',
  lastActivityAt: 'date',
  fitScore: 'number',
  fitBand: 'enum',
};

export const HEALTH_BANDS = ['healthy', 'watch', 'at_risk'] as const;
export const FIT_BANDS = ['pursue', 'consider', 'monitor'] as const;
export const MARKER_PROPERTY = 'partnersync_marker';

/** A fit criterion's default property name: `partner_fit_<criterion>` in HubSpot's name alphabet. */
export function fitPropertyName(criterion: string): string {
  return `partner_fit_${criterion
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_|_$/g, '')}`;
}

/** Every canonical field, for a program (its fit criteria add fields). */
export function canonicalFields(program: ProgramConfig): CanonicalField[] {
  const std = (key: string, object: HubspotObject, defaultName: string, kind: FieldKind): CanonicalField => ({
    key,
    object,
    defaultName,
    kind,
    standard: true,
  });
  const own = (
    key: string,
    object: HubspotObject,
    defaultName: string,
    kind: FieldKind,
    allowed?: readonly string[],
  ): CanonicalField =>
    allowed
      ? { key, object, defaultName, kind, standard: false, allowed }
      : { key, object, defaultName, kind, standard: false };
  const recipes = Object.keys(program.recipes);
  return [
    std('deal.name', 'deals', 'dealname', 'text'),
    std('deal.amount', 'deals', 'amount', 'text'),
    std('deal.currency', 'deals', 'deal_currency_code', 'enum'),
    std('deal.stage', 'deals', 'dealstage', 'stage'),
    std('deal.createdAt', 'deals', 'createdate', 'date'),
    std('deal.closedAt', 'deals', 'closedate', 'date'),
    std('deal.ownerId', 'deals', 'hubspot_owner_id', 'owner'),
    own('deal.sourcePartnerId', 'deals', 'partner_source', 'partner'),
    own('deal.influencers', 'deals', 'partner_influencers', 'partners'),
    own('deal.recipe', 'deals', 'partner_recipe', 'enum', recipes),
    own('deal.registration.partnerId', 'deals', 'deal_registration_partner', 'partner'),
    own('deal.registration.status', 'deals', 'deal_registration_status', 'enum', REGISTRATION_STATUSES),
    own('deal.registration.submittedAt', 'deals', 'deal_registration_submitted_at', 'date'),
    own('deal.registration.decidedAt', 'deals', 'deal_registration_decided_at', 'date'),
    own('deal.registration.expiresAt', 'deals', 'deal_registration_expires_at', 'date'),
    own('deal.registration.reason', 'deals', 'deal_registration_reason', 'text'),
    ...DEAL_RESULT_FIELDS.map((f) =>
      own(`deal.${f}`, 'deals', DEAL_RESULT_NAMES[f], f === 'commissionAmount' ? 'number' : 'text'),
    ),
    std('partner.name', 'companies', 'name', 'text'),
    std('partner.ownerId', 'companies', 'hubspot_owner_id', 'owner'),
    own('partner.recipe', 'companies', 'partner_recipe', 'enum', recipes),
    own('partner.tier', 'companies', 'partner_tier', 'enum'),
    own('partner.onboardedAt', 'companies', 'partner_onboarded_at', 'date'),
    own('partner.endedAt', 'companies', 'partner_ended_at', 'date'),
    ...RATING_KEYS.map((k) => own(`partner.ratings.${k}`, 'companies', `partner_rating_${k}`, 'number')),
    ...Object.keys(program.fit.criteria).map((c) => own(`partner.fit.${c}`, 'companies', fitPropertyName(c), 'number')),
    ...PARTNER_RESULT_FIELDS.map((f) => {
      const allowed = f === 'healthBand' ? HEALTH_BANDS : f === 'fitBand' ? FIT_BANDS : undefined;
      return own(`partner.${f}`, 'companies', PARTNER_RESULT_NAMES[f], PARTNER_RESULT_KINDS[f], allowed);
    }),
    own('task.marker', 'tasks', MARKER_PROPERTY, 'text'),
  ];
}

export interface ResolvedField {
  spec: CanonicalField;
  /** The HubSpot property name. */
  name: string;
  /** `crm.mappings` names this field explicitly. */
  mapped: boolean;
  /** CRM value → canonical value (empty: values are canonical already). */
  toCanonical: ReadonlyMap<string, string>;
  /** Canonical value → CRM value, for writes (the first CRM value mapping to it). */
  toCrm: ReadonlyMap<string, string>;
}

export class FieldMap {
  readonly #byKey: ReadonlyMap<string, ResolvedField>;

  constructor(fields: readonly ResolvedField[]) {
    this.#byKey = new Map(fields.map((f) => [f.spec.key, f]));
  }

  all(): ResolvedField[] {
    return [...this.#byKey.values()];
  }

  get(key: string): ResolvedField {
    const field = this.#byKey.get(key);
    if (!field) throw new Error(`unknown canonical field ${key}`);
    return field;
  }

  name(key: string): string {
    return this.get(key).name;
  }

  /** A value as read from HubSpot, in canonical terms (value map applied; '' and null → null). */
  read(key: string, raw: string | null | undefined): string | null {
    if (raw === null || raw === undefined || raw === '') return null;
    const map = this.get(key).toCanonical;
    return map.size === 0 ? raw : (map.get(raw) ?? raw);
  }

  /** A canonical value as HubSpot should store it (null clears: HubSpot clears with ''). */
  write(key: string, value: string | null): string {
    if (value === null) return '';
    const map = this.get(key).toCrm;
    return map.get(value) ?? value;
  }

  /** Property names to read for an object. */
  properties(object: HubspotObject): string[] {
    return [
      ...new Set(
        this.all()
          .filter((f) => f.spec.object === object)
          .map((f) => f.name),
      ),
    ];
  }
}

const NAME = /^[a-z][a-z0-9_]*$/;
const VALUE_MAP_KINDS: ReadonlySet<FieldKind> = new Set(['enum', 'partner', 'partners', 'stage', 'owner']);

/** Resolves `crm.mappings` against the catalogue; every problem is a ConfigIssue naming its path. */
export function resolveFieldMap(program: ProgramConfig, crm: CrmSection): { map: FieldMap; issues: ConfigIssue[] } {
  const catalogue = canonicalFields(program);
  const byKey = new Map(catalogue.map((c) => [c.key, c]));
  const issues: ConfigIssue[] = [];
  for (const [key, mapping] of Object.entries(crm.mappings)) {
    const path = `crm.mappings["${key}"]`;
    const spec = byKey.get(key);
    if (!spec) {
      issues.push({
        path,
        message: `unknown canonical field for HubSpot; use one of: ${catalogue.map((c) => c.key).join(', ')}`,
      });
      continue;
    }
    if (!NAME.test(mapping.field))
      issues.push({
        path: `${path}.field`,
        message: `"${mapping.field}" is not a HubSpot property name (lowercase letters, digits and underscores, starting with a letter)`,
      });
    if (mapping.values && !VALUE_MAP_KINDS.has(spec.kind)) {
      issues.push({
        path: `${path}.values`,
        message: `${key} holds ${spec.kind === 'date' ? 'dates' : spec.kind === 'number' ? 'numbers' : 'free text'}; a value map only applies to enumerations, stages, partners and owners`,
      });
    }
    const allowed = spec.kind === 'stage' ? ['open', 'won', 'lost'] : spec.allowed;
    for (const [crmValue, canonical] of Object.entries(mapping.values ?? {})) {
      if (allowed && !allowed.includes(canonical)) {
        issues.push({
          path: `${path}.values["${crmValue}"]`,
          message: `"${canonical}" is not a value of ${key}; use one of: ${allowed.join(', ')}`,
        });
      }
    }
  }
  const resolved = catalogue.map((spec): ResolvedField => {
    const mapping = crm.mappings[spec.key];
    const values = mapping?.values ?? {};
    const toCrm = new Map<string, string>();
    for (const [crmValue, canonical] of Object.entries(values))
      if (!toCrm.has(canonical)) toCrm.set(canonical, crmValue);
    return {
      spec,
      name: mapping?.field ?? spec.defaultName,
      mapped: mapping !== undefined,
      toCanonical: new Map(Object.entries(values)),
      toCrm,
    };
  });
  // Two canonical fields on one property would overwrite each other.
  const bySlot = new Map<string, ResolvedField[]>();
  for (const f of resolved) {
    const slot = `${f.spec.object}:${f.name}`;
    bySlot.set(slot, [...(bySlot.get(slot) ?? []), f]);
  }
  for (const group of bySlot.values()) {
    if (group.length < 2) continue;
    for (const f of group.filter((g) => g.mapped)) {
      const others = group
        .filter((g) => g !== f)
        .map((g) => g.spec.key)
        .join(', ');
      issues.push({
        path: `crm.mappings["${f.spec.key}"].field`,
        message: `${f.name} already holds ${others}; map each canonical field to its own property`,
      });
    }
  }
  for (const c of Object.keys(program.fit.criteria)) {
    if (fitPropertyName(c) === 'partner_fit_' && !crm.mappings[`partner.fit.${c}`]) {
      issues.push({
        path: `program.fit.criteria.${c}`,
        message:
          'this criterion name gives no HubSpot property name; map it with crm.mappings["partner.fit.<criterion>"]',
      });
    }
  }
  const where = crm.partners?.where ?? {};
  if (Object.keys(where).length > 5)
    issues.push({
      path: 'crm.partners.where',
      message:
        'HubSpot search takes at most 6 filters per group and partnersync needs one for paging: use at most 5 conditions',
    });
  for (const name of Object.keys(where)) {
    if (!NAME.test(name))
      issues.push({ path: `crm.partners.where.${name}`, message: 'is not a HubSpot company property name' });
  }
  for (const stage of Object.keys(crm.stages.overrides)) {
    if (stage.trim() === '') issues.push({ path: 'crm.stages.overrides', message: 'stage ids must not be empty' });
  }
  return { map: new FieldMap(resolved), issues };
}

/** Which companies are partners: `crm.partners.where`, default `type = PARTNER`. */
export function partnerWhere(crm: CrmSection): Record<string, string> {
  const where = crm.partners?.where ?? { type: 'PARTNER' };
  return Object.fromEntries(Object.entries(where).map(([k, v]) => [k, String(v)]));
}
