// The HubSpot properties partnersync creates and keeps up to date, as a rep should read them:
// a "Partner program" group on deals and companies, plain-language labels, descriptions that say
// what the value means and who fills it, and option labels generated from the program config
// (recipes, tiers, health and fit bands). Every description carries the marker that tells
// provisioning a property is ours.
// https://developers.hubspot.com/docs/api-reference/crm-properties-v3/guide

import type { ProgramConfig } from '../../domain/program.ts';
import {
  FIT_BANDS,
  HEALTH_BANDS,
  type FieldKind,
  type FieldMap,
  type HubspotObject,
  type ResolvedField,
} from './field-map.ts';

export const MANAGED_MARKER = 'Managed by partnersync';
export const GROUP_NAME = 'partnersync';

export interface DesiredOption {
  value: string;
  label: string;
  hidden: boolean;
  description?: string;
}

export interface DesiredProperty {
  key: string;
  object: HubspotObject;
  name: string;
  label: string;
  description: string;
  groupName: string;
  type: 'string' | 'number' | 'datetime' | 'enumeration';
  fieldType: 'text' | 'textarea' | 'number' | 'date' | 'select' | 'checkbox';
  hidden: boolean;
  /** Options from the config; null for non-enumerations and for partner lists. */
  options: DesiredOption[] | null;
  /** Options are the partner companies (value = company id, label = name), kept in sync on every sync. */
  partnerOptions: boolean;
}

export interface DesiredGroup {
  object: HubspotObject;
  name: string;
  label: string;
}

export const GROUPS: readonly DesiredGroup[] = [
  { object: 'deals', name: GROUP_NAME, label: 'Partner program' },
  { object: 'companies', name: GROUP_NAME, label: 'Partner program' },
  { object: 'tasks', name: GROUP_NAME, label: 'partnersync' },
];

interface Text {
  label: string;
  description: string;
}

const titled = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1).replace(/[_-]+/g, ' ');

