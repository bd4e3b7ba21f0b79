// Pulling partner Accounts and Opportunities (with their OpportunityPartner influencers) as
// checkpointed pages.
//
// Incremental reads go by SystemModstamp with an Id tie-break (`SystemModstamp > :ts OR
// (SystemModstamp = :ts AND Id > :id) ORDER BY SystemModstamp, Id`), so a page boundary inside a
// run of equal timestamps loses nothing. SystemModstamp has whole seconds: a new run re-reads
// the mark's second when the previous read began within it (see incrementalWindow). A small lookback window covers rows whose transaction
// committed after our read with a SystemModstamp below the mark: rows modified within the
// lookback before the previous read (Salesforce's clock, the Date header) are read again —
// except the integration user's own, which the sequential sync wrote and saw committed before
// that read. queryAll shows deletes. OpportunityPartner rows have their own cursor: adding an
// influencer does not touch the Opportunity, so a changed row brings its deal back in full.
// Past `bulkThreshold` rows a read continues through Bulk API 2.0 from the last row the REST
// page gave.
//
// A full run (first run, `sync --full`) and a `refreshLinks` run read every Opportunity with
// every OpportunityPartner row (AccountId and influencers are re-read for all deals); an
// incremental run reads the changes, and looks up OpportunityPartner rows only for changed deals
// whose influencers changed too or that the snapshot cache does not hold (`previousTouches`).

import { z } from 'zod';
import type { SnapshotTouch, Stage } from '../../domain/snapshot.ts';
import type { TimeZone } from '../../domain/time.ts';
import type { Logger } from '../../log.ts';
import type { PullCursor, PullPage, PullRequest, PulledDeal, PulledPartner } from '../port.ts';
import { bulkQuery } from './bulk-query.ts';
import type { FieldMap } from './fields.ts';
import { detectCurrency, orgCurrencySchema, type OrgCurrency } from './org-currency.ts';
import { parseRecords, queryPages } from './query.ts';
import {
  ACCOUNT_FIELDS,
  accountRaw,
  fromCsvRow,
  matchesWhere,
  OPPORTUNITY_FIELDS,
  OPPORTUNITY_PARTNER_FIELDS,
  opportunityPartnerRaw,
  opportunityRaw,
  parseSalesforceDateTime,
  toDeal,
  toPartner,
  toTouch,
  type MapperContext,
  type SalesforceOpportunityRaw,
} from './records.ts';
import type { SalesforceClient } from './salesforce-client.ts';
import { chunk, idsPerInList, lit, select, where, type Condition, type SoqlAllowList } from './soql.ts';

