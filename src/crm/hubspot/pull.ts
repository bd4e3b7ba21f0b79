// Pulling HubSpot into canonical pages, with a checkpoint after every page.
//
// A run goes through steps: partners → deals → archived deals → archived partners (→ links).
//  - full run (first run, `sync --full`): partners by a search on `crm.partners.where`, deals by
//    the list endpoint (no 10k cap, normal rate limit);
//  - incremental run: companies and deals modified in the window [since − overlap, runStart −
//    searchLagSeconds], the window end frozen when the run starts; searches sort by
//    hs_object_id and page by keyset (`hs_object_id > lastId`), so no query ever pages towards
//    HubSpot's 10,000-result cap and records leaving the window mid-run cannot shift the pages.
//    A bulk edit giving 50,000 deals one timestamp is read the same way.
//  - archived deals (list with archived=true) → removedDealIds; companies no longer matching the
//    partner filter, or archived → removedPartnerIds (only companies partnersync knew as
//    partners, when the partner picker is ours to read that from);
//  - `refreshLinks`: every deal's company association is read again (association changes do not
//    bump hs_lastmodifieddate) and reported as `links`.
// Deals are enriched per page of up to 1,000: one Associations v4 batch read for the primary
// companies, and property history of partner_influencers only for deals whose influencer value
// changed since this adapter last saw it (batches of 50).

import { z } from 'zod';
import type { Stage } from '../../domain/snapshot.ts';
import type { SnapshotTouch } from '../../domain/snapshot.ts';
import type { TimeZone } from '../../domain/time.ts';
import type { Logger } from '../../log.ts';
import {
  CrmError,
  type DealLinks,
  type PullCursor,
  type PulledDeal,
  type PulledPartner,
  type PullPage,
  type PullRequest,
} from '../port.ts';
import type { FieldMap } from './field-map.ts';
import { PROVIDER } from './failures.ts';
import type { HubspotApi } from './hubspot-api.ts';
import { influencerTouches } from './influencer-touches.ts';
import type { OptionSync } from './option-sync.ts';
import type { PartnerName } from './partner-options.ts';
import type { AssociationBatchRaw, HubspotObjectRaw } from './raw-schemas.ts';
import {
  ASSOCIATION_BATCH,
  batchRead,
  HISTORY_BATCH,
  listObjects,
  listPipelines,
  readAssociations,
  searchObjects,
  type SearchFilter,
} from './requests.ts';
import { buildStageMap, NO_STAGES, StageMap } from './stage-map.ts';
import {
  createdAtOf,
  influencerIds,
  influencerValue,
  matchesWhere,
  toDeal,
  toPartner,
  type MapContext,
} from './to-snapshot.ts';

/** Deals per emitted page: one association batch read. */
const DEAL_CHUNK = ASSOCIATION_BATCH;
/** Association type: a deal's primary company (HUBSPOT_DEFINED). */
const PRIMARY_COMPANY = 5;

const STEPS = ['partners', 'deals', 'archivedDeals', 'archivedPartners', 'links'] as const;
type Step = (typeof STEPS)[number];

const runSchema = z.object({
  mode: z.enum(['full', 'incremental']),
  windowStart: z.number().nullable(),
  windowEnd: z.number(),
  refreshLinks: z.boolean(),
  step: z.enum(STEPS),
  lastId: z.string().nullable(),
  after: z.string().nullable(),
});
type RunState = z.infer<typeof runSchema>;

const cursorSchema = z.object({ v: z.literal(1), since: z.number().nullable(), run: runSchema.nullable() });
export type HubspotCursor = z.infer<typeof cursorSchema>;

export interface PullDeps {
  api: HubspotApi;
  fields: FieldMap;
  tz: TimeZone;
  where: Readonly<Record<string, string>>;
  fitCriteria: readonly string[];
  stageOverrides: Readonly<Record<string, Stage>>;
  lagMs: number;
  overlapMs: number;
  now: () => number;
  logger: Logger;
  /** A fresh option syncer per run. */
  optionSync: () => OptionSync;
  /** The account's company currency (for deals without a currency), asked once. */
  accountCurrency: () => Promise<string | null>;
  /** Influencer touches seen before, by deal id, with the value they came from. */
  touchCache: Map<string, { value: string; touches: SnapshotTouch[] }>;
}

function emptyPage(cursor: PullCursor): PullPage {
  return { partners: [], deals: [], links: [], removedDealIds: [], removedPartnerIds: [], cursor };
}

