// The HubSpot state in the state file: plain JSON, restored exactly (ids, histories, links,
// definitions). The search lag is not saved: a restored sandbox has indexed everything.

import { z } from 'zod';
import { OBJECT_TYPES, type HsObjectType } from './object-types.ts';
import type { HsGroupDef, HsPropertyDef } from './property-defs.ts';
import type { HsHistoryEntry, HsRecord } from './records.ts';
import { HubspotState, type HsOwner, type HsPipeline } from './state.ts';
import type { HsLink } from './associations.ts';

interface SavedRecord {
  id: string;
  c: number;
  u: number;
  a: number | null;
  s: string;
  p: Record<string, string>;
  h?: Record<string, HsHistoryEntry[]>;
}

interface SavedHubspot {
  version: 1;
  portalId: number;
  nextId: number;
  properties: Record<HsObjectType, HsPropertyDef[]>;
  groups: Record<HsObjectType, HsGroupDef[]>;
  records: Record<HsObjectType, SavedRecord[]>;
  associations: { from: HsObjectType; to: HsObjectType; fromId: string; links: HsLink[] }[];
  pipelines: HsPipeline[];
  owners: HsOwner[];
}

/** A saved file as read back: files saved before the sandbox served a type (contacts) lack its entries. */
type RestoredHubspot = Omit<SavedHubspot, 'properties' | 'groups' | 'records'> & {
  properties: Partial<SavedHubspot['properties']>;
  groups: Partial<SavedHubspot['groups']>;
  records: Partial<SavedHubspot['records']>;
};

export function serializeHubspot(state: HubspotState): SavedHubspot {
  const byType = <T>(f: (type: HsObjectType) => T): Record<HsObjectType, T> =>
    Object.fromEntries(OBJECT_TYPES.map((t) => [t, f(t)])) as Record<HsObjectType, T>;
  return {
    version: 1,
    portalId: state.portalId,
    nextId: state.nextId,
    properties: byType((t) => [...state.properties[t].values()]),
    groups: byType((t) => [...state.groups[t].values()]),
    records: byType((t) => state.tables[t].all().map(saveRecord)),
    associations: state.associations
      .entries()
      .map((e) => ({ ...e, links: e.links.map((l) => ({ toId: l.toId, typeIds: [...l.typeIds] })) })),
    pipelines: state.pipelines,
    owners: state.owners,
  };
}

function saveRecord(r: HsRecord): SavedRecord {
  const out: SavedRecord = { id: r.id, c: r.createdAt, u: r.updatedAt, a: r.archivedAt, s: r.source, p: r.props };
  if (r.history) out.h = r.history;
  return out;
}

const savedShape = z.object({ version: z.literal(1), portalId: z.number(), nextId: z.number() }).loose();

export function restoreHubspot(saved: unknown): HubspotState {
  const head = savedShape.safeParse(saved);
  if (!head.success) throw new Error(`sandbox state file: not a HubSpot sandbox state (${head.error.message})`);
  // The file was written by serializeHubspot; beyond the header it is trusted as is.
  const data = saved as RestoredHubspot;
  const state = new HubspotState(data.portalId, data.nextId);
  for (const type of OBJECT_TYPES) {
    for (const p of data.properties[type] ?? []) state.properties[type].set(p.name, p);
    for (const g of data.groups[type] ?? []) state.groups[type].set(g.name, g);
    for (const r of data.records[type] ?? []) {
      const record: HsRecord = {
        id: r.id,
        num: Number(r.id),
        createdAt: r.c,
        updatedAt: r.u,
        archivedAt: r.a,
        source: r.s,
        props: r.p,
      };
      if (r.h) record.history = r.h;
      state.tables[type].insert(record);
    }
  }
  for (const e of data.associations)
    for (const link of e.links) state.associations.addRaw(e.from, e.fromId, e.to, link);
  for (const p of data.pipelines) state.addPipeline(p);
  state.owners.push(...data.owners);
  return state;
}
