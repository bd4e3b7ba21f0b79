// CRM search (POST /crm/v3/objects/{type}/search): filters AND-ed inside a group, groups OR-ed,
// one sort, offset paging with `after`, and HubSpot's limits (200 per page, 10,000 results,
// 3,000-character bodies, 5 groups × 6 filters / 18 in all, one sort). Archived records never
// appear, and records written within the search lag show their previous values (or nothing).
// https://developers.hubspot.com/docs/api-reference/search/guide

import { z } from 'zod';
import { limitValue, type LimitSettings } from '../personality.ts';
import { validationError } from './errors.ts';
import type { HsObjectType } from './object-types.ts';
import type { HsPropertyDef } from './property-defs.ts';
import { searchView, type HsRecord } from './records.ts';
import type { HubspotState, HsRecordView } from './state.ts';
import { propertiesOf, propertyNames } from './to-api.ts';
import { parseInstant } from './values.ts';

export const OPERATORS = [
  'EQ',
  'NEQ',
  'LT',
  'LTE',
  'GT',
  'GTE',
  'BETWEEN',
  'IN',
  'NOT_IN',
  'HAS_PROPERTY',
  'NOT_HAS_PROPERTY',
  'CONTAINS_TOKEN',
  'NOT_CONTAINS_TOKEN',
] as const;

const scalar = z.union([z.string(), z.number(), z.boolean()]).transform(String);
const filterSchema = z.object({
  propertyName: z.string().min(1),
  operator: z.enum(OPERATORS),
  value: scalar.optional(),
  highValue: scalar.optional(),
  values: z.array(scalar).optional(),
});
const sortSchema = z.union([
  z.string().min(1),
  z.object({ propertyName: z.string().min(1), direction: z.enum(['ASCENDING', 'DESCENDING']).optional() }),
]);
export const searchBodySchema = z.object({
  query: z.string().optional(),
  limit: z.number().int().min(0).optional(),
  after: z.union([z.string(), z.number()]).optional(),
  sorts: z.array(sortSchema).optional(),
  properties: z.array(z.string()).optional(),
  filterGroups: z.array(z.object({ filters: z.array(filterSchema) })).optional(),
});
export type SearchBody = z.infer<typeof searchBodySchema>;
type Filter = z.infer<typeof filterSchema>;

export interface SearchResult {
  total: number;
  results: Record<string, unknown>[];
  paging?: { next: { after: string } };
}

/** Checks HubSpot's request limits; throws the 400 it answers. */
export function checkSearchLimits(body: SearchBody, rawLength: number, limits: LimitSettings): void {
  const bodyChars = limitValue(limits, 'hubspot.search.bodyChars', 3000);
  if (bodyChars !== null && rawLength > bodyChars)
    throw validationError(`Search request body is ${rawLength} characters long; the limit is ${bodyChars}.`);
  const groups = body.filterGroups ?? [];
  const maxGroups = limitValue(limits, 'hubspot.search.filterGroups', 5);
  if (maxGroups !== null && groups.length > maxGroups)
    throw validationError(`Search requests are limited to ${maxGroups} filterGroups; got ${groups.length}.`);
  const perGroup = limitValue(limits, 'hubspot.search.filtersPerGroup', 6);
  if (perGroup !== null && groups.some((g) => g.filters.length > perGroup))
    throw validationError(`Each filterGroup is limited to ${perGroup} filters.`);
  const total = groups.reduce((n, g) => n + g.filters.length, 0);
  const maxFilters = limitValue(limits, 'hubspot.search.filters', 18);
  if (maxFilters !== null && total > maxFilters)
    throw validationError(`Search requests are limited to ${maxFilters} filters in total; got ${total}.`);
  const maxSorts = limitValue(limits, 'hubspot.search.sorts', 1);
  if (maxSorts !== null && (body.sorts?.length ?? 0) > maxSorts)
    throw validationError(`Search requests support only ${maxSorts} sort; got ${body.sorts?.length ?? 0}.`);
  const pageSize = limitValue(limits, 'hubspot.search.pageSize', 200);
  if (pageSize !== null && (body.limit ?? 0) > pageSize)
    throw validationError(`limit must be ${pageSize} or less; got ${body.limit ?? 0}.`);
}

