// The sandbox org's change-event bus: every write to an object whose change events are enabled
// (a PlatformEventChannelMember on the ChangeEvents channel) becomes a change event with a
// ChangeEventHeader, kept for a retention window (72 hours, shortenable in tests) under a replay
// id. Writes made in one synchronous step (one API request) form one transaction: one
// transactionKey, sequence numbers from 1; records changed the same way in it share one event.
// Test controls add gap and overflow events. Replay ids start from the clock at the log's
// creation, so an id from an earlier sandbox process is older than anything this one keeps.
// https://developer.salesforce.com/docs/platform/change-data-capture/guide/cdc-event-fields-header.html

import type { Clock } from '../../clock.ts';
import type { Rng } from '../../rng.ts';
import { bitmapOf } from '../../../crm/salesforce/pubsub/field-bitmap.ts';
import type { FieldValue } from '../schema/types.ts';
import type { OrgWrite, SalesforceOrg } from '../store/org.ts';
import { avroValue, changeSchemaOf, type ChangeSchema, type ChangeType } from './change-schema.ts';

export const DEFAULT_RETENTION_MS = 72 * 3_600_000;
export const CHANGE_EVENTS_CHANNEL = 'ChangeEvents';

export interface ChangeEventHeader {
  entityName: string;
  recordIds: string[];
  changeType: ChangeType;
  changeOrigin: string;
  transactionKey: string;
  sequenceNumber: number;
  commitTimestamp: number;
  commitNumber: number;
  commitUser: string;
  nulledFields: string[];
  diffFields: string[];
  changedFields: string[];
}

export interface LoggedEvent {
  replayId: bigint;
  /** The event's UUID (ProducerEvent.id). */
  id: string;
  topic: string;
  schemaId: string;
  payload: Buffer;
  at: number;
  header: ChangeEventHeader;
}

export type ReplayStatus = 'ok' | 'expired';

/** `/data/OpportunityChangeEvent` ↔ Opportunity. */
export const topicOf = (entity: string): string => `/data/${entity}ChangeEvent`;
export function entityOfTopic(topic: string): string | null {
  const m = /^\/data\/(\w+)ChangeEvent$/.exec(topic);
  return m?.[1] ?? null;
}

interface Pending {
  write: OrgWrite;
}

export class ChangeLog {
  readonly #org: SalesforceOrg;
  readonly #clock: Clock;
  readonly #rng: Rng;
  readonly #events: LoggedEvent[] = [];
  readonly #schemas = new Map<string, ChangeSchema>();
  readonly #listeners = new Set<() => void>();
  readonly #base: bigint;
  #next: bigint;
  /** The highest replay id purged (events after it are all still kept). */
  #purgedThrough: bigint;
  #pending: Pending[] = [];
  #commitNumber = 0;
  retentionMs = DEFAULT_RETENTION_MS;

  constructor(org: SalesforceOrg, clock: Clock, rng: Rng) {
    this.#org = org;
    this.#clock = clock;
    this.#rng = rng;
    this.#base = BigInt(Math.max(0, Math.floor(clock.now()))) * 1000n;
    this.#next = this.#base + 1n;
    this.#purgedThrough = this.#base;
  }

  /** Entities whose change events are selected on the ChangeEvents channel. */
  enabledEntities(): Set<string> {
    const out = new Set<string>();
    for (const row of this.#org.table('PlatformEventChannelMember')?.rows.values() ?? []) {
      if (row['IsDeleted'] === true || row['EventChannel'] !== CHANGE_EVENTS_CHANNEL) continue;
      const entity = entityOfTopic(`/data/${String(row['SelectedEntity'])}`);
      if (entity !== null) out.add(entity);
    }
    return out;
  }

  /** Called by the org after every write; events are cut when the current synchronous step ends. */
  record(write: OrgWrite): void {
    if (this.#pending.length === 0)
      queueMicrotask(() => {
        this.#flush();
      });
    this.#pending.push({ write });
  }

  /** Test control: a gap event (Salesforce could not build the event; only the ids are known). */
  gap(entity: string, recordIds: readonly string[], changeType: ChangeType = 'GAP_UPDATE'): void {
    this.#append(entity, this.#header(entity, changeType, [...recordIds], this.#transactionKey(), 1, ''), {});
    this.#notify();
  }

  /** Test control: an overflow event (a transaction changed more records than events can carry). */
  overflow(entity: string): void {
    this.#append(entity, this.#header(entity, 'GAP_OVERFLOW', [], this.#transactionKey(), 1, ''), {});
    this.#notify();
  }

  schema(id: string): ChangeSchema | undefined {
    return this.#schemas.get(id);
  }

