// Change events from a CRM: the contract every event source implements (docs/architecture.md,
// "Event sources"). A provider contributes long-lived sources (a poller of HubSpot's webhooks
// journal, a Salesforce change-event stream) and HTTP receivers (HubSpot's signed webhooks); the
// service starts the sources, mounts the receivers, and turns what they report into debounced
// targeted syncs. Nothing here knows express or any one CRM.

import type { Logger } from '../log.ts';

/** Records a change event names, by their CRM ids. */
export interface ChangedRecords {
  deals: readonly string[];
  partners: readonly string[];
}

/**
 * Where a source keeps its position (a journal offset, a replay id per channel), in the store,
 * scoped to the CRM account. Keys are the source's own ("journal", "/data/OpportunityChangeEvent").
 */
export interface EventCheckpoint {
  get(key: string): Promise<string | null>;
  set(key: string, value: string): Promise<void>;
}

export interface EventSourceContext {
  checkpoint: EventCheckpoint;
  /**
   * Queues a targeted sync of these records (gathered with other changes for a short debounce).
   * Resolves when a sync that read them has finished successfully, so a source can commit its
   * position only after the change is consumed; rejects when that sync failed or was stopped.
   */
  onChanges(records: ChangedRecords): Promise<void>;
  /**
   * Asks for an incremental sync instead of targeted reads: events were lost (a position older
   * than the CRM keeps, an overflow), so only a wider read is safe. Resolves when it finished.
   */
  requestSync(request: { refreshLinks: boolean; reason: string }): Promise<void>;
  log: Logger;
  /** Aborted when the service stops. */
  signal: AbortSignal;
}

/** A long-lived source of change events (polling or streaming). */
export interface EventSource {
  /** Names the source in logs and metrics ("hubspot-journal", "salesforce-cdc"). */
  readonly name: string;
  /** Starts consuming; resolves once running (not when the stream ends). */
  start(ctx: EventSourceContext): Promise<void>;
  /** Stops consuming and waits for work in flight; safe to call twice. */
  stop(): Promise<void>;
}

/** Header values as received (lower-case names). */
export type RequestHeaders = Readonly<Record<string, string | undefined>>;

export type ReceiverVerdict =
  { ok: true } | { ok: false; status: 400 | 401 | 404; code: string; message: string; metric: string };

/**
 * A webhook endpoint, described without any HTTP framework: core mounts it at
 * `POST /v1/webhooks/{path}`, hands it the raw bytes (signatures cover them), and queues what
 * `parse` returns. Deliveries a receiver has seen before are dropped by their `eventIds`.
 */
export interface HttpReceiver {
  readonly name: string;
  /** The last path segment under /v1/webhooks/ ("hubspot"). */
  readonly path: string;
  /** Checks authenticity before anything is parsed. `url` is the full URL the sender called. */
  verify(rawBody: Buffer, headers: RequestHeaders, url: string, now: number): ReceiverVerdict;
  /** The events of a verified delivery; throws ReceiverPayloadError for a body it cannot read. */
  parse(rawBody: Buffer): { eventIds: readonly string[]; records: ChangedRecords }[];
}

/** A verified delivery whose body is unreadable: answered 400, nothing is queued. */
export class ReceiverPayloadError extends Error {
  override readonly name = 'ReceiverPayloadError';
}
