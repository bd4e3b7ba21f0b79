// The whole HubSpot account the sandbox emulates: records, property definitions and groups,
// associations, pipelines and owners, plus the few values HubSpot computes on read.

import { AssociationStore } from './associations.ts';
import { OBJECT_TYPES, type HsObjectType } from './object-types.ts';
import type { HsGroupDef, HsPropertyDef } from './property-defs.ts';
import { NO_RULES, type PortalRules } from './portal-rules.ts';
import { RecordTable, type HsRecord } from './records.ts';

export interface HsPipelineStage {
  id: string;
  label: string;
  displayOrder: number;
  isClosed: boolean;
  /** 1.0 = won, 0.0 = lost when closed. */
  probability: number;
}

export interface HsPipeline {
  id: string;
  label: string;
  displayOrder: number;
  createdAt: number;
  stages: HsPipelineStage[];
}

export interface HsOwner {
  id: string;
  userId: number;
  email: string;
  firstName: string;
  lastName: string;
  createdAt: number;
  archived: boolean;
}

/** The values a record exposes, live or as search last indexed it. */
export interface HsRecordView {
  id: string;
  createdAt: number;
  updatedAt: number;
  props: Readonly<Record<string, string>>;
}

/** A change to a record or a link, told to the journal (src/sandbox/hubspot/journal.ts). */
export type HsChange =
  | { kind: 'object'; type: HsObjectType; id: string; action: 'CREATE' | 'UPDATE' | 'DELETE'; properties: string[] }
  | { kind: 'link'; from: HsObjectType; fromId: string; to: HsObjectType; toId: string; added: boolean };

export class HubspotState {
  portalId: number;
  #nextId: number;
  readonly tables: Record<HsObjectType, RecordTable>;
  readonly properties: Record<HsObjectType, Map<string, HsPropertyDef>>;
  readonly groups: Record<HsObjectType, Map<string, HsGroupDef>>;
  readonly associations = new AssociationStore();
  readonly pipelines: HsPipeline[] = [];
  readonly owners: HsOwner[] = [];
  readonly #stages = new Map<string, HsPipelineStage>();
  /**
   * Moves on every change to the account (records, properties, links): what search keeps between
   * the pages of one query (search.ts) is stale once it moved.
   */
  generation = 0;
  /**
   * Records changed since search last looked (search.ts keeps an index by modified date and
   * catches up from here); null until a search builds that index.
   */
  changed: HsRecord[] | null = null;
  /** Set by the journal once the state is seeded or restored: every later change is told. */
  onChange: ((change: HsChange) => void) | null = null;
  /** The portal's write validation rules (enforced on the 2026-09 paths; portal-rules.ts). */
  rules: PortalRules = NO_RULES;
  /** The app (OAuth client id) behind each access token the token endpoint issued. */
  readonly tokenApps = new Map<string, string>();
  /** Requests per rolling ten seconds an external client keeps using, by app (rate-limit.ts). */
  readonly externalLoads = new Map<string, number>();

  /** A token's app: its OAuth client's, or the token itself (a private app or service key). */
  appOf(token: string): string {
    return this.tokenApps.get(token) ?? `token:${token}`;
  }

  constructor(portalId: number, firstId: number) {
    this.portalId = portalId;
    this.#nextId = firstId;
    this.tables = {
      deals: new RecordTable(),
      companies: new RecordTable(),
      tasks: new RecordTable(),
      contacts: new RecordTable(),
    };
    this.properties = { deals: new Map(), companies: new Map(), tasks: new Map(), contacts: new Map() };
    this.groups = { deals: new Map(), companies: new Map(), tasks: new Map(), contacts: new Map() };
    this.associations.onChange = (from, fromId, to, toId, added) => {
      this.generation += 1;
      this.onChange?.({ kind: 'link', from, fromId, to, toId, added });
    };
  }

  /** Tells the journal of a record's change (ids are unique across types, so the type is found). */
  recordChanged(record: HsRecord, action: 'CREATE' | 'UPDATE' | 'DELETE', properties: readonly string[] = []): void {
    this.generation += 1;
    if (this.changed !== null) this.changed.push(record);
    if (this.onChange === null) return;
    const type = OBJECT_TYPES.find((t) => this.tables[t].get(record.id) === record);
    if (type !== undefined) this.onChange({ kind: 'object', type, id: record.id, action, properties: [...properties] });
  }

  get nextId(): number {
    return this.#nextId;
  }

  /** Ids grow across all object types, as a HubSpot portal's do. */
  allocateId(): string {
    const id = this.#nextId;
    this.#nextId += 1;
    return String(id);
  }

  addPipeline(pipeline: HsPipeline): void {
    this.pipelines.push(pipeline);
    for (const stage of pipeline.stages) this.#stages.set(stage.id, stage);
  }

  stage(id: string): HsPipelineStage | undefined {
    return this.#stages.get(id);
  }

  newRecord(type: HsObjectType, props: Record<string, string>, at: number, source: string): HsRecord {
    const id = this.allocateId();
    const record: HsRecord = { id, num: Number(id), createdAt: at, updatedAt: at, archivedAt: null, props, source };
    this.tables[type].insert(record);
    this.recordChanged(record, 'CREATE', Object.keys(props));
    return record;
  }

  /** A property's value as HubSpot answers it, computed ones included; null when it has none. */
  readProp(type: HsObjectType, view: HsRecordView, name: string): string | null {
    switch (name) {
      case 'hs_object_id':
        return view.id;
      case 'hs_lastmodifieddate':
        return new Date(view.updatedAt).toISOString();
      case 'lastmodifieddate':
        // contacts name their modified date without the hs_ prefix
        return type === 'contacts' ? new Date(view.updatedAt).toISOString() : (view.props[name] ?? null);
      case 'createdate':
        return type === 'tasks' ? null : new Date(view.createdAt).toISOString();
      case 'hs_createdate':
        return type === 'tasks' ? new Date(view.createdAt).toISOString() : null;
      case 'hs_is_closed':
      case 'hs_is_closed_won': {
        if (type !== 'deals') return null;
        const stage = this.stage(view.props['dealstage'] ?? '');
        if (!stage) return 'false';
        return String(name === 'hs_is_closed' ? stage.isClosed : stage.isClosed && stage.probability >= 1);
      }
      default:
        return view.props[name] ?? null;
    }
  }
}