function textFor(key: string, program: ProgramConfig): Text {
  const currency = program.currency;
  const fixed: Record<string, Text> = {
    'deal.sourcePartnerId': {
      label: 'Sourcing partner',
      description:
        'The partner company that brought this deal. It earns the sourcing credit and, when the deal is won, the commission of its recipe.',
    },
    'deal.influencers': {
      label: 'Influencing partners',
      description:
        'Partner companies that helped win this deal. Each gets influence credit from the day it was added here.',
    },
    'deal.recipe': {
      label: 'Partner recipe',
      description: "The kind of partnership behind this deal. Leave empty to use the sourcing partner's recipe.",
    },
    'deal.registration.partnerId': {
      label: 'Deal registration: partner',
      description: 'The partner that registered this deal to protect its claim.',
    },
    'deal.registration.status': {
      label: 'Deal registration: status',
      description:
        "Submitted by the partner, then approved or rejected; partnersync sets Expired when an approved registration's protection ends on an open deal.",
    },
    'deal.registration.submittedAt': {
      label: 'Deal registration: submitted',
      description: 'When the partner submitted the registration.',
    },
    'deal.registration.decidedAt': {
      label: 'Deal registration: decided',
      description: 'When the registration was approved or rejected.',
    },
    'deal.registration.expiresAt': {
      label: 'Deal registration: protection ends',
      description: "When an approved registration stops protecting the partner's claim.",
    },
    'deal.registration.reason': {
      label: 'Deal registration: reason',
      description: 'Why the registration was approved or rejected; the partner sees it.',
    },
    'deal.commissionAmount': {
      label: 'Partner commission',
      description: `Commission owed to partners on this deal, in ${currency}, all partners and schedule months together. Calculated by partnersync on every sync; do not edit.`,
    },
    'deal.attributionSummary': {
      label: 'Partner attribution',
      description:
        'How this deal\'s revenue is credited to partners, e.g. "Acme 60% 7,200.00 sourced · Globex 40% 4,800.00". Calculated by partnersync; do not edit.',
    },
    'partner.recipe': {
      label: 'Partner recipe',
      description:
        'The kind of partnership this partner runs with us; it decides its commission plan, targets and health weights.',
    },
    'partner.tier': {
      label: 'Partner tier (granted)',
      description:
        'The tier the partner team granted. "Partner tier earned" shows what the partner\'s results earn; a difference raises a TIER_CHANGE alert.',
    },
    'partner.onboardedAt': {
      label: 'Partner since',
      description: 'When the partnership started (fixed fees and activation alerts count from here).',
    },
    'partner.endedAt': {
      label: 'Partnership ended',
      description: 'When the partnership ended; fixed fees stop that month.',
    },
    'partner.healthScore': {
      label: 'Partner health score',
      description:
        'Partner health from 0 to 100 (revenue, activity, conversion, pipeline, relationship). Calculated by partnersync on every sync; do not edit.',
    },
    'partner.healthBand': {
      label: 'Partner health',
      description:
        "Healthy, Watch or At risk, from the health score and the program's thresholds. Calculated by partnersync; do not edit.",
    },
    'partner.healthBreakdown': {
      label: 'Partner health breakdown',
      description:
        'Each health component with its weight, e.g. "revenue 62.5 (w30) · activity 85 (w25)". Calculated by partnersync; do not edit.',
    },
    'partner.alerts': {
      label: 'Partner alerts',
      description:
        'Open alerts on this partner, one per line, most severe first, each with what to do next. Calculated by partnersync; do not edit.',
    },
    'partner.alertCount': {
      label: 'Partner open alerts',
      description: 'How many alerts are open on this partner. Calculated by partnersync; do not edit.',
    },
    'partner.tierEarned': {
      label: 'Partner tier earned',
      description:
        "The tier the partner's sourced wins of the last 12 months earn under its plan. Calculated by partnersync; do not edit.",
    },
    'partner.attributedRevenue12m': {
      label: 'Partner revenue, last 12 months',
      description: `Won revenue credited to this partner over the last 365 days, in ${currency}. Calculated by partnersync; do not edit.`,
    },
    'partner.pipeline': {
      label: 'Partner pipeline',
      description: `Open deals this partner sourced, in ${currency}. Calculated by partnersync; do not edit.`,
    },
    'partner.winRate': {
      label: 'Partner win rate',
      description:
        "Share of the partner's sourced deals closed in the last 365 days that were won (0 to 1); empty below the minimum sample. Calculated by partnersync; do not edit.",
    },
    'partner.lastActivityAt': {
      label: 'Partner last activity',
      description:
        'Latest registration, sourced deal or influence by this partner. Calculated by partnersync; do not edit.',
    },
    'partner.fitScore': {
      label: 'Partner fit score',
      description: 'Weighted sum of the partner fit ratings. Calculated by partnersync; do not edit.',
    },
    'partner.fitBand': {
      label: 'Partner fit',
      description:
        "Pursue, Consider or Monitor, from the fit score and the program's thresholds. Calculated by partnersync; do not edit.",
    },
    'task.marker': {
      label: 'partnersync alert key',
      description: 'Identifies the alert a task was created for, so partnersync never creates it twice. Do not edit.',
    },
  };
  const known = fixed[key];
  if (known) return known;
  const rating = /^partner\.ratings\.(.+)$/.exec(key)?.[1];
  if (rating)
    return {
      label: `Partner rating: ${titled(rating)} (1–5)`,
      description: `How the partner team rates this partner's ${rating.replace(/_/g, ' ')}, from 1 (poor) to 5 (excellent). Feeds the relationship part of partner health.`,
    };
  const fit = /^partner\.fit\.(.+)$/.exec(key)?.[1];
  if (fit) {
    const weight = program.fit.criteria[fit] ?? 0;
    return {
      label: `Partner fit: ${titled(fit)} (1–5)`,
      description: `How well the partner fits on ${fit.replace(/[_-]+/g, ' ')}, from 1 (poor) to 5 (excellent); weight ${weight} in the fit score.`,
    };
  }
  return { label: titled(key), description: '' };
}

function shape(kind: FieldKind, key: string): Pick<DesiredProperty, 'type' | 'fieldType'> {
  switch (kind) {
    case 'number':
      return { type: 'number', fieldType: 'number' };
    case 'date':
      return { type: 'datetime', fieldType: 'date' };
    case 'partners':
      return { type: 'enumeration', fieldType: 'checkbox' };
    case 'partner':
    case 'enum':
    case 'stage':
    case 'owner':
      return { type: 'enumeration', fieldType: 'select' };
    case 'text':
      return { type: 'string', fieldType: /breakdown|alerts|attributionsummary/i.test(key) ? 'textarea' : 'text' };
  }
}

