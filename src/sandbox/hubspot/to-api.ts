// Records in the shape of HubSpot's v3 object APIs (SimplePublicObject[WithAssociations]):
// ISO dates (the SDK turns them into Date), `properties` with null for requested properties
// without a value, `propertiesWithHistory` newest first.

import type { HsObjectType } from './object-types.ts';
import { DEFAULT_READ_PROPERTIES } from './property-defs.ts';
import { historyOf, type HsRecord } from './records.ts';
import type { HubspotState, HsRecordView } from './state.ts';

export interface ReadShape {
  /** Requested property names; undefined = the type's defaults. */
  properties?: readonly string[] | undefined;
  propertiesWithHistory?: readonly string[] | undefined;
  /** v3 `associations=companies,deals` on GET and list. */
  associations?: readonly string[] | undefined;
}

/** The property names a read returns: requested ones that exist, or the defaults. */
export function propertyNames(
  state: HubspotState,
  type: HsObjectType,
  requested: readonly string[] | undefined,
  always: readonly string[] = [],
): string[] {
  if (!requested || requested.length === 0) return [...DEFAULT_READ_PROPERTIES[type]];
  const defs = state.properties[type];
  const names = new Set<string>();
  for (const name of [...requested, ...always]) if (defs.has(name)) names.add(name);
  return [...names];
}

export function propertiesOf(
  state: HubspotState,
  type: HsObjectType,
  view: HsRecordView,
  names: readonly string[],
): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const name of names) out[name] = state.readProp(type, view, name);
  return out;
}

export function recordToApi(
  state: HubspotState,
  type: HsObjectType,
  record: HsRecord,
  shape: ReadShape,
  always: readonly string[] = [],
): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id: record.id,
    properties: propertiesOf(state, type, record, propertyNames(state, type, shape.properties, always)),
    createdAt: new Date(record.createdAt).toISOString(),
    updatedAt: new Date(record.updatedAt).toISOString(),
    archived: record.archivedAt !== null,
  };
  if (record.archivedAt !== null) out['archivedAt'] = new Date(record.archivedAt).toISOString();
  if (shape.propertiesWithHistory && shape.propertiesWithHistory.length > 0) {
    out['propertiesWithHistory'] = historyToApi(state, type, record, shape.propertiesWithHistory);
  }
  if (shape.associations && shape.associations.length > 0) {
    const associations = associationsToApi(state, type, record.id, shape.associations);
    if (Object.keys(associations).length > 0) out['associations'] = associations;
  }
  return out;
}

function historyToApi(
  state: HubspotState,
  type: HsObjectType,
  record: HsRecord,
  names: readonly string[],
): Record<string, unknown[]> {
  const out: Record<string, unknown[]> = {};
  for (const name of names) {
    if (!state.properties[type].has(name)) continue;
    const computed =
      record.props[name] === undefined && !record.history?.[name] ? state.readProp(type, record, name) : null;
    const entries =
      computed !== null
        ? [{ value: computed, timestamp: record.updatedAt, sourceType: 'CALCULATED' }]
        : historyOf(record, name);
    out[name] = [...entries].reverse().map((e) => {
      const entry: Record<string, unknown> = {
        value: e.value,
        timestamp: new Date(e.timestamp).toISOString(),
        sourceType: e.sourceType,
      };
      if (e.sourceId !== undefined) entry['sourceId'] = e.sourceId;
      return entry;
    });
  }
  return out;
}

/** v3 association names: "deal_to_company" for the primary link, "…_unlabeled" otherwise. */
function associationsToApi(
  state: HubspotState,
  type: HsObjectType,
  id: string,
  toTypes: readonly string[],
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const singular = (t: HsObjectType): string => t.replace(/ies$/, 'y').replace(/s$/, '');
  for (const toName of toTypes) {
    const to = (['deals', 'companies', 'tasks'] as const).find((t) => t === toName || singular(t) === toName);
    if (!to || to === type) continue;
    const results: { id: string; type: string }[] = [];
    for (const link of state.associations.list(type, id, to)) {
      for (const typeId of link.typeIds) {
        const primary = typeId === 5 || typeId === 6;
        results.push({ id: link.toId, type: `${singular(type)}_to_${singular(to)}${primary ? '' : '_unlabeled'}` });
      }
    }
    if (results.length > 0) out[to] = { results };
  }
  return out;
}
