// The provisioning plan, computed from what HubSpot has and what partnersync wants, without side
// effects: create / update / ok / conflict per property group, property and stage mapping. Rules:
// never delete; never change a property without the "Managed by partnersync" marker (say which
// `crm.mappings` entry would resolve it); option lists are merged, never cut.

import type { ProvisionAction } from '../port.ts';
import type { FieldKind, FieldMap, HubspotObject, ResolvedField } from './field-map.ts';
import { mergePartnerOptions, type PartnerName, type PartnerOption } from './partner-options.ts';
import { GROUPS, isManaged, type DesiredOption, type DesiredProperty } from './property-specs.ts';
import type { PropertyCreateInput, PropertyInput } from './requests.ts';
import type { PropertyRaw } from './raw-schemas.ts';
import type { StageMap } from './stage-map.ts';

export type PlannedWork =
  | { kind: 'createGroup' | 'updateGroup'; object: HubspotObject; name: string; label: string }
  | { kind: 'createProperty'; object: HubspotObject; input: PropertyCreateInput }
  | { kind: 'updateProperty'; object: HubspotObject; name: string; input: PropertyInput };

export interface PlannedChange {
  action: ProvisionAction;
  work: PlannedWork | null;
}

export interface PlanInput {
  fields: FieldMap;
  desired: readonly DesiredProperty[];
  existing: ReadonlyMap<HubspotObject, ReadonlyMap<string, PropertyRaw>>;
  groups: ReadonlyMap<HubspotObject, ReadonlyMap<string, string>>;
  /** Every partner company now (for the partner pickers' options). */
  partners: readonly PartnerName[];
  stages: StageMap | null;
}

const OBJECT_NOUN: Readonly<Record<HubspotObject, string>> = {
  deals: 'deal',
  companies: 'company',
  tasks: 'task',
  contacts: 'contact',
};
const target = (object: HubspotObject, name: string): string => `${OBJECT_NOUN[object]} property ${name}`;

/** HubSpot property types a canonical field can live in, when partnersync does not manage it. */
const COMPATIBLE: Readonly<Record<FieldKind, readonly string[] | null>> = {
  text: null,
  number: ['number', 'string'],
  date: ['date', 'datetime', 'string'],
  enum: ['enumeration', 'string', 'bool'],
  partner: ['enumeration', 'string', 'number'],
  partners: ['enumeration', 'string'],
  stage: ['enumeration'],
  owner: ['enumeration', 'string', 'number'],
};

const isResult = (key: string): boolean =>
  /^(deal\.(commissionAmount|attributionSummary)|partner\.(health|alert|tierEarned|attributed|pipeline|winRate|lastActivity|fitScore|fitBand))/.test(
    key,
  );

function compatible(field: ResolvedField, existing: PropertyRaw): string | null {
  const allowed = isResult(field.spec.key) && field.spec.kind === 'text' ? ['string'] : COMPATIBLE[field.spec.kind];
  if (allowed === null || allowed.includes(existing.type)) return null;
  return `${existing.name} is of type ${existing.type}; ${field.spec.key} needs ${allowed.join(' or ')}`;
}

const normalise = (o: {
  value: string;
  label: string;
  hidden?: boolean | undefined;
  description?: string | undefined;
}): string => JSON.stringify([o.value, o.label, o.hidden ?? false, o.description ?? '']);

/** Existing options plus the desired ones (added or brought up to date), in config order, extras kept after. */
export function mergeConfigOptions(
  existing: readonly PartnerOption[],
  desired: readonly DesiredOption[],
): { options: PartnerOption[]; changes: string[] } | null {
  const byValue = new Map(existing.map((o) => [o.value, o]));
  const changes: string[] = [];
  const merged: PartnerOption[] = desired.map((d) => {
    const current = byValue.get(d.value);
    if (!current) changes.push(`add option ${d.value} "${d.label}"`);
    else if (normalise(current) !== normalise(d))
      changes.push(`update option ${d.value} "${d.label}"${d.hidden ? ' (hidden)' : ''}`);
    const option: PartnerOption = { value: d.value, label: d.label, hidden: d.hidden };
    if (d.description !== undefined) option.description = d.description;
    return option;
  });
  const wanted = new Set(desired.map((d) => d.value));
  // Options the config no longer names stay (records may hold them); they keep their place after ours.
  for (const o of existing) if (!wanted.has(o.value)) merged.push(o);
  merged.forEach((o, i) => {
    o.displayOrder = i;
  });
  return changes.length === 0 ? null : { options: merged, changes };
}