export function runSearch(
  state: HubspotState,
  type: HsObjectType,
  body: SearchBody,
  now: number,
  limits: LimitSettings,
): SearchResult {
  const after = parseAfter(body.after);
  const maxResults = limitValue(limits, 'hubspot.search.maxResults', 10_000);
  if (maxResults !== null && after >= maxResults) {
    throw validationError(
      `Search results are limited to ${maxResults} per query: cannot page past ${maxResults} (after=${after}). Narrow the query instead.`,
    );
  }
  const defs = state.properties[type];
  // every filter is compiled (and so validated) on every request, cached or not
  const predicates = (body.filterGroups ?? []).map((g) => g.filters.map((f) => compileFilter(state, type, defs, f)));
  const query = body.query?.trim().toLowerCase() ?? '';
  const order = sortOrder(state, type, body.sorts?.[0]);
  const keyset = keysetOf(body, order);
  const cacheKey = JSON.stringify([type, keyset === null ? body.filterGroups : keyset.groups, query, order]);
  let matches = cachedMatches(state, cacheKey, now);
  if (matches === null) {
    const groups =
      keyset === null
        ? predicates
        : keyset.groups.map((g) => g.filters.map((f) => compileFilter(state, type, defs, f)));
    const found = scanMatches(type, candidatesOf(state, type, body), groups, query, now);
    sortViews(state, type, found.matches, order);
    matches = found.matches;
    rememberMatches(state, cacheKey, { generation: state.generation, validUntil: found.validUntil, matches });
  }
  // the keyset condition (hs_object_id > n in every group) is a binary search in the id-ordered matches
  const from = keyset === null ? 0 : firstAbove(matches, keyset.above);
  const total = matches.length - from;
  const limit = body.limit ?? 10;
  const page = matches.slice(from + after, from + after + limit);
  const names = propertyNames(state, type, body.properties, [
    'hs_object_id',
    type === 'tasks' ? 'hs_createdate' : 'createdate',
    'hs_lastmodifieddate',
  ]);
  const results = page.map((v) => ({
    id: v.id,
    properties: propertiesOf(state, type, v, names),
    createdAt: new Date(v.createdAt).toISOString(),
    updatedAt: new Date(v.updatedAt).toISOString(),
    archived: false,
  }));
  const out: SearchResult = { total, results };
  // HubSpot offers the next offset even when it lies past the 10,000 cap: following it is the 400.
  if (after + page.length < total && page.length > 0) out.paging = { next: { after: String(after + page.length) } };
  return out;
}

function parseAfter(after: string | number | undefined): number {
  if (after === undefined || after === '') return 0;
  const n = Number(after);
  if (!Number.isInteger(n) || n < 0)
    throw validationError(`after must be a non-negative integer offset; got ${String(after)}.`);
  return n;
}

type Test = (view: HsRecordView) => boolean;

function compileFilter(
  state: HubspotState,
  type: HsObjectType,
  defs: ReadonlyMap<string, HsPropertyDef>,
  filter: Filter,
): Test {
  const def = defs.get(filter.propertyName);
  if (!def)
    throw validationError(
      `There was a problem with the request: property ${filter.propertyName} does not exist on ${type}.`,
    );
  const read = (v: HsRecordView): string | null => state.readProp(type, v, filter.propertyName);
  const need = (what: string | undefined, field: string): string => {
    if (what === undefined)
      throw validationError(`Filter on ${filter.propertyName} with operator ${filter.operator} needs "${field}".`);
    return what;
  };
  const kind = comparisonKind(def);
  switch (filter.operator) {
    case 'HAS_PROPERTY':
      return (v) => read(v) !== null;
    case 'NOT_HAS_PROPERTY':
      return (v) => read(v) === null;
    case 'EQ': {
      const target = need(filter.value, 'value');
      return (v) => equals(kind, def, read(v), target);
    }
    case 'NEQ': {
      const target = need(filter.value, 'value');
      return (v) => !equals(kind, def, read(v), target);
    }
    case 'IN': {
      const targets = filter.values ?? [];
      return (v) => targets.some((t) => equals(kind, def, read(v), t));
    }
    case 'NOT_IN': {
      const targets = filter.values ?? [];
      return (v) => !targets.some((t) => equals(kind, def, read(v), t));
    }
    case 'LT':
    case 'LTE':
    case 'GT':
    case 'GTE': {
      // targets are parsed once per search, not once per record: a search scans every record
      const target = toComparable(kind, need(filter.value, 'value'));
      const op = filter.operator;
      return (v) => {
        const c = compareKeys(comparableOf(state, type, v, filter.propertyName, kind), target);
        if (c === null) return false;
        return op === 'LT' ? c < 0 : op === 'LTE' ? c <= 0 : op === 'GT' ? c > 0 : c >= 0;
      };
    }
    case 'BETWEEN': {
      const low = toComparable(kind, need(filter.value, 'value'));
      const high = toComparable(kind, need(filter.highValue, 'highValue'));
      return (v) => {
        const key = comparableOf(state, type, v, filter.propertyName, kind);
        const a = compareKeys(key, low);
        const b = compareKeys(key, high);
        return a !== null && b !== null && a >= 0 && b <= 0;
      };
    }
    case 'CONTAINS_TOKEN': {
      const token = tokenPattern(need(filter.value, 'value'));
      return (v) => containsToken(read(v), token);
    }
    case 'NOT_CONTAINS_TOKEN': {
      const token = tokenPattern(need(filter.value, 'value'));
      return (v) => !containsToken(read(v), token);
    }
  }
}

