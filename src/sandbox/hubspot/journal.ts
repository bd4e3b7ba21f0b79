// The account's webhooks journal (2026-03): subscriptions made through the journal's
// subscription API decide which changes are kept; every change the sandbox makes (REST writes,
// `/__sandbox/mutate`, a rep moving a deal's company) becomes an event, and the events of one
// request are gathered into one journal entry with its own offset. An entry's events are read
// from a short-lived file URL, as HubSpot hands out a storage link rather than the data.
// Entries older than the retention (HubSpot keeps about three days) are dropped; an offset that
// is no longer kept is answered 404.
// https://developers.hubspot.com/docs/api-reference/latest/webhooks-journal/guide
//
// The file's content is not in HubSpot's OpenAPI document; the sandbox writes a JSON array of
// events, each `{ eventId, subscriptionId, portalId, objectTypeId, objectId, action, occurredAt,
// changedProperties?, associatedObjectTypeId?, associatedObjectId? }` (docs/crm-notes.md, journal).

import { createHmac } from 'node:crypto';
import type { Clock } from '../clock.ts';
import { OBJECT_TYPE_IDS, OBJECT_TYPES, type HsObjectType } from './object-types.ts';
import type { HsChange, HubspotState } from './state.ts';

export const JOURNAL_ACTIONS = [
  'CREATE',
  'UPDATE',
  'DELETE',
  'MERGE',
  'RESTORE',
  'ASSOCIATION_ADDED',
  'ASSOCIATION_REMOVED',
  'SNAPSHOT',
  'APP_INSTALL',
  'APP_UNINSTALL',
  'ADDED_TO_LIST',
  'REMOVED_FROM_LIST',
  'GDPR_DELETE',
] as const;
export type JournalAction = (typeof JOURNAL_ACTIONS)[number];

/** HubSpot keeps journal entries about three days. */
export const JOURNAL_RETENTION_MS = 3 * 86_400_000;
/** How long a file URL stays valid. */
export const JOURNAL_FILE_TTL_MS = 5 * 60_000;
/** The app every subscription belongs to (the sandbox has one). */
export const SANDBOX_APP_ID = 1;

export interface JournalSubscription {
  id: number;
  appId: number;
  portalId: number;
  subscriptionType: 'OBJECT' | 'ASSOCIATION';
  objectTypeId: string;
  actions: JournalAction[];
  /** OBJECT: the properties whose changes count ([] = every property). */
  properties: string[];
  /** ASSOCIATION: the object types on the other side of the link. */
  associatedObjectTypeIds: string[];
  /** Only these records ([] = every record). */
  objectIds: number[];
  createdAt: number;
  updatedAt: number;
}

export interface JournalEvent {
  eventId: string;
  subscriptionId: number;
  portalId: number;
  objectTypeId: string;
  objectId: number;
  action: JournalAction;
  occurredAt: string;
  changedProperties?: string[];
  associatedObjectTypeId?: string;
  associatedObjectId?: number;
}

export interface JournalEntry {
  offset: string;
  at: number;
  events: JournalEvent[];
}

interface SavedJournal {
  epoch: number;
  next: number;
  nextSubscription: number;
  subscriptions: JournalSubscription[];
  entries: JournalEntry[];
}

export class SandboxJournal {
  readonly #state: HubspotState;
  readonly #clock: Clock;
  readonly #secret: string;
  #retentionMs: number;
  /** Offsets are UUIDs made of the journal's epoch and a counter: unique, ordered, deterministic. */
  #epoch: number;
  #next = 1;
  #nextSubscription = 1;
  #subscriptions: JournalSubscription[] = [];
  #entries: JournalEntry[] = [];
  #pending: JournalEvent[] = [];
  #flushQueued = false;