  /** The current schema of an entity's events (registered so GetSchema finds it). */
  currentSchema(entity: string): ChangeSchema | null {
    const table = this.#org.table(entity);
    if (table === undefined) return null;
    const schema = changeSchemaOf(table);
    if (!this.#schemas.has(schema.id)) this.#schemas.set(schema.id, schema);
    return this.#schemas.get(schema.id) ?? schema;
  }

  /** The newest replay id given out (the log's start when there is none). */
  latest(): bigint {
    return this.#next - 1n;
  }

  /** The newest replay id of a topic's events (the log's start when it has none). */
  latestOf(topic: string): bigint {
    for (let i = this.#events.length - 1; i >= 0; i--) {
      const e = this.#events[i];
      if (e?.topic === topic) return e.replayId;
    }
    return this.#purgedThrough;
  }

  /** The replay id just before the oldest event kept. */
  earliest(): bigint {
    this.#purge();
    return this.#purgedThrough;
  }

  /** Whether a subscription may resume after this replay id: the events after it are all kept. */
  status(replayId: bigint): ReplayStatus {
    this.#purge();
    return replayId >= this.#purgedThrough && replayId < this.#next ? 'ok' : 'expired';
  }

  /** Events of a topic after a replay id, oldest first. */
  after(topic: string, replayId: bigint, limit: number): LoggedEvent[] {
    this.#purge();
    const out: LoggedEvent[] = [];
    for (const e of this.#events) {
      if (e.replayId <= replayId || e.topic !== topic) continue;
      out.push(e);
      if (out.length >= limit) break;
    }
    return out;
  }

  onAppend(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  /** Events currently kept, for inspection. */
  list(): readonly LoggedEvent[] {
    this.#purge();
    return this.#events;
  }

  #purge(): void {
    const horizon = this.#clock.now() - this.retentionMs;
    let n = 0;
    while (n < this.#events.length && (this.#events[n]?.at ?? Infinity) < horizon) n++;
    if (n === 0) return;
    const last = this.#events[n - 1];
    if (last !== undefined) this.#purgedThrough = last.replayId;
    this.#events.splice(0, n);
  }

  #flush(): void {
    const batch = this.#pending;
    this.#pending = [];
    const enabled = this.enabledEntities();
    const writes = batch.map((p) => p.write).filter((w) => enabled.has(w.object));
    if (writes.length === 0) return;
    const transactionKey = this.#transactionKey();
    let sequence = 0;
    // records changed the same way (object, kind, fields, values, user) in one transaction share an event
    const groups = new Map<string, OrgWrite[]>();
    for (const w of writes) {
      const values = w.changed.map((f) => [f, w.row[f] ?? null] as const);
      const key = JSON.stringify([w.object, w.changeType, w.userId, values]);
      const group = groups.get(key);
      if (group === undefined) groups.set(key, [w]);
      else group.push(w);
    }
    for (const group of groups.values()) {
      const first = group[0];
      if (first === undefined) continue;
      sequence++;
      const schema = this.currentSchema(first.object);
      if (schema === null) continue;
      const positions = (names: readonly string[]): number[] =>
        names.map((n) => schema.fieldNames.indexOf(n)).filter((p) => p > 0);
      const nulled = first.changeType === 'DELETE' ? [] : first.changed.filter((f) => first.row[f] === null);
      const changed = first.changeType === 'UPDATE' ? first.changed : [];
      const header = this.#header(
        first.object,
        first.changeType,
        group.map((w) => w.id),
        transactionKey,
        sequence,
        first.userId,
      );
      header.changedFields = changed.length === 0 ? [] : [bitmapOf(positions(changed))];
      header.nulledFields = nulled.length === 0 ? [] : [bitmapOf(positions(nulled))];
      const values: Record<string, FieldValue> = {};
      if (first.changeType === 'CREATE' || first.changeType === 'UNDELETE') Object.assign(values, first.row);
      else if (first.changeType === 'UPDATE') for (const f of first.changed) values[f] = first.row[f] ?? null;
      this.#append(first.object, header, values, first.at);
    }
    this.#notify();
  }

  #header(
    entity: string,
    changeType: ChangeType,
    recordIds: string[],
    transactionKey: string,
    sequenceNumber: number,
    user: string,
  ): ChangeEventHeader {
    return {
      entityName: entity,
      recordIds,
      changeType,
      changeOrigin: 'com/salesforce/api/rest/66.0',
      transactionKey,
      sequenceNumber,
      commitTimestamp: this.#clock.now(),
      commitNumber: ++this.#commitNumber,
      commitUser: user,
      nulledFields: [],
      diffFields: [],
      changedFields: [],
    };
  }

  #append(entity: string, header: ChangeEventHeader, values: Readonly<Record<string, FieldValue>>, at?: number): void {
    const schema = this.currentSchema(entity);
    if (schema === null) return;
    if (at !== undefined) header.commitTimestamp = at;
    const record: Record<string, unknown> = { ChangeEventHeader: header };
    for (const f of schema.fields) record[f.name] = f.name in values ? avroValue(f, values[f.name]) : null;
    const replayId = this.#next++;
    this.#events.push({
      replayId,
      id: this.#uuid(),
      topic: topicOf(entity),
      schemaId: schema.id,
      payload: schema.type.toBuffer(record),
      at: this.#clock.now(),
      header,
    });
  }

  #notify(): void {
    for (const l of this.#listeners) l();
  }

  #hex(n: number): string {
    let s = '';
    while (s.length < n)
      s += Math.floor(this.#rng.next() * 0x100000000)
        .toString(16)
        .padStart(8, '0');
    return s.slice(0, n);
  }

  #transactionKey(): string {
    const h = this.#hex(32);
    return `${h.slice(0, 5)}-${h.slice(5, 10)}-${h.slice(10, 15)}-${h.slice(15, 20)}`;
  }

  #uuid(): string {
    const h = this.#hex(32);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
  }
}

/** Replay ids on the wire: 8 bytes, big-endian. */
export function encodeReplayId(id: bigint): Buffer {
  const buf = Buffer.alloc(8);
  buf.writeBigUInt64BE(id < 0n ? 0n : id);
  return buf;
}

export function decodeReplayId(buf: Buffer): bigint | null {
  return buf.length === 8 ? buf.readBigUInt64BE() : null;
}
