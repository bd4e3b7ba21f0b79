// `provision`: reads what HubSpot has (property groups, properties, pipelines, partner
// companies), plans (provision-plan.ts), and unless it is a dry run or a conflict stands in the
// way, applies the plan: groups first, then new properties, then updates. Idempotent: a second
// run plans nothing but "ok".

import type { Stage } from '../../domain/snapshot.ts';
import type { Logger } from '../../log.ts';
import type { ProvisionPlan } from '../port.ts';
import type { FieldMap, HubspotObject } from './field-map.ts';
import type { HubspotApi } from './hubspot-api.ts';
import type { PartnerName } from './partner-options.ts';
import { planProvision, type PlannedWork } from './provision-plan.ts';
import type { DesiredProperty } from './property-specs.ts';
import type { PropertyRaw } from './raw-schemas.ts';
import {
  createGroup,
  createProperty,
  listGroups,
  listPipelines,
  listProperties,
  searchObjects,
  updateGroup,
  updateProperty,
  type SearchFilter,
} from './requests.ts';
import { buildStageMap } from './stage-map.ts';

export interface ProvisionDeps {
  api: HubspotApi;
  fields: FieldMap;
  desired: readonly DesiredProperty[];
  where: Readonly<Record<string, string>>;
  stageOverrides: Readonly<Record<string, Stage>>;
  logger: Logger;
}

const OBJECTS: readonly HubspotObject[] = ['deals', 'companies', 'tasks'];

/** Every partner company's id and name (a search on the partner filter, keyset-paged). */
export async function listPartnerNames(
  api: HubspotApi,
  where: Readonly<Record<string, string>>,
  nameProperty: string,
): Promise<PartnerName[]> {
  const filters: SearchFilter[] = Object.entries(where).map(([propertyName, value]) => ({
    propertyName,
    operator: 'EQ',
    value,
  }));
  const out: PartnerName[] = [];
  let lastId: string | null = null;
  for (;;) {
    const page = await searchObjects(api, 'companies', {
      groups: [filters],
      properties: [nameProperty],
      afterId: lastId,
    });
    out.push(...page.results.map((r) => ({ id: r.id, name: r.properties[nameProperty] ?? null })));
    lastId = page.results.at(-1)?.id ?? lastId;
    if (page.paging?.next === undefined || page.results.length === 0) return out;
  }
}

async function apply(api: HubspotApi, work: PlannedWork): Promise<void> {
  switch (work.kind) {
    case 'createGroup':
      await createGroup(api, work.object, work.name, work.label);
      return;
    case 'updateGroup':
      await updateGroup(api, work.object, work.name, work.label);
      return;
    case 'createProperty':
      await createProperty(api, work.object, work.input);
      return;
    case 'updateProperty':
      await updateProperty(api, work.object, work.name, work.input);
      return;
  }
}

const ORDER: Readonly<Record<PlannedWork['kind'], number>> = {
  createGroup: 0,
  updateGroup: 1,
  createProperty: 2,
  updateProperty: 3,
};

export async function provision(deps: ProvisionDeps, options: { dryRun: boolean }): Promise<ProvisionPlan> {
  const { api } = deps;
  const existing = new Map<HubspotObject, Map<string, PropertyRaw>>();
  const groups = new Map<HubspotObject, Map<string, string>>();
  for (const object of OBJECTS) {
    existing.set(object, new Map((await listProperties(api, object)).map((p) => [p.name, p])));
    groups.set(
      object,
      new Map((await listGroups(api, object)).filter((g) => g.archived !== true).map((g) => [g.name, g.label])),
    );
  }
  const partners = await listPartnerNames(api, deps.where, deps.fields.name('partner.name'));
  const stages = deps.fields.get('deal.stage').mapped
    ? null
    : buildStageMap(await listPipelines(api), deps.stageOverrides);
  const changes = planProvision({ fields: deps.fields, desired: deps.desired, existing, groups, partners, stages });
  const actions = changes.map((c) => c.action);
  if (options.dryRun || actions.some((a) => a.action === 'conflict')) return { actions, applied: false };
  const work = changes
    .map((c) => c.work)
    .filter((w): w is PlannedWork => w !== null)
    .sort((a, b) => ORDER[a.kind] - ORDER[b.kind]);
  for (const w of work) await apply(api, w);
  deps.logger.info({ changes: work.length }, 'hubspot: provisioning applied');
  return { actions, applied: true };
}