type Kind = 'number' | 'time' | 'text';

function comparisonKind(def: HsPropertyDef): Kind {
  if (def.type === 'number') return 'number';
  if (def.type === 'date' || def.type === 'datetime') return 'time';
  return 'text';
}

function toComparable(kind: Kind, raw: string): number | string | null {
  if (kind === 'number') {
    const n = Number(raw);
    return raw.trim() === '' || Number.isNaN(n) ? null : n;
  }
  if (kind === 'time') return parseInstant(raw);
  return raw.toLowerCase();
}

function compareKeys(a: number | string | null, b: number | string | null): number | null {
  if (a === null || b === null) return null;
  return a < b ? -1 : a > b ? 1 : 0;
}

function compare(kind: Kind, actual: string | null, target: string): number | null {
  return actual === null ? null : compareKeys(toComparable(kind, actual), toComparable(kind, target));
}

/**
 * A record's value as searches compare it. The record's own id and timestamps are taken as
 * numbers directly (the same values `readProp` formats), sparing a format-and-parse per record.
 */
function comparableOf(
  state: HubspotState,
  type: HsObjectType,
  view: HsRecordView,
  name: string,
  kind: Kind,
): number | string | null {
  if (kind === 'time' && name === 'hs_lastmodifieddate') return view.updatedAt;
  if (kind === 'time' && name === (type === 'tasks' ? 'hs_createdate' : 'createdate')) return view.createdAt;
  if (kind === 'number' && name === 'hs_object_id') return Number(view.id);
  const raw = state.readProp(type, view, name);
  return raw === null ? null : toComparable(kind, raw);
}

/** EQ on a multi-checkbox matches when the value is one of the selected options. */
function equals(kind: Kind, def: HsPropertyDef, actual: string | null, target: string): boolean {
  if (actual === null) return false;
  if (def.fieldType === 'checkbox') return actual.toLowerCase().split(';').includes(target.toLowerCase());
  return compare(kind, actual, target) === 0;
}