  constructor(state: HubspotState, clock: Clock, options: { retentionMs?: number; saved?: unknown } = {}) {
    this.#state = state;
    this.#clock = clock;
    this.#retentionMs = options.retentionMs ?? JOURNAL_RETENTION_MS;
    this.#epoch = clock.now();
    const saved = options.saved as SavedJournal | undefined;
    if (saved !== undefined && typeof saved === 'object' && Array.isArray(saved.entries)) {
      this.#epoch = saved.epoch;
      this.#next = saved.next;
      this.#nextSubscription = saved.nextSubscription;
      this.#subscriptions = saved.subscriptions;
      this.#entries = saved.entries;
    }
    this.#secret = `journal-${String(state.portalId)}-${String(this.#epoch)}`;
    state.onChange = (change) => {
      this.#record(change);
    };
  }

  get retentionMs(): number {
    return this.#retentionMs;
  }

  /** Tests shorten the retention; entries older than it are dropped at the next read. */
  set retentionMs(ms: number) {
    this.#retentionMs = ms;
  }

  serialize(): SavedJournal {
    this.flush();
    return {
      epoch: this.#epoch,
      next: this.#next,
      nextSubscription: this.#nextSubscription,
      subscriptions: this.#subscriptions,
      entries: this.#entries,
    };
  }

  subscriptions(): readonly JournalSubscription[] {
    return this.#subscriptions;
  }

  subscription(id: number): JournalSubscription | undefined {
    return this.#subscriptions.find((s) => s.id === id);
  }

  /** Creates a subscription, or updates the one of the same type for the same object type and portal. */
  upsert(input: Omit<JournalSubscription, 'id' | 'appId' | 'createdAt' | 'updatedAt'>): JournalSubscription {
    const now = this.#clock.now();
    const existing = this.#subscriptions.find(
      (s) =>
        s.portalId === input.portalId &&
        s.subscriptionType === input.subscriptionType &&
        s.objectTypeId === input.objectTypeId,
    );
    if (existing !== undefined) {
      Object.assign(existing, input, { updatedAt: now });
      return existing;
    }
    const created: JournalSubscription = {
      ...input,
      id: this.#nextSubscription++,
      appId: SANDBOX_APP_ID,
      createdAt: now,
      updatedAt: now,
    };
    this.#subscriptions.push(created);
    return created;
  }

  remove(id: number): boolean {
    const before = this.#subscriptions.length;
    this.#subscriptions = this.#subscriptions.filter((s) => s.id !== id);
    return this.#subscriptions.length < before;
  }

  removePortal(portalId: number): number {
    const before = this.#subscriptions.length;
    this.#subscriptions = this.#subscriptions.filter((s) => s.portalId !== portalId);
    return before - this.#subscriptions.length;
  }

  /** The entries still kept, oldest first. */
  entries(): readonly JournalEntry[] {
    this.flush();
    const cutoff = this.#clock.now() - this.#retentionMs;
    const firstKept = this.#entries.findIndex((e) => e.at > cutoff);
    if (firstKept === -1) this.#entries = [];
    else if (firstKept > 0) this.#entries = this.#entries.slice(firstKept);
    return this.#entries;
  }

  /** The index of an offset among the kept entries, or -1 when it is unknown or no longer kept. */
  indexOf(offset: string): number {
    return this.entries().findIndex((e) => e.offset === offset);
  }

  entry(offset: string): JournalEntry | undefined {
    return this.entries().find((e) => e.offset === offset);
  }

  /** A signed link to an entry's events, valid for a few minutes. */
  fileLink(origin: string, entry: JournalEntry): { url: string; expiresAt: number } {
    const expiresAt = this.#clock.now() + JOURNAL_FILE_TTL_MS;
    const signature = this.#sign(entry.offset, expiresAt);
    return {
      url: `${origin}/journal-files/${entry.offset}.json?expires=${String(expiresAt)}&signature=${signature}`,
      expiresAt,
    };
  }

  /** Checks a file link's signature and lifetime. */
  checkLink(offset: string, expires: string, signature: string): 'ok' | 'expired' | 'forged' {
    const expiresAt = Number(expires);
    if (!Number.isInteger(expiresAt) || this.#sign(offset, expiresAt) !== signature) return 'forged';
    return this.#clock.now() >= expiresAt ? 'expired' : 'ok';
  }

  /** Closes the entry being gathered (the events of one request). */
  flush(): void {
    if (this.#pending.length === 0) return;
    this.#entries.push({ offset: this.#offset(), at: this.#clock.now(), events: this.#pending });
    this.#pending = [];
  }

  #sign(offset: string, expiresAt: number): string {
    return createHmac('sha256', this.#secret)
      .update(`${offset}:${String(expiresAt)}`)
      .digest('hex')
      .slice(0, 32);
  }

  #offset(): string {
    const epoch = this.#epoch.toString(16).padStart(12, '0').slice(-12);
    const n = (this.#next++).toString(16).padStart(12, '0');
    return `${epoch.slice(0, 8)}-${epoch.slice(8, 12)}-4000-8000-${n}`;
  }

  #record(change: HsChange): void {
    const now = this.#clock.now();
    const occurredAt = new Date(now).toISOString();
    for (const sub of this.#subscriptions) {
      if (sub.portalId !== this.#state.portalId) continue;
      const event = matchEvent(sub, change);
      if (event === null) continue;
      this.#pending.push({
        eventId: `${String(sub.id)}-${String(this.#next)}-${String(this.#pending.length + 1)}`,
        subscriptionId: sub.id,
        portalId: sub.portalId,
        occurredAt,
        ...event,
      });
    }
    if (this.#pending.length > 0 && !this.#flushQueued) {
      // every change of one request (or one sandbox control) lands in one entry
      this.#flushQueued = true;
      queueMicrotask(() => {
        this.#flushQueued = false;
        this.flush();
      });
    }
  }
}

