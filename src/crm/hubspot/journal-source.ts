// `crm.hubspot.events: journal` — change events without a public URL: `serve` polls HubSpot's
// local webhooks journal from the offset kept in the store (event checkpoint "offset"), turns the
// entries' deal and company events into the same debounced targeted sync the webhook route
// feeds, and stores the new offset only once that sync succeeded, so a restart resumes where the
// last consumed entry ended and nothing is lost. When the stored offset is older than the
// journal keeps (about three days), it says so and asks for an incremental sync with link
// refresh, then goes on from the newest entry. See docs/crm-notes.md, "Webhooks journal".

import type { ChangedRecords, EventSource, EventSourceContext } from '../events.ts';
import { JournalOffsetGone, type JournalClient } from './journal-client.ts';
import type { JournalEventRaw, JournalFetchRaw } from './journal-schemas.ts';

const DEAL_TYPE = '0-3';
const COMPANY_TYPE = '0-2';
/** Stored when the journal was empty at the first start: every entry that appears later is new. */
export const FROM_EARLIEST = 'earliest';
/** The checkpoint key (stored as `hubspot-journal:offset`). */
export const OFFSET_KEY = 'offset';

export interface JournalSourceOptions {
  client: JournalClient;
  /** The HubSpot account (portal) id: the local journal of this install. */
  portalId: () => Promise<string>;
  pollMs: number;
  /** Entries read per request (at most 100). */
  batchSize?: number;
  /** Waits after a failed poll: doubles from `pollMs` up to this. */
  maxBackoffMs?: number;
}

/** The deals and partners an entry's events name. A link change re-reads the deal (its links come with it). */
export function recordsOfEvents(events: readonly JournalEventRaw[]): ChangedRecords {
  const deals = new Set<string>();
  const partners = new Set<string>();
  for (const e of events) {
    if (e.associatedObjectTypeId !== undefined && e.associatedObjectId !== undefined) {
      if (e.objectTypeId === DEAL_TYPE) deals.add(e.objectId);
      else if (e.associatedObjectTypeId === DEAL_TYPE) deals.add(e.associatedObjectId);
      else if (e.objectTypeId === COMPANY_TYPE) partners.add(e.objectId);
      continue;
    }
    if (e.objectTypeId === DEAL_TYPE) deals.add(e.objectId);
    else if (e.objectTypeId === COMPANY_TYPE) partners.add(e.objectId);
  }
  return { deals: [...deals], partners: [...partners] };
}

/** Resolves after `ms`, or at once when the service stops. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

export function hubspotJournalSource(options: JournalSourceOptions): EventSource {
  const batchSize = Math.min(options.batchSize ?? 100, 100);
  const maxBackoffMs = options.maxBackoffMs ?? 30_000;
  const stopper = new AbortController();
  let loop: Promise<void> | null = null;

  /** Where to read from: the stored offset, or on a first start the newest entry (checks the credentials too). */
  async function begin(ctx: EventSourceContext): Promise<{ portalId: string; position: string }> {
    const portalId = await options.portalId();
    const stored = await ctx.checkpoint.get(OFFSET_KEY);
    if (stored !== null) {
      await options.client.latest(portalId, 1); // the token and scopes work
      ctx.log.info({ offset: stored }, 'hubspot journal: resuming from the stored offset');
      return { portalId, position: stored };
    }
    // First start: what happened before is the scheduled syncs' business; from now on, the journal's.
    const [newest] = await options.client.latest(portalId, 1);
    const position = newest?.currentOffset ?? FROM_EARLIEST;
    await ctx.checkpoint.set(OFFSET_KEY, position);
    ctx.log.info({ offset: position }, 'hubspot journal: no stored offset; reading from the newest entry on');
    return { portalId, position };
  }

  async function run(ctx: EventSourceContext, signal: AbortSignal, portalId: string, from: string): Promise<void> {
    const { client } = options;
    let position = from;
    let backoff = options.pollMs;
    while (!signal.aborted) {
      try {
        const entries =
          position === FROM_EARLIEST
            ? await client.earliest(portalId, batchSize)
            : await client.next(portalId, position, batchSize);
        if (entries.length === 0) {
          backoff = options.pollMs;
          await pause(options.pollMs, signal);
          continue;
        }
        await consume(ctx, portalId, entries);
        position = entries.at(-1)?.currentOffset ?? position;
        await ctx.checkpoint.set(OFFSET_KEY, position);
        backoff = options.pollMs;
      } catch (err) {
        if (stopped(signal)) return;
        if (err instanceof JournalOffsetGone && position !== FROM_EARLIEST) {
          position = await recover(ctx, portalId, position);
          continue;
        }
        ctx.log.error({ err, offset: position }, 'hubspot journal: reading or syncing failed; trying again');
        await pause(backoff, signal);
        backoff = Math.min(backoff * 2, maxBackoffMs);
      }
    }
  }

  /** Reads the entries' events and waits for the targeted sync of what they name. */
  async function consume(
    ctx: EventSourceContext,
    portalId: string,
    entries: readonly JournalFetchRaw[],
  ): Promise<void> {
    const deals = new Set<string>();
    const partners = new Set<string>();
    for (const entry of entries) {
      let events: JournalEventRaw[];
      try {
        events = await options.client.events(portalId, entry);
      } catch (err) {
        if (!(err instanceof JournalOffsetGone) && !isBadPayload(err)) throw err;
        // an unreadable or vanished entry: reported, and its changes left to an incremental sync
        ctx.log.error({ err, offset: entry.currentOffset }, 'hubspot journal: an entry could not be read');
        await ctx.requestSync({ refreshLinks: true, reason: `journal entry ${entry.currentOffset} could not be read` });
        continue;
      }
      const named = recordsOfEvents(events);
      for (const d of named.deals) deals.add(d);
      for (const p of named.partners) partners.add(p);
    }
    await ctx.onChanges({ deals: [...deals], partners: [...partners] });
  }

  /** The stored offset is out of the journal's retention: say so, sync wider, go on from the newest entry. */
  async function recover(ctx: EventSourceContext, portalId: string, lost: string): Promise<string> {
    ctx.log.warn(
      { offset: lost },
      "hubspot journal: the stored offset is older than HubSpot's webhooks journal keeps (about three days); changes since may be lost: running an incremental sync with link refresh",
    );
    // the newest entry is taken before the sync: whatever changes during it is read afterwards
    const [newest] = await options.client.latest(portalId, 1);
    await ctx.requestSync({
      refreshLinks: true,
      reason: `the stored webhooks journal offset ${lost} is no longer in HubSpot's journal`,
    });
    const position = newest?.currentOffset ?? FROM_EARLIEST;
    await ctx.checkpoint.set(OFFSET_KEY, position);
    return position;
  }

  return {
    name: 'hubspot-journal',
    async start(ctx) {
      // a journal that cannot be read at all (credentials, scopes) stops `serve` from starting
      const { portalId, position } = await begin(ctx);
      const signal = AbortSignal.any([ctx.signal, stopper.signal]);
      loop = run(ctx, signal, portalId, position).catch((err: unknown) => {
        if (!signal.aborted) ctx.log.error({ err }, 'hubspot journal: stopped polling');
      });
    },
    async stop() {
      stopper.abort();
      await loop;
    },
  };
}

/** Read anew each time: the signal changes under an awaited call. */
const stopped = (signal: AbortSignal): boolean => signal.aborted;

function isBadPayload(err: unknown): boolean {
  return typeof err === 'object' && err !== null && 'kind' in err && err.kind === 'bad_payload';
}