/** A property's options in display order, in the shape the mergers take. */
export function optionsOf(p: PropertyRaw): PartnerOption[] {
  return [...(p.options ?? [])]
    .sort((a, b) => (a.displayOrder ?? 0) - (b.displayOrder ?? 0))
    .map((o) => {
      const option: PartnerOption = { value: o.value, label: o.label, hidden: o.hidden ?? false };
      if (o.description !== undefined && o.description !== '') option.description = o.description;
      return option;
    });
}

function resolutionHint(field: ResolvedField): string {
  return `to use it as it is (partnersync reads and writes its values but never changes its definition), add to the config: crm.mappings: { "${field.spec.key}": { field: ${field.name} } }; or map ${field.spec.key} to another property name and partnersync creates that one`;
}

function createInput(d: DesiredProperty, partners: readonly PartnerName[]): PropertyCreateInput {
  const input: PropertyCreateInput = {
    name: d.name,
    label: d.label,
    description: d.description,
    groupName: d.groupName,
    type: d.type,
    fieldType: d.fieldType,
    hidden: d.hidden,
  };
  if (d.options) input.options = d.options.map((o, i) => ({ ...o, displayOrder: i }));
  if (d.partnerOptions) input.options = mergePartnerOptions([], { partners, removed: [], complete: true }) ?? [];
  return input;
}

/** What to change on a property partnersync manages, and how to say it. */
function updateFor(
  d: DesiredProperty,
  p: PropertyRaw,
  partners: readonly PartnerName[],
): { input: PropertyInput; details: string[] } {
  const input: PropertyInput = {};
  const details: string[] = [];
  if (p.type !== d.type || p.fieldType !== d.fieldType) {
    input.type = d.type;
    input.fieldType = d.fieldType;
    details.push(`type ${p.type}/${p.fieldType} → ${d.type}/${d.fieldType}`);
  }
  if (p.label !== d.label) {
    input.label = d.label;
    details.push(`label "${p.label}" → "${d.label}"`);
  }
  if ((p.description ?? '') !== d.description) {
    input.description = d.description;
    details.push('description');
  }
  if (p.groupName !== d.groupName) {
    input.groupName = d.groupName;
    details.push(`group ${p.groupName} → ${d.groupName}`);
  }
  if ((p.hidden ?? false) !== d.hidden) {
    input.hidden = d.hidden;
    details.push(d.hidden ? 'hide from forms' : 'show in forms');
  }
  if (d.options) {
    const merged = mergeConfigOptions(optionsOf(p), d.options);
    if (merged) {
      input.options = merged.options;
      details.push(...merged.changes);
    }
  }
  if (d.partnerOptions) {
    const existing = optionsOf(p);
    const merged = mergePartnerOptions(existing, { partners, removed: [], complete: true });
    if (merged) {
      input.options = merged;
      const before = new Map(existing.map((o) => [o.value, o]));
      const added = merged.filter((o) => !before.has(o.value)).length;
      const hidden = merged.filter((o) => o.hidden && before.get(o.value)?.hidden === false).length;
      const renamed = merged.filter((o) => {
        const e = before.get(o.value);
        return e !== undefined && e.label !== o.label;
      }).length;
      const parts = [
        added > 0 ? `${added} added` : '',
        renamed > 0 ? `${renamed} renamed` : '',
        hidden > 0 ? `${hidden} hidden (no longer partners)` : '',
      ].filter((x) => x !== '');
      details.push(
        `partner options (one per partner company): ${parts.length > 0 ? parts.join(', ') : 'sorted by name'}; ${merged.length} in all`,
      );
    }
  }
  return { input, details };
}