export function parseCursor(cursor: PullCursor | null, logger: Logger): HubspotCursor | null {
  if (cursor === null) return null;
  const parsed = cursorSchema.safeParse(cursor);
  if (parsed.success) return parsed.data;
  // A checkpoint this adapter did not write (another version, another CRM): start over with a full run.
  logger.warn(
    { issue: parsed.error.issues[0]?.message },
    'hubspot: ignoring an unreadable pull cursor; running a full pull',
  );
  return null;
}

/** One run of a pull: its frozen window, its step and position, and per-run caches. */
export class PullRun {
  readonly #deps: PullDeps;
  readonly #since: number | null;
  #run: RunState;
  #stages: StageMap | null = null;
  #stagesReloaded = false;
  readonly #options: OptionSync;
  #known: Promise<Set<string> | null> | null = null;
  readonly #previousTouches: PullRequest['previousTouches'];

  constructor(deps: PullDeps, request: PullRequest) {
    this.#deps = deps;
    this.#previousTouches = request.previousTouches;
    const cursor = parseCursor(request.cursor, deps.logger);
    this.#since = cursor?.since ?? null;
    const resumable =
      cursor?.run && (cursor.run.mode === request.mode || request.mode === 'incremental') ? cursor.run : null;
    if (resumable) {
      this.#run = {
        ...resumable,
        refreshLinks: resumable.refreshLinks || (request.refreshLinks && resumable.mode === 'incremental'),
      };
    } else {
      const since = request.mode === 'incremental' ? this.#since : null;
      const incremental = since !== null;
      this.#run = {
        mode: incremental ? 'incremental' : 'full',
        windowStart: since === null ? null : since - deps.overlapMs,
        windowEnd: deps.now() - deps.lagMs,
        refreshLinks: incremental && request.refreshLinks,
        step: 'partners',
        lastId: null,
        after: null,
      };
    }
    this.#options = deps.optionSync();
  }

  get mode(): 'full' | 'incremental' {
    return this.#run.mode;
  }

  #steps(): Step[] {
    const steps: Step[] = ['partners', 'deals', 'archivedDeals', 'archivedPartners'];
    if (this.#run.refreshLinks && this.#run.mode === 'incremental') steps.push('links');
    return steps.slice(Math.max(0, steps.indexOf(this.#run.step)));
  }

  #cursorAt(step: Step, lastId: string | null, after: string | null): PullCursor {
    return { v: 1, since: this.#since, run: { ...this.#run, step, lastId, after } };
  }

  async *pages(): AsyncGenerator<PullPage> {
    const steps = this.#steps();
    for (let i = 0; i < steps.length; i++) {
      const step = steps[i] ?? 'partners';
      const next = steps[i + 1];
      const done: PullCursor =
        next === undefined ? { v: 1, since: this.#run.windowEnd, run: null } : this.#cursorAt(next, null, null);
      const resumeAt =
        step === this.#run.step ? { lastId: this.#run.lastId, after: this.#run.after } : { lastId: null, after: null };
      // The last page of the last step carries the finished cursor: the next run's window start.
      yield* this.#step(step, resumeAt, done);
    }
  }

  #step(step: Step, at: { lastId: string | null; after: string | null }, done: PullCursor): AsyncGenerator<PullPage> {
    switch (step) {
      case 'partners':
        return this.#partners(at.lastId, done);
      case 'deals':
        return this.#run.mode === 'full' ? this.#listDeals(at.after, done) : this.#searchDeals(at.lastId, done);
      case 'archivedDeals':
        return this.#archived('deals', at.after, done);
      case 'archivedPartners':
        return this.#archived('companies', at.after, done);
      case 'links':
        return this.#links(at.lastId, done);
    }
  }

  /** Modified within [windowStart, windowEnd], both ends included (epoch ms, as HubSpot takes them). */
  #window(): SearchFilter {
    return {
      propertyName: 'hs_lastmodifieddate',
      operator: 'BETWEEN',
      value: String(this.#run.windowStart ?? 0),
      highValue: String(this.#run.windowEnd),
    };
  }

  /**
   * Companies to read: full runs, every partner; incremental runs, every company modified in the
   * window (a company that stopped being a partner no longer matches the partner filter, so the
   * filter cannot be part of the search; customers modified in the window are read and skipped).
   */
  #companyGroups(): SearchFilter[][] {
    if (this.#run.mode === 'incremental') return [[this.#window()]];
    return [
      Object.entries(this.#deps.where).map(([propertyName, value]): SearchFilter => ({
        propertyName,
        operator: 'EQ',
        value,
      })),
    ];
  }

  #companyProperties(): string[] {
    return [
      ...new Set([
        ...this.#deps.fields.properties('companies'),
        ...Object.keys(this.#deps.where),
        'hs_lastmodifieddate',
      ]),
    ];
  }

  dealProperties(): string[] {
    return [...new Set([...this.#deps.fields.properties('deals'), 'pipeline', 'hs_lastmodifieddate'])];
  }

  #knownPartners(): Promise<Set<string> | null> {
    this.#known ??= this.#options.knownPartners();
    return this.#known;
  }

  async *#partners(lastIdAtStart: string | null, done: PullCursor): AsyncGenerator<PullPage> {
    const full = this.#run.mode === 'full';
    const groups = this.#companyGroups();
    const seen: PartnerName[] = [];
    const removed: string[] = [];
    let lastId = lastIdAtStart;
    for (;;) {
      const page = await searchObjects(this.#deps.api, 'companies', {
        groups,
        properties: this.#companyProperties(),
        afterId: lastId,
      });
      const partners: PulledPartner[] = [];
      const candidates: string[] = [];
      const ctx = await this.#mapContext(false);
      for (const raw of page.results) {
        if (full || matchesWhere(raw, this.#deps.where)) partners.push(toPartner(raw, ctx));
        else candidates.push(raw.id);
      }
      const known = candidates.length > 0 ? await this.#knownPartners() : null;
      const gone = known === null ? candidates : candidates.filter((id) => known.has(id));
      seen.push(...partners.map((p) => ({ id: p.id, name: p.name })));
      removed.push(...gone);
      lastId = page.results.at(-1)?.id ?? lastId;
      const last = page.paging?.next === undefined || page.results.length === 0;
      if (last) await this.#syncOptions({ partners: seen, removed, complete: full && lastIdAtStart === null });
      yield { ...emptyPage(last ? done : this.#cursorAt('partners', lastId, null)), partners, removedPartnerIds: gone };
      if (last) return;
    }
  }

  /** Pickers are a convenience for reps: a list HubSpot refuses must not stop the sync. */
  async #syncOptions(changes: { partners: PartnerName[]; removed: string[]; complete: boolean }): Promise<void> {
    try {
      await this.#options.syncPartners(changes);
      if (this.#run.mode === 'full') await this.#options.syncConfigOptions();
    } catch (err) {
      if (!(err instanceof CrmError) || err.kind !== 'invalid_request') throw err;
      this.#deps.logger.error(
        { err: err.message },
        'hubspot: could not update option lists; run `partnersync provision` to see why',
      );
    }
  }

  async *#listDeals(afterAtStart: string | null, done: PullCursor): AsyncGenerator<PullPage> {
    let after = afterAtStart;
    for (;;) {
      const raws: HubspotObjectRaw[] = [];
      let more = true;
      while (more && raws.length < DEAL_CHUNK) {
        const page = await listObjects(this.#deps.api, 'deals', this.dealProperties(), after);
        raws.push(...page.results);
        after = page.paging?.next?.after ?? null;
        more = after !== null;
      }
      const deals = await this.enrich(raws);
      yield { ...emptyPage(more ? this.#cursorAt('deals', null, after) : done), deals };
      if (!more) return;
    }
  }

  async *#searchDeals(lastIdAtStart: string | null, done: PullCursor): AsyncGenerator<PullPage> {
    let lastId = lastIdAtStart;
    for (;;) {
      const raws: HubspotObjectRaw[] = [];
      let more = true;
      while (more && raws.length < DEAL_CHUNK) {
        const page = await searchObjects(this.#deps.api, 'deals', {
          groups: [[this.#window()]],
          properties: this.dealProperties(),
          afterId: lastId,
        });
        raws.push(...page.results);
        lastId = page.results.at(-1)?.id ?? lastId;
        more = page.paging?.next !== undefined && page.results.length > 0;
      }
      const deals = await this.enrich(raws);
      yield { ...emptyPage(more ? this.#cursorAt('deals', lastId, null) : done), deals };
      if (!more) return;
    }
  }

  async *#archived(
    type: 'deals' | 'companies',
    afterAtStart: string | null,
    done: PullCursor,
  ): AsyncGenerator<PullPage> {
    let after = afterAtStart;
    const since = this.#run.mode === 'incremental' ? (this.#run.windowStart ?? 0) : null;
    for (;;) {
      const ids: string[] = [];
      let more = true;
      for (let pages = 0; more && pages < 10; pages++) {
        const page = await listObjects(this.#deps.api, type, ['hs_object_id'], after, true);
        // Incremental runs report what was archived since the window start; full runs everything.
        ids.push(
          ...page.results
            .filter((r) => since === null || !r.archivedAt || r.archivedAt.getTime() >= since)
            .map((r) => r.id),
        );
        after = page.paging?.next?.after ?? null;
        more = after !== null;
      }
      const cursor = more ? this.#cursorAt(type === 'deals' ? 'archivedDeals' : 'archivedPartners', null, after) : done;
      if (type === 'deals') {
        yield { ...emptyPage(cursor), removedDealIds: ids };
      } else {
        const known = ids.length > 0 ? await this.#knownPartners() : null;
        yield { ...emptyPage(cursor), removedPartnerIds: known === null ? ids : ids.filter((id) => known.has(id)) };
      }
      if (!more) return;
    }
  }

  async *#links(lastIdAtStart: string | null, done: PullCursor): AsyncGenerator<PullPage> {
    let lastId = lastIdAtStart;
    for (;;) {
      const ids: string[] = [];
      let more = true;
      while (more && ids.length < DEAL_CHUNK) {
        const page = await searchObjects(this.#deps.api, 'deals', {
          groups: [],
          properties: ['hs_object_id'],
          afterId: lastId,
        });
        ids.push(...page.results.map((r) => r.id));
        lastId = page.results.at(-1)?.id ?? lastId;
        more = page.paging?.next !== undefined && page.results.length > 0;
      }
      const customers = await this.#customers(ids);
      const links: DealLinks[] = ids.map((dealId) => ({ dealId, customerId: customers.get(dealId) ?? null }));
      yield { ...emptyPage(more ? this.#cursorAt('links', lastId, null) : done), links };
      if (!more) return;
    }
  }

  /** Stage outcomes, read once per run (again once if a deal names a stage we do not know). */
  async #stageMap(raws: readonly HubspotObjectRaw[]): Promise<StageMap> {
    // A stage mapped to another property comes with its own value map: no pipeline needed.
    if (this.#deps.fields.get('deal.stage').mapped) return new StageMap([], this.#deps.stageOverrides);
    this.#stages ??= buildStageMap(await listPipelines(this.#deps.api), this.#deps.stageOverrides);
    const stageProp = this.#deps.fields.name('deal.stage');
    const unknown = raws.some((r) => {
      const s = r.properties[stageProp];
      return typeof s === 'string' && s !== '' && !this.#stages?.has(s);
    });
    if (unknown && !this.#stagesReloaded) {
      this.#stagesReloaded = true;
      this.#stages = buildStageMap(await listPipelines(this.#deps.api), this.#deps.stageOverrides);
    }
    return this.#stages;
  }

  async #mapContext(withDeals: boolean, raws: readonly HubspotObjectRaw[] = []): Promise<MapContext> {
    const needsCurrency =
      withDeals && raws.some((r) => (r.properties[this.#deps.fields.name('deal.currency')] ?? '') === '');
    return {
      fields: this.#deps.fields,
      tz: this.#deps.tz,
      stages: withDeals ? await this.#stageMap(raws) : NO_STAGES,
      fitCriteria: this.#deps.fitCriteria,
      defaultCurrency: needsCurrency ? await this.#deps.accountCurrency() : null,
    };
  }

  /** Raw deals → pulled deals: primary companies and influencer touches, batched. */
  async enrich(raws: readonly HubspotObjectRaw[]): Promise<PulledDeal[]> {
    if (raws.length === 0) return [];
    const ctx = await this.#mapContext(true, raws);
    const [customers, touches] = await Promise.all([this.#customers(raws.map((r) => r.id)), this.#touches(raws, ctx)]);
    return raws.map((raw) =>
      toDeal(raw, { customerId: customers.get(raw.id) ?? null, touches: touches.get(raw.id) ?? [] }, ctx),
    );
  }

  /** Primary company per deal (Associations v4, ≤ 1,000 per call). A failed read is an error, never "no company". */
  async #customers(ids: readonly string[]): Promise<Map<string, string | null>> {
    const out = new Map<string, string | null>();
    for (let i = 0; i < ids.length; i += ASSOCIATION_BATCH) {
      const chunk = ids.slice(i, i + ASSOCIATION_BATCH);
      const answer = await readAssociations(this.#deps.api, 'deals', 'companies', chunk);
      checkAssociationErrors(answer);
      for (const result of answer.results) out.set(result.from.id, primaryCompany(result.to));
    }
    return out;
  }

  /**
   * A deal whose influencer set is the one the snapshot cache knows keeps its cached touch times
   * (history only changes when the set does): a new process reads no history for unchanged sets.
   * Reused deals are taken out of `stale`.
   */
  async #reuseCachedTouches(
    stale: HubspotObjectRaw[],
    out: Map<string, SnapshotTouch[]>,
    fields: FieldMap,
  ): Promise<void> {
    const lookup = this.#previousTouches;
    if (lookup === undefined || stale.length === 0) return;
    const previous = await lookup(stale.map((r) => r.id));
    const sameSet = (a: readonly string[], b: readonly string[]): boolean =>
      a.length === b.length && [...a].sort().join('\n') === [...b].sort().join('\n');
    for (let i = stale.length - 1; i >= 0; i--) {
      const raw = stale[i] as HubspotObjectRaw;
      const touches = previous.get(raw.id);
      if (touches === undefined || touches.length === 0) continue;
      if (
        !sameSet(
          influencerIds(raw, fields),
          touches.map((t) => t.partnerId),
        )
      )
        continue;
      const kept = [...touches];
      out.set(raw.id, kept);
      this.#deps.touchCache.set(raw.id, { value: influencerValue(raw, fields), touches: kept });
      stale.splice(i, 1);
    }
  }

  async #touches(raws: readonly HubspotObjectRaw[], ctx: MapContext): Promise<Map<string, SnapshotTouch[]>> {
    const { fields, touchCache } = { fields: this.#deps.fields, touchCache: this.#deps.touchCache };
    const out = new Map<string, SnapshotTouch[]>();
    const stale: HubspotObjectRaw[] = [];
    for (const raw of raws) {
      const value = influencerValue(raw, fields);
      if (value === '') {
        touchCache.delete(raw.id);
        continue;
      }
      const cached = touchCache.get(raw.id);
      if (cached?.value === value) out.set(raw.id, cached.touches);
      else stale.push(raw);
    }
    await this.#reuseCachedTouches(stale, out, fields);
    const historyProp = fields.name('deal.influencers');
    for (let i = 0; i < stale.length; i += HISTORY_BATCH) {
      const chunk = stale.slice(i, i + HISTORY_BATCH);
      const answer = await batchRead(
        this.#deps.api,
        'deals',
        chunk.map((r) => r.id),
        ['hs_object_id'],
        [historyProp],
      );
      const histories = new Map(answer.results.map((r) => [r.id, r.propertiesWithHistory?.[historyProp] ?? []]));
      for (const raw of chunk) {
        const history = (histories.get(raw.id) ?? []).map((h) => ({
          value: h.value,
          timestamp: h.timestamp.getTime(),
        }));
        const touches = influencerTouches(influencerIds(raw, fields), history, createdAtOf(raw, ctx), fields);
        out.set(raw.id, touches);
        touchCache.set(raw.id, { value: influencerValue(raw, fields), touches });
      }
    }
    return out;
  }
}

/** The primary company; else the only company; else none (several without a primary: ambiguous). */
function primaryCompany(to: AssociationBatchRaw['results'][number]['to']): string | null {
  const primary = to.find((t) => t.associationTypes.some((a) => a.typeId === PRIMARY_COMPANY));
  if (primary) return primary.toObjectId;
  return to.length === 1 ? (to[0]?.toObjectId ?? null) : null;
}

/** "No company associated" is an answer (customer null); any other error in a 207 is a failure. */
function checkAssociationErrors(answer: AssociationBatchRaw): void {
  const real = (answer.errors ?? []).filter(
    (e) => !(typeof e.subCategory === 'string' && e.subCategory.includes('NO_ASSOCIATIONS_FOUND')),
  );
  if (real.length === 0) return;
  const first = real[0];
  throw new CrmError({
    provider: PROVIDER,
    kind: first?.category === 'VALIDATION_ERROR' ? 'invalid_request' : 'unavailable',
    code: first?.category ?? null,
    message: `associations batch read (deals → companies): ${real.length} error(s), e.g. ${first?.message ?? 'no message'}`,
  });
}
