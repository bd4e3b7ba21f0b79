// Change Data Capture through the Pub/Sub API (`crm.salesforce.events: cdc`): one Subscribe
// stream per channel (Opportunity and Account change events), flow-controlled, each event's
// ChangeEventHeader decoded from Avro. What the events name becomes a targeted sync (the same
// debounced path as HubSpot's webhooks, src/crm/events.ts); the channel's replay id is stored
// only after that sync finished, so a crash replays rather than loses. Before anything is read:
// events partnersync's own write-back caused are dropped (committed by the integration user, or
// changing only fields partnersync writes); gap events re-read the records they name; an
// overflow runs an incremental sync; a stored replay id the bus no longer keeps is reported and
// followed by an incremental sync. docs/crm-notes.md has the Salesforce facts behind this.
// https://developer.salesforce.com/docs/platform/change-data-capture/guide/cdc-event-fields-header.html
// https://developer.salesforce.com/docs/platform/change-data-capture/guide/cdc-other-events.html
// https://developer.salesforce.com/docs/platform/pub-sub-api/guide/flow-control.md

import type { ChangedRecords, EventSource, EventSourceContext } from '../events.ts';
import { DEAL_RESULT_KEYS, PARTNER_RESULT_KEYS, type FieldMap, type SfObject } from './fields.ts';
import { fieldsFromBitmaps } from './pubsub/field-bitmap.ts';
import {
  grpcStatus,
  PubSubConnection,
  pubSubErrorCode,
  type FetchResponse,
  type PubSubSession,
  type SubscribeCall,
} from './pubsub/pubsub-connection.ts';

/** Events requested at a time (the API's most). */
const BATCH = 100;
const REPLAY_CORRUPTED = 'sfdc.platform.eventbus.grpc.subscription.fetch.replayid.corrupted';
const GRPC_UNAUTHENTICATED = 16;
const GRPC_INVALID_ARGUMENT = 3;
/** Bookkeeping fields every update changes: they say nothing about who changed what. */
const AUDIT_FIELDS = new Set(['LastModifiedDate', 'LastModifiedById', 'SystemModstamp']);

export const CDC_CHANNELS: readonly { topic: string; object: SfObject }[] = [
  { topic: '/data/OpportunityChangeEvent', object: 'Opportunity' },
  { topic: '/data/AccountChangeEvent', object: 'Account' },
];

/** What the source needs of the connector: the session (and its renewal) and the field map. */
export interface CdcSession {
  session(): Promise<PubSubSession & { userId: string }>;
  renewSession(): Promise<unknown>;
}

export interface CdcSourceOptions {
  client: CdcSession;
  fields: FieldMap;
  endpoint: string;
  ca?: Buffer | undefined;
  channels?: readonly { topic: string; object: SfObject }[];
  /** Reconnection backoff after a failure (ms): doubles from `min` up to `max`. */
  backoff?: { minMs: number; maxMs: number };
}

export interface ChangeHeader {
  entityName: string;
  recordIds: string[];
  changeType: string;
  commitUser: string;
  changedFields: string[];
}

/** The API names partnersync writes on an object (its result fields). */
export function writtenFields(fields: FieldMap, object: SfObject): Set<string> {
  const keys = object === 'Account' ? Object.values(PARTNER_RESULT_KEYS) : Object.values(DEAL_RESULT_KEYS);
  const out = new Set<string>();
  for (const key of keys) if (fields.has(key) && fields.get(key).object === object) out.add(fields.get(key).apiName);
  return out;
}

/** True when partnersync's own write-back made this change: it is dropped before any read. */
export function isOwnChange(header: ChangeHeader, integrationUserId: string, written: ReadonlySet<string>): boolean {
  if (header.commitUser !== '' && sameId(header.commitUser, integrationUserId)) return true;
  if (header.changeType !== 'UPDATE') return false;
  const meaningful = header.changedFields.filter((f) => !AUDIT_FIELDS.has(f));
  return meaningful.length > 0 && meaningful.every((f) => written.has(f));
}

/** 15- and 18-character ids of one record compare equal. */
const sameId = (a: string, b: string): boolean => a.slice(0, 15) === b.slice(0, 15);

