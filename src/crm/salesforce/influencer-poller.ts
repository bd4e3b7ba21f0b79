// OpportunityPartner has no change events (Change Data Capture does not support it), so with
// `crm.salesforce.events: cdc` the influencer links are polled while `serve` runs, every
// `crm.salesforce.influencerPollSeconds`, on their own cursor (SystemModstamp, then Id, through
// queryAll so removed links show too). The deals of changed links become a targeted sync; the
// cursor is stored only after that sync finished. The first poll only finds where "now" is
// (the org's clock).
// https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_opportunitypartner.htm

import type { EventSource, EventSourceContext } from '../events.ts';
import { after } from './pull.ts';
import { parseRecords, queryPages } from './query.ts';
import { opportunityPartnerRaw, OPPORTUNITY_PARTNER_FIELDS, parseSalesforceDateTime } from './records.ts';
import type { SalesforceClient } from './salesforce-client.ts';
import { select, type SoqlAllowList } from './soql.ts';

const KEY = 'OpportunityPartner';
/** An id below every real one, for a cursor that has seen no row yet. */
const LOWEST_ID = '000000000000000AAA';
const ORDER = ['SystemModstamp', 'Id'];

interface Mark {
  ts: string;
  id: string;
}

export interface InfluencerPollerOptions {
  client: SalesforceClient;
  allow: SoqlAllowList;
  intervalMs: number;
}

export class OpportunityPartnerPoller implements EventSource {
  readonly name = 'salesforce-influencers';
  readonly #options: InfluencerPollerOptions;
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<void> | null = null;
  #stopped = false;

  constructor(options: InfluencerPollerOptions) {
    this.#options = options;
  }

  start(ctx: EventSourceContext): Promise<void> {
    const tick = (): void => {
      if (this.#stopped) return;
      this.#running = this.poll(ctx)
        .catch((err: unknown) => {
          if (!this.#stopped) ctx.log.warn({ err }, 'salesforce influencer poll failed; trying again next time');
        })
        .finally(() => {
          this.#running = null;
          if (!this.#stopped) {
            this.#timer = setTimeout(tick, this.#options.intervalMs);
            this.#timer.unref();
          }
        });
    };
    ctx.signal.addEventListener('abort', () => {
      void this.stop();
    });
    tick();
    return Promise.resolve();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    await this.#running;
  }

  /** One poll: the deals whose influencer links changed since the cursor, synced, then the cursor moved. */
  async poll(ctx: EventSourceContext): Promise<void> {
    const stored = await ctx.checkpoint.get(KEY);
    const mark = stored === null || stored === '' ? null : (JSON.parse(stored) as Mark);
    if (mark === null) {
      await ctx.checkpoint.set(KEY, JSON.stringify(await this.#newest()));
      return;
    }
    const soql = select(this.#options.allow, {
      object: 'OpportunityPartner',
      fields: [...OPPORTUNITY_PARTNER_FIELDS],
      where: after(mark),
      orderBy: ORDER,
    });
    const deals = new Set<string>();
    let last: Mark | null = null;
    for await (const page of queryPages(this.#options.client, soql, { all: true, what: 'queryAll OpportunityPartner' }))
      for (const row of parseRecords(page.records, opportunityPartnerRaw, 'queryAll OpportunityPartner')) {
        deals.add(row.OpportunityId);
        last = markOf(row);
      }
    if (last === null) return;
    await ctx.onChanges({ deals: [...deals], partners: [] });
    await ctx.checkpoint.set(KEY, JSON.stringify(last));
  }

  /**
   * Where polling starts: the server's clock (its Date header, whole seconds, so rows changed
   * in that second are read once more rather than missed).
   */
  async #newest(): Promise<Mark> {
    const soql = select(this.#options.allow, { object: 'OpportunityPartner', fields: ['Id'], limit: 1 });
    for await (const page of queryPages(this.#options.client, soql, { what: 'query OpportunityPartner' }))
      if (page.serverTime !== null) return { ts: new Date(page.serverTime).toISOString(), id: LOWEST_ID };
    throw new Error('Salesforce answered without a Date header: cannot start polling OpportunityPartner');
  }
}

function markOf(row: { SystemModstamp: string; Id: string }): Mark {
  const ms = parseSalesforceDateTime(row.SystemModstamp);
  return { ts: ms === null ? row.SystemModstamp : new Date(ms).toISOString(), id: row.Id };
}