function tokenPattern(value: string): RegExp {
  const escaped = value
    .toLowerCase()
    .split('*')
    .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${escaped}$`);
}

/** Tokens are words split on whitespace and punctuation; `*` in the filter is a wildcard. */
function containsToken(value: string | null, token: RegExp): boolean {
  if (value === null) return false;
  return value
    .toLowerCase()
    .split(/[\s;,.@/_-]+/)
    .some((t) => t !== '' && token.test(t));
}

const QUERY_PROPERTIES: Readonly<Record<HsObjectType, readonly string[]>> = {
  deals: ['dealname'],
  companies: ['name', 'domain'],
  tasks: ['hs_task_subject', 'hs_task_body'],
  contacts: ['email', 'firstname', 'lastname'],
};

function matchesQuery(type: HsObjectType, view: HsRecordView, query: string): boolean {
  return QUERY_PROPERTIES[type].some((name) => (view.props[name] ?? '').toLowerCase().includes(query));
}

/** A search's single sort, validated (no sort: by id, ascending). */
interface SortOrder {
  name: string;
  descending: boolean;
  kind: Kind;
}

function sortOrder(
  state: HubspotState,
  type: HsObjectType,
  sort: SearchBody['sorts'] extends (infer S)[] | undefined ? S | undefined : never,
): SortOrder {
  if (sort === undefined) return { name: 'hs_object_id', descending: false, kind: 'number' };
  const name = typeof sort === 'string' ? sort.replace(/^-/, '') : sort.propertyName;
  const descending = typeof sort === 'string' ? sort.startsWith('-') : sort.direction === 'DESCENDING';
  const def = state.properties[type].get(name);
  if (!def) throw validationError(`Cannot sort by ${name}: the property does not exist on ${type}.`);
  return { name, descending, kind: comparisonKind(def) };
}

function sortViews(state: HubspotState, type: HsObjectType, views: HsRecordView[], order: SortOrder): void {
  const { name, descending, kind } = order;
  // The table is kept in id order and scanned in that order: sorting by id is already done.
  if (name === 'hs_object_id' && kind === 'number') {
    if (descending) views.reverse();
    return;
  }
  // keys computed once per record, not once per comparison; ties (and no sort) go by id
  const keyed = views.map((v) => ({ v, key: comparableOf(state, type, v, name, kind), id: Number(v.id) }));
  keyed.sort((a, b) => {
    if (a.key === b.key) return a.id - b.id;
    if (a.key === null) return 1; // no value: last, either direction
    if (b.key === null) return -1;
    const c = a.key < b.key ? -1 : 1;
    return descending ? -c : c;
  });
  keyed.forEach((k, i) => {
    views[i] = k.v;
  });
}

/**
 * Every record the search sees now that passes the filter groups and the query, in id order, and
 * until when that answer holds without a write (the earliest end of a pending search lag).
 */
function scanMatches(
  type: HsObjectType,
  candidates: readonly HsRecord[],
  predicates: readonly (readonly Test[])[],
  query: string,
  now: number,
): { matches: HsRecordView[]; validUntil: number } {
  const matches: HsRecordView[] = [];
  let validUntil = Infinity;
  for (const record of candidates) {
    if (record.lag !== undefined && record.lag.until > now) validUntil = Math.min(validUntil, record.lag.until);
    const view = searchView(record, now);
    if (!view || view.archivedAt !== null) continue;
    // a live record is its own view (no copy per record and search); a frozen one is wrapped
    const candidate: HsRecordView =
      view === record
        ? record
        : { id: record.id, createdAt: record.createdAt, updatedAt: view.updatedAt, props: view.props };
    if (predicates.length > 0 && !predicates.some((group) => group.every((test) => test(candidate)))) continue;
    if (query !== '' && !matchesQuery(type, candidate, query)) continue;
    matches.push(candidate);
  }
  return { matches, validUntil };
}

/**
 * Keyset paging (`hs_object_id GT n` in every filter group, sorted by id ascending, as connectors
 * page past the 10,000-result cap): the same query but for `n` is one cached answer, and each
 * page is a binary search in it. Null when the body is not of that shape.
 */
function keysetOf(body: SearchBody, order: SortOrder): { groups: { filters: Filter[] }[]; above: number } | null {
  if (order.name !== 'hs_object_id' || order.kind !== 'number' || order.descending) return null;
  const groups = body.filterGroups ?? [];
  if (groups.length === 0) return null;
  let above: string | null = null;
  const stripped: { filters: Filter[] }[] = [];
  for (const group of groups) {
    const at = group.filters.findIndex((f) => f.propertyName === 'hs_object_id' && f.operator === 'GT');
    const value = group.filters[at]?.value;
    if (value === undefined || (above !== null && value !== above)) return null;
    above = value;
    stripped.push({ filters: group.filters.filter((_, i) => i !== at) });
  }
  const n = above === null || above.trim() === '' ? NaN : Number(above);
  return Number.isFinite(n) ? { groups: stripped, above: n } : null;
}

/** The first index of id-ordered views whose id is above `n`. */
function firstAbove(views: readonly HsRecordView[], n: number): number {
  let lo = 0;
  let hi = views.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (Number(views[mid]?.id) <= n) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** A search's matches, valid while the account does not change and no search lag ends. */
interface CachedMatches {
  generation: number;
  validUntil: number;
  matches: HsRecordView[];
}

const CACHED_QUERIES = 8;
const caches = new WeakMap<HubspotState, Map<string, CachedMatches>>();

/**
 * Paging through one query re-runs it once per page; the matches are kept per account (a few
 * queries, most recent last) so a page costs a binary search and a slice, not a scan and a sort
 * of the whole table. Any write to the account (state.generation) or the end of a search lag
 * makes the kept answer stale, so what a client sees is exactly what a fresh scan would give.
 */
function cachedMatches(state: HubspotState, key: string, now: number): HsRecordView[] | null {
  const cache = caches.get(state);
  const hit = cache?.get(key);
  if (!cache || !hit) return null;
  cache.delete(key);
  if (hit.generation !== state.generation || now >= hit.validUntil) return null;
  cache.set(key, hit);
  return hit.matches;
}

function rememberMatches(state: HubspotState, key: string, entry: CachedMatches): void {
  let cache = caches.get(state);
  if (!cache) {
    cache = new Map();
    caches.set(state, cache);
  }
  cache.set(key, entry);
  while (cache.size > CACHED_QUERIES) {
    const oldest = cache.keys().next().value;
    if (oldest === undefined) break;
    cache.delete(oldest);
  }
}

/**
 * The records a search must look at, in id order: every record, or — when every filter group
 * bounds hs_lastmodifieddate from below — only those modified at or after the lowest bound,
 * found in an index by modified date instead of a scan. A record search sees through its lag
 * was modified no later than the record itself, so no match is left out; the filters still
 * decide every candidate.
 */
function candidatesOf(state: HubspotState, type: HsObjectType, body: SearchBody): readonly HsRecord[] {
  const table = state.tables[type];
  const from = modifiedLowerBound(state, type, body);
  if (from === null) return table.all();
  const found = modifiedIndex(state, type).from(from);
  // most of the table: its id order is cheaper than sorting the candidates
  if (found.length * 4 > table.size) return table.all();
  return found.sort((a, b) => a.num - b.num);
}

/** The lowest hs_lastmodifieddate a match may have, when every filter group sets one. */
function modifiedLowerBound(state: HubspotState, type: HsObjectType, body: SearchBody): number | null {
  const name = 'hs_lastmodifieddate';
  const def = state.properties[type].get(name);
  if (def === undefined || comparisonKind(def) !== 'time') return null;
  const groups = body.filterGroups ?? [];
  if (groups.length === 0) return null;
  let lowest = Infinity;
  for (const group of groups) {
    let bound: number | null = null;
    for (const f of group.filters) {
      if (f.propertyName !== name || f.value === undefined) continue;
      if (!['GT', 'GTE', 'EQ', 'BETWEEN'].includes(f.operator)) continue;
      const at = parseInstant(f.value);
      if (at !== null) bound = Math.max(bound ?? -Infinity, at);
    }
    if (bound === null) return null;
    lowest = Math.min(lowest, bound);
  }
  return Number.isFinite(lowest) ? lowest : null;
}

/** One object type's records by modified date; entries of records modified again since are skipped. */
class ModifiedIndex {
  #entries: { record: HsRecord; at: number }[] = [];
  #latest = new WeakMap<HsRecord, { record: HsRecord; at: number }>();
  #sorted = true;
  #stale = 0;

  constructor(records: readonly HsRecord[]) {
    this.#rebuild(records);
  }

  #rebuild(records: readonly HsRecord[]): void {
    this.#entries = records.map((record) => ({ record, at: record.updatedAt }));
    this.#latest = new WeakMap(this.#entries.map((e) => [e.record, e]));
    this.#sorted = false;
    this.#stale = 0;
  }

  /** A record was created or changed (its modified date may have moved). */
  touch(record: HsRecord, all: () => readonly HsRecord[]): void {
    const entry = { record, at: record.updatedAt };
    if (this.#latest.has(record)) this.#stale += 1;
    this.#latest.set(record, entry);
    const last = this.#entries.at(-1);
    if (last !== undefined && last.at > entry.at) this.#sorted = false;
    this.#entries.push(entry);
    if (this.#stale > 1000 && this.#stale * 2 > this.#entries.length) this.#rebuild(all());
  }

  /** Records modified at or after `from` (an instant), in no particular order. */
  from(from: number): HsRecord[] {
    if (!this.#sorted) {
      this.#entries.sort((a, b) => a.at - b.at);
      this.#sorted = true;
    }
    let lo = 0;
    let hi = this.#entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.#entries[mid]?.at ?? Infinity) < from) lo = mid + 1;
      else hi = mid;
    }
    const out: HsRecord[] = [];
    for (let i = lo; i < this.#entries.length; i++) {
      const e = this.#entries[i];
      // an entry is the record's latest (and its date its current one) or it is skipped
      if (e !== undefined && this.#latest.get(e.record) === e && e.record.updatedAt === e.at) out.push(e.record);
    }
    return out;
  }
}

const modifiedIndexes = new WeakMap<HubspotState, Map<HsObjectType, ModifiedIndex>>();

/** The type's index by modified date, caught up with the records changed since it last looked. */
function modifiedIndex(state: HubspotState, type: HsObjectType): ModifiedIndex {
  let indexes = modifiedIndexes.get(state);
  if (indexes === undefined || state.changed === null) {
    indexes = new Map();
    modifiedIndexes.set(state, indexes);
    state.changed = [];
  }
  const changed = state.changed;
  if (changed.length > 0) {
    // a changed record belongs to exactly one table: each index takes its own
    for (const [t, index] of indexes) {
      const table = state.tables[t];
      for (const record of changed) if (table.get(record.id) === record) index.touch(record, () => table.all());
    }
    changed.length = 0;
  }
  let index = indexes.get(type);
  if (index === undefined) {
    index = new ModifiedIndex(state.tables[type].all());
    indexes.set(type, index);
  }
  return index;
}