interface Batch {
  responses: FetchResponse[];
}

class Stopped extends Error {}

export class SalesforceCdcSource implements EventSource {
  readonly name = 'salesforce-cdc';
  readonly #options: CdcSourceOptions;
  #conn: PubSubConnection | null = null;
  readonly #calls = new Set<SubscribeCall>();
  #loops: Promise<void>[] = [];
  #stopped = false;

  constructor(options: CdcSourceOptions) {
    this.#options = options;
  }

  async start(ctx: EventSourceContext): Promise<void> {
    const client = this.#options.client;
    this.#conn = await PubSubConnection.open({
      endpoint: this.#options.endpoint,
      ca: this.#options.ca,
      session: () => client.session(),
    });
    ctx.signal.addEventListener('abort', () => {
      void this.stop();
    });
    for (const channel of this.#options.channels ?? CDC_CHANNELS)
      this.#loops.push(
        this.#run(ctx, channel.topic, channel.object).catch((err: unknown) => {
          ctx.log.error({ err, topic: channel.topic }, 'salesforce change events: channel stopped');
        }),
      );
  }

  /** True once `stop` was called. */
  get stopped(): boolean {
    return this.#stopped;
  }

  async stop(): Promise<void> {
    if (this.#stopped) {
      await Promise.all(this.#loops);
      return;
    }
    this.#stopped = true;
    for (const call of this.#calls) call.cancel();
    await Promise.all(this.#loops);
    this.#conn?.close();
  }

  /** Subscribes again after every failure (from the last committed replay id) until stopped. */
  async #run(ctx: EventSourceContext, topic: string, object: SfObject): Promise<void> {
    const { minMs, maxMs } = this.#options.backoff ?? { minMs: 500, maxMs: 30_000 };
    let delay = minMs;
    let resync: string | null = null;
    while (!this.#stopped) {
      const stored = (await ctx.checkpoint.get(topic)) ?? '';
      try {
        await this.#subscribe(ctx, topic, object, stored, resync);
        resync = null;
        delay = minMs;
      } catch (err) {
        if (this.stopped || err instanceof Stopped) return;
        resync = null;
        const code = pubSubErrorCode(err);
        const status = grpcStatus(err);
        if (stored !== '' && (code === REPLAY_CORRUPTED || (status === GRPC_INVALID_ARGUMENT && code === null))) {
          ctx.log.warn(
            { topic, replayId: stored, code },
            'salesforce change events: the stored replay id is past the retention window; events were lost',
          );
          await ctx.checkpoint.set(topic, '');
          resync = `${object} change events past retention`;
          continue;
        }
        if (status === GRPC_UNAUTHENTICATED) {
          ctx.log.info({ topic }, 'salesforce change events: session refused, renewing it');
          try {
            await this.#options.client.renewSession();
          } catch (renewErr) {
            ctx.log.warn({ err: renewErr, topic }, 'salesforce change events: could not renew the session');
          }
        } else ctx.log.warn({ err, topic, delayMs: delay }, 'salesforce change events: stream failed, reconnecting');
        await this.#sleep(delay, ctx.signal);
        delay = Math.min(maxMs, delay * 2);
      }
    }
  }

  #sleep(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      signal.addEventListener(
        'abort',
        () => {
          clearTimeout(t);
          resolve();
        },
        { once: true },
      );
    });
  }

  /**
   * One Subscribe stream: resolves when the server ends it, rejects on a stream error or when a
   * sync that should consume its events failed (the caller subscribes again from the last commit).
   */
  async #subscribe(
    ctx: EventSourceContext,
    topic: string,
    object: SfObject,
    stored: string,
    resync: string | null,
  ): Promise<void> {
    const conn = this.#conn;
    if (conn === null) throw new Stopped();
    const session = await this.#options.client.session();
    const written = writtenFields(this.#options.fields, object);
    const call = conn.subscribe();
    this.#calls.add(call);
    const queue: FetchResponse[] = [];
    const stream: { ended: boolean; failure: unknown; wake: (() => void) | null } = {
      ended: false,
      failure: null,
      wake: null,
    };
    const signal = (): void => {
      const w = stream.wake;
      stream.wake = null;
      w?.();
    };
    call.on('data', (res: FetchResponse) => {
      queue.push(res);
      signal();
    });
    call.on('error', (err: unknown) => {
      stream.failure ??= err;
      stream.ended = true;
      signal();
    });
    call.on('end', () => {
      stream.ended = true;
      signal();
    });
    call.write(
      stored === ''
        ? { topic_name: topic, replay_preset: 'LATEST', num_requested: BATCH }
        : {
            topic_name: topic,
            replay_preset: 'CUSTOM',
            replay_id: Buffer.from(stored, 'base64'),
            num_requested: BATCH,
          },
    );
    // Lost events first: an incremental sync, while the new subscription already collects what comes next.
    const lost = resync === null ? Promise.resolve() : ctx.requestSync({ refreshLinks: false, reason: resync });
    lost.catch(() => undefined); // awaited below; a failure then ends this subscription
    let committed = stored;
    try {
      for (;;) {
        if (queue.length === 0) {
          if (stream.ended) break;
          await new Promise<void>((resolve) => {
            stream.wake = resolve;
          });
          continue;
        }
        const batch: Batch = { responses: queue.splice(0) };
        await lost;
        const consumed = await this.#consume(ctx, conn, batch, object, session.userId, written);
        // consumed: its position is kept even when the source is stopping
        if (consumed.position !== null && consumed.position !== committed) {
          await ctx.checkpoint.set(topic, consumed.position);
          committed = consumed.position;
        }
        if (this.#stopped) throw new Stopped();
        if (consumed.events > 0 && !stream.ended) call.write({ num_requested: consumed.events });
      }
      await lost;
    } finally {
      this.#calls.delete(call);
      call.cancel();
    }
    const failure = stream.failure;
    if (failure !== null)
      throw failure instanceof Error ? failure : new Error('the change-event stream failed', { cause: failure });
  }

  /** Handles a batch of responses in order; answers the position to commit and the events seen. */
  async #consume(
    ctx: EventSourceContext,
    conn: PubSubConnection,
    batch: Batch,
    object: SfObject,
    integrationUserId: string,
    written: ReadonlySet<string>,
  ): Promise<{ position: string | null; events: number }> {
    const ids = new Set<string>();
    let overflow = false;
    let dropped = 0;
    let events = 0;
    let position: string | null = null;
    for (const res of batch.responses) {
      for (const e of res.events) {
        events++;
        const schema = await conn.schema(e.event.schema_id);
        const decoded = schema.type.fromBuffer(e.event.payload) as { ChangeEventHeader?: Record<string, unknown> };
        const raw = decoded.ChangeEventHeader ?? {};
        const text = (v: unknown): string => (typeof v === 'string' ? v : '');
        const list = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x) => typeof x === 'string') : []);
        const header: ChangeHeader = {
          entityName: text(raw['entityName']) || object,
          recordIds: list(raw['recordIds']),
          changeType: text(raw['changeType']),
          commitUser: text(raw['commitUser']),
          changedFields: fieldsFromBitmaps(list(raw['changedFields']), schema.fieldNames, (p) => schema.subFields(p)),
        };
        if (header.changeType === 'GAP_OVERFLOW') overflow = true;
        else if (header.changeType.startsWith('GAP_')) for (const id of header.recordIds) ids.add(id);
        else if (isOwnChange(header, integrationUserId, written)) dropped++;
        else for (const id of header.recordIds) ids.add(id);
        position = e.replay_id.toString('base64');
      }
      // an empty response (keepalive) carries the stream's position: nothing is pending before it
      if (res.events.length === 0 && res.latest_replay_id.length > 0)
        position = res.latest_replay_id.toString('base64');
    }
    if (dropped > 0) ctx.log.debug({ object, dropped }, 'salesforce change events: own write-backs dropped');
    if (overflow)
      await ctx.requestSync({ refreshLinks: false, reason: `${object} change events overflowed (GAP_OVERFLOW)` });
    if (ids.size > 0) {
      const records: ChangedRecords =
        object === 'Opportunity' ? { deals: [...ids], partners: [] } : { deals: [], partners: [...ids] };
      await ctx.onChanges(records);
    }
    return { position, events };
  }
}