/** An incremental run with more changed deals than this loads all influencer rows instead of per-page lookups. */
const PRELOAD_TOUCHES_ABOVE = 10_000;
const PAGE = 2000;
const SF_ID = /^[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?$/;
const ORDER = ['SystemModstamp', 'Id'] as const;

/** The last row read of an object (SystemModstamp, Id) and when Salesforce answered that read. */
const watermarkSchema = z.object({
  ts: z.string().nullable(),
  id: z.string().nullable(),
  readAt: z.string().nullable(),
});
type Watermark = z.output<typeof watermarkSchema>;
type Mark = { ts: string; id: string };

const runSchema = z.object({
  mode: z.enum(['full', 'incremental']),
  refreshLinks: z.boolean(),
  phase: z.enum(['partners', 'deals', 'affected']),
  accounts: watermarkSchema.nullable(),
  opportunities: watermarkSchema.nullable(),
});
type RunState = z.output<typeof runSchema>;

const cursorSchema = z.object({
  v: z.literal(2),
  org: orgCurrencySchema.nullable(),
  accounts: watermarkSchema.nullable(),
  opportunities: watermarkSchema.nullable(),
  opportunityPartners: watermarkSchema.nullable(),
  run: runSchema.nullable(),
});
export type SalesforceCursor = z.output<typeof cursorSchema>;

export interface PullContext {
  client: SalesforceClient;
  allow: SoqlAllowList;
  fields: FieldMap;
  tz: TimeZone;
  fitKeys: readonly string[];
  stageOverrides: Readonly<Record<string, Stage>>;
  partnerWhere: Readonly<Record<string, string | number | boolean>>;
  bulkThreshold: number;
  lookbackMs: number;
  bulkPollTimeoutMs?: number | undefined;
  /** Rows per Bulk 2.0 results request (maxRecords); default BULK_RESULTS_PAGE. */
  bulkResultsPageSize?: number | undefined;
  sleep: (ms: number) => Promise<void>;
  now: () => number;
  logger: Logger;
}

const emptyPage = (cursor: PullCursor): PullPage => ({
  partners: [],
  deals: [],
  links: [],
  removedDealIds: [],
  removedPartnerIds: [],
  cursor,
});

function markOf(record: { SystemModstamp: string; Id: string }): Mark {
  const ms = parseSalesforceDateTime(record.SystemModstamp);
  return { ts: ms === null ? record.SystemModstamp : new Date(ms).toISOString(), id: record.Id };
}

function markOfWatermark(w: Watermark | null): Mark | null {
  return w === null || w.ts === null || w.id === null ? null : { ts: w.ts, id: w.id };
}

function instantOf(ts: string): number {
  const ms = Date.parse(ts);
  if (Number.isNaN(ms)) throw new Error(`bad cursor timestamp ${ts}`);
  return ms;
}

/** Rows after a mark in (SystemModstamp, Id) order. */
export function after(mark: Mark): Condition {
  const ts = lit.dateTime(instantOf(mark.ts));
  return where.or(
    where.cmp('SystemModstamp', '>', ts),
    where.and(where.eq('SystemModstamp', ts), where.cmp('Id', '>', lit.id(mark.id))),
  );
}

const wholeSecond = (ms: number): number => Math.floor(ms / 1000) * 1000;

/**
 * A new run's window on one object: rows after the mark, plus (lookback) rows of other users
 * modified shortly before the previous read, in case their transaction committed after it.
 * Undefined = every row (nothing was read before).
 *
 * Salesforce stamps SystemModstamp to the second. When the previous read began within the
 * mark's second (or its time is unknown), a row changed after that read — our own write-back
 * included — can share the mark's second with an Id below the mark's: the window then starts at
 * the mark's whole second instead (those few rows are read again). A read that began in a later
 * second saw every row of the mark's second, and anything changed after it is stamped later.
 */
export function incrementalWindow(
  w: Watermark | null,
  lookbackMs: number,
  integrationUserId: string,
): Condition | undefined {
  const mark = markOfWatermark(w);
  if (mark === null) return undefined;
  const markSecond = wholeSecond(instantOf(mark.ts));
  const readLater = w?.readAt != null && wholeSecond(instantOf(w.readAt)) > markSecond;
  const fresh = readLater ? after(mark) : where.cmp('SystemModstamp', '>=', lit.dateTime(markSecond));
  const anchor = w?.readAt == null ? instantOf(mark.ts) : instantOf(w.readAt);
  const from = anchor - lookbackMs;
  if (lookbackMs <= 0 || from > instantOf(mark.ts)) return fresh;
  return where.or(
    fresh,
    where.and(
      where.cmp('SystemModstamp', '>=', lit.dateTime(from)),
      where.cmp('LastModifiedById', '!=', lit.id(integrationUserId)),
    ),
  );
}

/** The watermark after a read: its last row (or the old mark when it had none) and when it was answered. */
function advance(previous: Watermark | null, last: Mark | null, readAt: number | null): Watermark {
  const mark = last ?? markOfWatermark(previous);
  return {
    ts: mark?.ts ?? null,
    id: mark?.id ?? null,
    readAt: readAt === null ? (previous?.readAt ?? null) : new Date(readAt).toISOString(),
  };
}

const both = (a: Condition | undefined, b: Condition | undefined): Condition | undefined =>
  a === undefined ? b : b === undefined ? a : where.and(a, b);

/**
 * Where influencer touches come from: every row loaded up front, or looked up per page of deals.
 * An incremental run's lookups first take the snapshot cache's touches (`cached`) for deals whose
 * OpportunityPartner rows did not change this run; a targeted read (`pullRecords`) has no cache.
 */
type TouchSource =
  | { kind: 'preloaded'; byDeal: Map<string, SnapshotTouch[]> }
  | {
      kind: 'lookup';
      cached?: { touches: NonNullable<PullRequest['previousTouches']>; linksChanged: ReadonlySet<string> };
    };

export class SalesforcePull {
  readonly #ctx: PullContext;
  #lastCursor: SalesforceCursor | null = null;
  #org: OrgCurrency | null = null;

  constructor(ctx: PullContext) {
    this.#ctx = ctx;
  }

  /** The last checkpoint handed out (what `pullRecords` answers as its cursor). */
  lastCursor(): PullCursor {
    return this.#lastCursor ?? {};
  }

  // ---- the run ------------------------------------------------------------------------------

  async *pull(request: PullRequest): AsyncGenerator<PullPage> {
    const previous = this.#parseCursor(request.cursor);
    // A cursor from an unfinished run resumes it; a full request resumes only an unfinished full run.
    const unfinished = previous?.run ?? null;
    const resume = request.mode === 'full' && unfinished?.mode !== 'full' ? null : unfinished;
    const committed: SalesforceCursor =
      previous !== null && (request.mode === 'incremental' || resume !== null)
        ? { ...previous, run: null }
        : { v: 2, org: null, accounts: null, opportunities: null, opportunityPartners: null, run: null };
    const hasHistory = committed.opportunities !== null || committed.accounts !== null;
    const run: RunState =
      resume !== null
        ? { ...resume, refreshLinks: resume.refreshLinks || request.refreshLinks }
        : {
            mode: hasHistory ? 'incremental' : 'full',
            refreshLinks: request.refreshLinks,
            phase: 'partners',
            accounts: null,
            opportunities: null,
          };
    this.#org = committed.org;
    const me = (await this.#ctx.client.session()).userId;
    const checkpoint = (): PullCursor => this.#remember({ ...committed, org: this.#org, run: { ...run } });

    if (run.phase === 'partners') {
      for await (const page of this.#partners(run, committed, me)) yield { ...page, cursor: checkpoint() };
      run.phase = 'deals';
    }
    this.#org ??= await detectCurrency(this.#ctx.client, this.#ctx.allow);
    const readAll = run.mode === 'full' || run.refreshLinks;
    const links = readAll
      ? await this.#preloadTouches(committed.opportunityPartners)
      : await this.#changedLinks(committed.opportunityPartners, me, request.previousTouches);
    const pending = new Set(links.affected);
    if (run.phase === 'deals') {
      for await (const page of this.#deals(run, committed, readAll, links.touches, me)) {
        for (const d of page.deals) pending.delete(d.id);
        for (const id of page.removedDealIds) pending.delete(id);
        yield { ...page, cursor: checkpoint() };
      }
      run.phase = 'affected';
    }
    for await (const page of this.#affected([...pending], links.touches)) yield { ...page, cursor: checkpoint() };
    const done: SalesforceCursor = {
      v: 2,
      org: this.#org,
      run: null,
      accounts: run.accounts ?? committed.accounts,
      opportunities: run.opportunities ?? committed.opportunities,
      opportunityPartners: links.watermark,
    };
    yield emptyPage(this.#remember(done));
  }

  #parseCursor(cursor: PullCursor | null): SalesforceCursor | null {
    if (cursor === null) return null;
    const parsed = cursorSchema.safeParse(cursor);
    if (parsed.success) return parsed.data;
    // A cursor from another adapter version (or none at all): a full read is always correct.
    this.#ctx.logger.warn(
      { issue: parsed.error.issues[0]?.message },
      'salesforce: unreadable pull cursor, reading everything',
    );
    return null;
  }

  #remember(cursor: SalesforceCursor): PullCursor {
    this.#lastCursor = cursor;
    return cursor;
  }

  #mapper(): MapperContext {
    const org = this.#org ?? { multiCurrency: false, currency: '' };
    return {
      fields: this.#ctx.fields,
      tz: this.#ctx.tz,
      orgCurrency: org.currency,
      multiCurrency: org.multiCurrency,
      stageOverrides: new Map(Object.entries(this.#ctx.stageOverrides)),
    };
  }

  /**
   * Where a read of one object starts: where an interrupted run stopped (tie-break, no
   * lookback), else after the committed mark with the lookback. Undefined = from the start.
   */
  #start(
    inRun: Watermark | null,
    committed: Watermark | null,
    incremental: boolean,
    me: string,
  ): Condition | undefined {
    const resumeAt = markOfWatermark(inRun);
    if (resumeAt !== null) return after(resumeAt);
    return incremental ? incrementalWindow(committed, this.#ctx.lookbackMs, me) : undefined;
  }

  // ---- partners -----------------------------------------------------------------------------

  #accountFields(): string[] {
    return [
      ...ACCOUNT_FIELDS,
      ...Object.keys(this.#ctx.partnerWhere),
      ...this.#ctx.fields.forObject('Account').map((f) => f.apiName),
    ];
  }

  #partnerFilter(): Condition {
    return where.and(...Object.entries(this.#ctx.partnerWhere).map(([f, v]) => where.eq(f, lit.scalar(v))));
  }

  async *#partners(run: RunState, committed: SalesforceCursor, me: string): AsyncGenerator<Omit<PullPage, 'cursor'>> {
    const ctx = this.#ctx;
    // Incremental: every changed Account (queryAll), so one that stopped being a partner or was deleted is seen.
    const incremental = run.mode === 'incremental' && committed.accounts !== null;
    const start = this.#start(run.accounts, committed.accounts, incremental, me);
    const window = incremental ? start : both(this.#partnerFilter(), start);
    const soql = select(ctx.allow, { object: 'Account', fields: this.#accountFields(), where: window, orderBy: ORDER });
    let readAt: number | null = null;
    for await (const page of queryPages(ctx.client, soql, {
      all: incremental,
      what: incremental ? 'queryAll Account' : 'query Account',
    })) {
      readAt ??= page.serverTime;
      const rows = parseRecords(page.records, accountRaw, 'query Account');
      const partners: PulledPartner[] = [];
      const removed: string[] = [];
      for (const row of rows) {
        if (row.IsDeleted === true || !matchesWhere(row, ctx.partnerWhere)) removed.push(row.Id);
        else partners.push(toPartner(this.#mapper(), row, ctx.fitKeys));
      }
      const last = rows.at(-1);
      // A resumed read keeps the first read's time: the lookback then reaches back far enough.
      run.accounts = advance(
        run.accounts ?? committed.accounts,
        last === undefined ? null : markOf(last),
        run.accounts?.readAt == null ? readAt : null,
      );
      yield { partners, deals: [], links: [], removedDealIds: [], removedPartnerIds: removed };
    }
  }

  // ---- influencer links (OpportunityPartner) ------------------------------------------------

  #linkSoql(condition: Condition | undefined, orderBy: readonly string[] | undefined): string {
    return select(this.#ctx.allow, {
      object: 'OpportunityPartner',
      fields: [...OPPORTUNITY_PARTNER_FIELDS],
      where: condition,
      orderBy,
    });
  }

  /** Every live OpportunityPartner row, grouped by deal, and the watermark after the read. */
  async #preloadTouches(
    previous: Watermark | null,
  ): Promise<{ touches: TouchSource; affected: string[]; watermark: Watermark | null }> {
    const byDeal = new Map<string, SnapshotTouch[]>();
    let last: Mark | null = null;
    let readAt: number | null = null;
    for await (const page of queryPages(this.#ctx.client, this.#linkSoql(undefined, ORDER), {
      what: 'query OpportunityPartner',
    })) {
      readAt ??= page.serverTime;
      for (const row of parseRecords(page.records, opportunityPartnerRaw, 'query OpportunityPartner')) {
        addTouch(byDeal, row.OpportunityId, toTouch(row, this.#ctx.tz));
        last = markOf(row);
      }
    }
    return { touches: { kind: 'preloaded', byDeal }, affected: [], watermark: advance(previous, last, readAt) };
  }

  /** OpportunityPartner rows added, changed or deleted since the last run: their deals are read again. */
  async #changedLinks(
    previous: Watermark | null,
    me: string,
    cachedTouches: PullRequest['previousTouches'],
  ): Promise<{ touches: TouchSource; affected: string[]; watermark: Watermark | null }> {
    const soql = this.#linkSoql(incrementalWindow(previous, this.#ctx.lookbackMs, me), ORDER);
    const affected = new Set<string>();
    let last: Mark | null = null;
    let readAt: number | null = null;
    for await (const page of queryPages(this.#ctx.client, soql, { all: true, what: 'queryAll OpportunityPartner' })) {
      readAt ??= page.serverTime;
      for (const row of parseRecords(page.records, opportunityPartnerRaw, 'queryAll OpportunityPartner')) {
        affected.add(row.OpportunityId);
        last = markOf(row);
      }
    }
    const touches: TouchSource =
      cachedTouches === undefined
        ? { kind: 'lookup' }
        : { kind: 'lookup', cached: { touches: cachedTouches, linksChanged: affected } };
    return { touches, affected: [...affected], watermark: advance(previous, last, readAt) };
  }

  /**
   * The influencer touches of these deals. A deal none of whose OpportunityPartner rows changed
   * since the last run (the changed ones are all in `linksChanged`, read by their own cursor)
   * keeps the touches the snapshot cache holds; the others are looked up. A sync that only
   * re-reads deals it wrote itself then spends no OpportunityPartner query at all.
   */
  async #touchesOf(
    dealIds: readonly string[],
    source: TouchSource,
  ): Promise<ReadonlyMap<string, readonly SnapshotTouch[]>> {
    if (source.kind === 'preloaded') return source.byDeal;
    const out = new Map<string, readonly SnapshotTouch[]>();
    let unknown = dealIds;
    if (source.cached !== undefined && dealIds.length > 0) {
      const { linksChanged } = source.cached;
      const cached = await source.cached.touches(dealIds.filter((id) => !linksChanged.has(id)));
      unknown = dealIds.filter((id) => {
        const touches = cached.get(id);
        if (touches !== undefined) out.set(id, touches);
        return touches === undefined;
      });
    }
    for (const [id, touches] of await this.#lookupTouches(unknown)) out.set(id, touches);
    return out;
  }

  /** The influencer touches of the given deals, by OpportunityId IN lists. */
  async #lookupTouches(dealIds: readonly string[]): Promise<Map<string, SnapshotTouch[]>> {
    const byDeal = new Map<string, SnapshotTouch[]>();
    if (dealIds.length === 0) return byDeal;
    const soqlFor = (ids: readonly string[]): string =>
      this.#linkSoql(where.in('OpportunityId', ids.map(lit.id)), undefined);
    for (const ids of chunk(dealIds, idsPerInList(soqlFor(dealIds.slice(0, 1))))) {
      for await (const page of queryPages(this.#ctx.client, soqlFor(ids), {
        what: 'query OpportunityPartner by deal',
      })) {
        for (const row of parseRecords(page.records, opportunityPartnerRaw, 'query OpportunityPartner by deal'))
          addTouch(byDeal, row.OpportunityId, toTouch(row, this.#ctx.tz));
      }
    }
    return byDeal;
  }

  // ---- deals --------------------------------------------------------------------------------

  #opportunityFields(): string[] {
    const multi = this.#org?.multiCurrency === true ? ['CurrencyIsoCode'] : [];
    return [...OPPORTUNITY_FIELDS, ...multi, ...this.#ctx.fields.forObject('Opportunity').map((f) => f.apiName)];
  }

  async *#deals(
    run: RunState,
    committed: SalesforceCursor,
    readAll: boolean,
    source: TouchSource,
    me: string,
  ): AsyncGenerator<Omit<PullPage, 'cursor'>> {
    const ctx = this.#ctx;
    const window = this.#start(run.opportunities, committed.opportunities, !readAll, me);
    const soqlWith = (condition: Condition | undefined): string =>
      select(ctx.allow, { object: 'Opportunity', fields: this.#opportunityFields(), where: condition, orderBy: ORDER });
    let touches = source;
    let bulkFrom: Mark | null = null;
    let readAt: number | null = null;
    // queryAll, so deleted opportunities leave the computation.
    for await (const page of queryPages(ctx.client, soqlWith(window), { all: true, what: 'queryAll Opportunity' })) {
      readAt ??= page.serverTime;
      // Many changed deals and no cache to take unchanged influencers from: one read of every row beats IN-list lookups.
      if (touches.kind === 'lookup' && touches.cached === undefined && page.totalSize > PRELOAD_TOUCHES_ABOVE)
        touches = (await this.#preloadTouches(null)).touches;
      const rows = parseRecords(page.records, opportunityRaw, 'queryAll Opportunity');
      yield await this.#dealPage(run, committed, rows, touches, readAt);
      bulkFrom = markOfWatermark(run.opportunities);
      if (page.totalSize > ctx.bulkThreshold && rows.length < page.totalSize && bulkFrom !== null) break;
      bulkFrom = null;
    }
    if (bulkFrom === null) return;
    // Large read: the rest through Bulk API 2.0, from the last row the REST page gave.
    const bulk = bulkQuery(ctx.client, soqlWith(after(bulkFrom)), {
      all: true,
      what: 'queryAll Opportunity',
      pollTimeoutMs: ctx.bulkPollTimeoutMs,
      pageSize: ctx.bulkResultsPageSize,
      sleep: ctx.sleep,
      now: ctx.now,
    });
    for await (const rows of bulk) {
      for (const part of chunk(rows, PAGE)) {
        yield await this.#dealPage(
          run,
          committed,
          parseRecords(part.map(fromCsvRow), opportunityRaw, 'Bulk 2.0 queryAll Opportunity'),
          touches,
          readAt,
        );
      }
    }
  }

  async #dealPage(
    run: RunState,
    committed: SalesforceCursor,
    rows: readonly SalesforceOpportunityRaw[],
    source: TouchSource,
    readAt: number | null,
  ): Promise<Omit<PullPage, 'cursor'>> {
    const live = rows.filter((r) => r.IsDeleted !== true);
    const touches = await this.#touchesOf(
      live.map((r) => r.Id),
      source,
    );
    const mapper = this.#mapper();
    const deals: PulledDeal[] = live.map((r) => toDeal(mapper, r, touches.get(r.Id) ?? []));
    const last = rows.at(-1);
    run.opportunities = advance(
      run.opportunities ?? committed.opportunities,
      last === undefined ? null : markOf(last),
      run.opportunities?.readAt == null ? readAt : null,
    );
    return {
      partners: [],
      deals,
      links: [],
      removedDealIds: rows.filter((r) => r.IsDeleted === true).map((r) => r.Id),
      removedPartnerIds: [],
    };
  }

  /** Deals whose influencers changed while the deal itself did not: read again by id. */
  async *#affected(dealIds: readonly string[], source: TouchSource): AsyncGenerator<Omit<PullPage, 'cursor'>> {
    if (dealIds.length === 0) return;
    yield* this.#dealsById(dealIds, source);
  }

  async *#dealsById(dealIds: readonly string[], source: TouchSource): AsyncGenerator<Omit<PullPage, 'cursor'>> {
    const ctx = this.#ctx;
    if (dealIds.length === 0) return;
    const soqlFor = (ids: readonly string[]): string =>
      select(ctx.allow, {
        object: 'Opportunity',
        fields: this.#opportunityFields(),
        where: where.in('Id', ids.map(lit.id)),
      });
    for (const ids of chunk(dealIds, Math.min(PAGE, idsPerInList(soqlFor(dealIds.slice(0, 1)))))) {
      const rows: SalesforceOpportunityRaw[] = [];
      for await (const page of queryPages(ctx.client, soqlFor(ids), { what: 'query Opportunity by id' }))
        rows.push(...parseRecords(page.records, opportunityRaw, 'query Opportunity by id'));
      const touches = await this.#touchesOf(
        rows.map((r) => r.Id),
        source,
      );
      const mapper = this.#mapper();
      const found = new Set(rows.map((r) => r.Id));
      yield {
        partners: [],
        links: [],
        removedPartnerIds: [],
        deals: rows.map((r) => toDeal(mapper, r, touches.get(r.Id) ?? [])),
        // Not found by a plain query: deleted (or never there) — gone from the computation either way.
        removedDealIds: ids.filter((id) => !found.has(id)),
      };
    }
  }

  // ---- targeted reads -----------------------------------------------------------------------

  /** Deals and partners by id (webhook-triggered): IN-list queries, never a full scan. */
  async pullRecords(ids: { deals: readonly string[]; partners: readonly string[] }): Promise<PullPage> {
    const ctx = this.#ctx;
    this.#org ??= this.#lastCursor?.org ?? (await detectCurrency(ctx.client, ctx.allow));
    const out = emptyPage(this.lastCursor());
    // Something that is not a Salesforce id names no record: removed, without asking.
    const dealIds = [...new Set(ids.deals)];
    out.removedDealIds.push(...dealIds.filter((id) => !SF_ID.test(id)));
    for await (const page of this.#dealsById(
      dealIds.filter((id) => SF_ID.test(id)),
      { kind: 'lookup' },
    )) {
      out.deals.push(...page.deals);
      out.removedDealIds.push(...page.removedDealIds);
    }
    const wanted = [...new Set(ids.partners)].filter((id) => SF_ID.test(id));
    out.removedPartnerIds.push(...ids.partners.filter((id) => !SF_ID.test(id)));
    const soqlFor = (list: readonly string[]): string =>
      select(ctx.allow, { object: 'Account', fields: this.#accountFields(), where: where.in('Id', list.map(lit.id)) });
    const found = new Set<string>();
    for (const list of wanted.length === 0 ? [] : chunk(wanted, idsPerInList(soqlFor(wanted.slice(0, 1))))) {
      for await (const page of queryPages(ctx.client, soqlFor(list), { what: 'query Account by id' })) {
        for (const row of parseRecords(page.records, accountRaw, 'query Account by id')) {
          found.add(row.Id);
          if (matchesWhere(row, ctx.partnerWhere)) out.partners.push(toPartner(this.#mapper(), row, ctx.fitKeys));
          else out.removedPartnerIds.push(row.Id);
        }
      }
    }
    out.removedPartnerIds.push(...wanted.filter((id) => !found.has(id)));
    return out;
  }
}

function addTouch(byDeal: Map<string, SnapshotTouch[]>, dealId: string, touch: SnapshotTouch | null): void {
  if (touch === null) return;
  const list = byDeal.get(dealId);
  if (list === undefined) byDeal.set(dealId, [touch]);
  else list.push(touch);
}