function planField(field: ResolvedField, desired: DesiredProperty | undefined, input: PlanInput): PlannedChange {
  const { object } = field.spec;
  const where = target(object, field.name);
  const existing = input.existing.get(object)?.get(field.name);
  if (!existing) {
    if (field.spec.standard || !desired) {
      return {
        action: {
          target: where,
          action: 'conflict',
          detail: `${field.spec.key} is mapped to ${field.name}, which does not exist in HubSpot; create it there or fix crm.mappings["${field.spec.key}"]`,
        },
        work: null,
      };
    }
    return {
      action: {
        target: where,
        action: 'create',
        detail: `${desired.label} (${desired.type}/${desired.fieldType}${desired.options ? `, ${desired.options.length} options` : desired.partnerOptions ? `, ${input.partners.length} partner options` : ''}) for ${field.spec.key}`,
      },
      work: { kind: 'createProperty', object, input: createInput(desired, input.partners) },
    };
  }
  if (!desired || !isManaged(existing.description)) {
    if (!field.spec.standard && !field.mapped) {
      return {
        action: {
          target: where,
          action: 'conflict',
          detail: `exists but is not managed by partnersync (its description lacks "Managed by partnersync"), so provisioning will not touch it; ${resolutionHint(field)}`,
        },
        work: null,
      };
    }
    const problem = compatible(field, existing);
    if (problem)
      return {
        action: {
          target: where,
          action: 'conflict',
          detail: `${problem}; map ${field.spec.key} to a suitable property in crm.mappings`,
        },
        work: null,
      };
    const why =
      field.spec.standard && !field.mapped ? "HubSpot's own property" : 'mapped in crm.mappings, used as it is';
    return { action: { target: where, action: 'ok', detail: `${field.spec.key}: ${why}` }, work: null };
  }
  const { input: update, details } = updateFor(desired, existing, input.partners);
  if (details.length === 0)
    return { action: { target: where, action: 'ok', detail: `${field.spec.key}: up to date` }, work: null };
  return {
    action: { target: where, action: 'update', detail: details.join('; ') },
    work: { kind: 'updateProperty', object, name: field.name, input: update },
  };
}

function planGroups(input: PlanInput, changes: readonly PlannedChange[]): PlannedChange[] {
  const out: PlannedChange[] = [];
  for (const g of GROUPS) {
    const needed = changes.some(
      (c) =>
        c.work &&
        c.work.kind !== 'createGroup' &&
        c.work.kind !== 'updateGroup' &&
        c.work.object === g.object &&
        ((c.work.kind === 'createProperty' && c.work.input.groupName === g.name) ||
          (c.work.kind === 'updateProperty' && c.work.input.groupName === g.name)),
    );
    const label = input.groups.get(g.object)?.get(g.name);
    const where = `${OBJECT_NOUN[g.object]} property group ${g.name}`;
    if (label === undefined) {
      if (needed)
        out.push({
          action: { target: where, action: 'create', detail: `"${g.label}"` },
          work: { kind: 'createGroup', object: g.object, name: g.name, label: g.label },
        });
      else if (input.desired.some((d) => d.object === g.object))
        out.push({
          action: { target: where, action: 'ok', detail: 'not needed: no property to place in it' },
          work: null,
        });
    } else if (label !== g.label) {
      out.push({
        action: { target: where, action: 'update', detail: `label "${label}" → "${g.label}"` },
        work: { kind: 'updateGroup', object: g.object, name: g.name, label: g.label },
      });
    } else {
      out.push({ action: { target: where, action: 'ok', detail: `"${label}"` }, work: null });
    }
  }
  return out;
}

function planStages(stages: StageMap | null): PlannedChange[] {
  if (!stages) return [];
  const all = stages.stages();
  const names = (outcome: string): string =>
    all
      .filter((s) => stages.outcome(s.id) === outcome)
      .map((s) => `${s.pipeline}/${s.label}`)
      .join(', ') || 'none';
  const out: PlannedChange[] = [
    {
      action: {
        target: 'deal stages',
        action: 'ok',
        detail: `${all.length} stages; won: ${names('won')}; lost: ${names('lost')}`,
      },
      work: null,
    },
  ];
  const unmapped = all.filter((s) => stages.outcome(s.id) === null);
  if (unmapped.length > 0) {
    out.push({
      action: {
        target: 'deal stages',
        action: 'conflict',
        detail: `no isClosed/probability metadata for ${unmapped.map((s) => s.id).join(', ')}; set crm.stages.overrides.<stageId> to open, won or lost`,
      },
      work: null,
    });
  }
  for (const id of stages.unknownOverrides()) {
    out.push({
      action: {
        target: `crm.stages.overrides.${id}`,
        action: 'conflict',
        detail: `no deal stage has the id ${id}; stage ids: ${all.map((s) => s.id).join(', ')}`,
      },
      work: null,
    });
  }
  return out;
}

export function planProvision(input: PlanInput): PlannedChange[] {
  const desiredByKey = new Map(input.desired.map((d) => [d.key, d]));
  const fieldChanges = input.fields.all().map((f) => planField(f, desiredByKey.get(f.spec.key), input));
  return [...planGroups(input, fieldChanges), ...fieldChanges, ...planStages(input.stages)];
}