function bandLabel(band: string, lower: number | null, upper: number | null, what: string): string {
  const name = titled(band);
  if (lower === null) return `${name} (${what} below ${upper ?? 0})`;
  if (upper === null) return `${name} (${what} ${lower} or more)`;
  return `${name} (${what} ${lower}–${upper - 1})`;
}

/** Options from the config: recipes, tiers, health and fit bands, registration statuses. */
function configOptions(key: string, program: ProgramConfig, field: ResolvedField): DesiredOption[] | null {
  const crmValue = (canonical: string): string => field.toCrm.get(canonical) ?? canonical;
  const opt = (canonical: string, label: string, hidden = false, description?: string): DesiredOption =>
    description
      ? { value: crmValue(canonical), label: label.trim(), hidden, description }
      : { value: crmValue(canonical), label: label.trim(), hidden };
  if (key === 'deal.recipe' || key === 'partner.recipe') {
    return Object.entries(program.recipes).map(([id, r]) => {
      const suffix = r.status === 'retired' ? ' (retired)' : r.status === 'anti' ? ' (avoid)' : '';
      const help = [r.whenToUse ? `Use for: ${r.whenToUse}` : '', r.whenNotToUse ? `Not for: ${r.whenNotToUse}` : '']
        .filter((s) => s !== '')
        .join(' ');
      // Retired recipes stay valid for old records but are no longer offered to reps.
      return opt(id, `${r.name}${suffix}`, r.status === 'retired', help || undefined);
    });
  }
  if (key === 'partner.tier' || key === 'partner.tierEarned') {
    const tiers = new Map<string, number>();
    for (const plan of Object.values(program.plans)) {
      if (plan.type !== 'percent') continue;
      for (const t of plan.tiers ?? []) if (!tiers.has(t.name.trim())) tiers.set(t.name.trim(), t.minWonDeals);
    }
    return [...tiers].map(([name, min]) =>
      opt(name, name, false, min === 0 ? 'Entry tier.' : `Earned with ${min} or more sourced wins in 12 months.`),
    );
  }
  if (key === 'partner.healthBand') {
    const { healthy, watch } = program.health.bands;
    const bounds: Record<(typeof HEALTH_BANDS)[number], [number | null, number | null]> = {
      healthy: [healthy, null],
      watch: [watch, healthy],
      at_risk: [null, watch],
    };
    return HEALTH_BANDS.map((b) =>
      opt(b, bandLabel(b === 'at_risk' ? 'at risk' : b, bounds[b][0], bounds[b][1], 'score')),
    );
  }
  if (key === 'partner.fitBand') {
    const { pursue, consider } = program.fit.bands;
    const bounds: Record<(typeof FIT_BANDS)[number], [number | null, number | null]> = {
      pursue: [pursue, null],
      consider: [consider, pursue],
      monitor: [null, consider],
    };
    return FIT_BANDS.map((b) => opt(b, bandLabel(b, bounds[b][0], bounds[b][1], 'fit')));
  }
  if (key === 'deal.registration.status') {
    return [
      ['submitted', 'Submitted'],
      ['approved', 'Approved'],
      ['rejected', 'Rejected'],
      ['expired', 'Expired'],
    ].map(([v, l]) => opt(v ?? '', l ?? ''));
  }
  return null;
}

/** The property definitions partnersync wants, for every non-standard canonical field. */
export function desiredProperties(program: ProgramConfig, fields: FieldMap): DesiredProperty[] {
  return fields
    .all()
    .filter((f) => !f.spec.standard)
    .map((f) => {
      const text = textFor(f.spec.key, program);
      const partnerOptions = f.spec.kind === 'partner' || f.spec.kind === 'partners';
      return {
        key: f.spec.key,
        object: f.spec.object,
        name: f.name,
        label: text.label,
        description: `${text.description} ${MANAGED_MARKER}.`.trim(),
        groupName: GROUP_NAME,
        ...shape(f.spec.kind, f.spec.key),
        hidden: f.spec.key === 'task.marker',
        options: partnerOptions ? null : configOptions(f.spec.key, program, f),
        partnerOptions,
      };
    });
}

export function isManaged(description: string | undefined): boolean {
  return (description ?? '').includes(MANAGED_MARKER);
}