type EventBody = Omit<JournalEvent, 'eventId' | 'subscriptionId' | 'portalId' | 'occurredAt'>;

function matchEvent(sub: JournalSubscription, change: HsChange): EventBody | null {
  if (change.kind === 'object') {
    if (sub.subscriptionType !== 'OBJECT' || sub.objectTypeId !== OBJECT_TYPE_IDS[change.type]) return null;
    if (!sub.actions.includes(change.action)) return null;
    if (sub.objectIds.length > 0 && !sub.objectIds.includes(Number(change.id))) return null;
    const properties =
      sub.properties.length === 0 ? change.properties : change.properties.filter((p) => sub.properties.includes(p));
    if (change.action === 'UPDATE' && properties.length === 0) return null;
    const body: EventBody = { objectTypeId: sub.objectTypeId, objectId: Number(change.id), action: change.action };
    if (change.action === 'UPDATE') body.changedProperties = properties;
    return body;
  }
  if (sub.subscriptionType !== 'ASSOCIATION') return null;
  const action: JournalAction = change.added ? 'ASSOCIATION_ADDED' : 'ASSOCIATION_REMOVED';
  if (!sub.actions.includes(action)) return null;
  // a link has two sides: the subscription's object type may be either
  const sides: [HsObjectType, string, HsObjectType, string][] = [
    [change.from, change.fromId, change.to, change.toId],
    [change.to, change.toId, change.from, change.fromId],
  ];
  for (const [type, id, other, otherId] of sides) {
    if (OBJECT_TYPE_IDS[type] !== sub.objectTypeId) continue;
    if (sub.associatedObjectTypeIds.length > 0 && !sub.associatedObjectTypeIds.includes(OBJECT_TYPE_IDS[other]))
      continue;
    if (sub.objectIds.length > 0 && !sub.objectIds.includes(Number(id))) continue;
    return {
      objectTypeId: sub.objectTypeId,
      objectId: Number(id),
      action,
      associatedObjectTypeId: OBJECT_TYPE_IDS[other],
      associatedObjectId: Number(otherId),
    };
  }
  return null;
}

/** The object types the journal can name (for the subscription API's checks). */
export const JOURNAL_OBJECT_TYPE_IDS: readonly string[] = OBJECT_TYPES.map((t) => OBJECT_TYPE_IDS[t]);
