// HubSpot records as the sandbox stores them: one table per object type, indexed by id and kept
// in id order (list paging is a binary search, never a scan), with a property history that costs
// nothing until a property is written (the seed's value is its first entry) and an optional
// "search view" that makes search lag behind writes.

export interface HsHistoryEntry {
  value: string;
  timestamp: number;
  sourceType: string;
  sourceId?: string;
}

/** What search sees of a record while its latest writes are not yet indexed. */
export interface HsSearchView {
  props: Record<string, string>;
  updatedAt: number;
  archivedAt: number | null;
}

export interface HsRecord {
  id: string;
  /** The id as a number, for ordering and `after` paging. */
  num: number;
  createdAt: number;
  updatedAt: number;
  archivedAt: number | null;
  /** Stored values; a property without a value is absent (never ''). */
  props: Record<string, string>;
  /** How the record's first values arrived ("IMPORT" for seed data, "API" for API creates). */
  source: string;
  /** Per-property history, oldest first; absent until the property has more than its first value. */
  history?: Record<string, HsHistoryEntry[]>;
  /** Set while a write is hidden from search (search lag); `view` null = not searchable yet. */
  lag?: { until: number; view: HsSearchView | null };
}

export class RecordTable {
  readonly #byId = new Map<string, HsRecord>();
  readonly #ordered: HsRecord[] = [];

  get size(): number {
    return this.#ordered.length;
  }

  get(id: string): HsRecord | undefined {
    return this.#byId.get(id);
  }

  /** Records are inserted in increasing id order (ids are allocated that way). */
  insert(record: HsRecord): void {
    const last = this.#ordered[this.#ordered.length - 1];
    if (last && last.num >= record.num) {
      // Out of order (restored files written by hand): keep the order with a sorted insert.
      const at = this.#firstIndexAtOrAbove(record.num);
      this.#ordered.splice(at, 0, record);
    } else this.#ordered.push(record);
    this.#byId.set(record.id, record);
  }

  all(): readonly HsRecord[] {
    return this.#ordered;
  }

  /** Up to `limit` records with id >= `fromNum` and the given archived state, plus where to continue. */
  page(fromNum: number, limit: number, archived: boolean): { records: HsRecord[]; next: number | null } {
    const records: HsRecord[] = [];
    for (let i = this.#firstIndexAtOrAbove(fromNum); i < this.#ordered.length; i++) {
      const record = this.#ordered[i];
      if (!record || (record.archivedAt !== null) !== archived) continue;
      if (records.length === limit) return { records, next: record.num };
      records.push(record);
    }
    return { records, next: null };
  }

  #firstIndexAtOrAbove(num: number): number {
    let lo = 0;
    let hi = this.#ordered.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.#ordered[mid]?.num ?? Infinity) < num) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/** The history of one property, oldest first, with the first value synthesised when untouched. */
export function historyOf(record: HsRecord, name: string): HsHistoryEntry[] {
  const kept = record.history?.[name];
  if (kept) return kept;
  const value = record.props[name];
  return value === undefined ? [] : [{ value, timestamp: record.createdAt, sourceType: record.source }];
}

/**
 * Writes values (already validated and normalised; '' clears) and records their history.
 * Answers whether anything changed. The caller decides whether the modified date moves.
 */
export function writeProps(
  record: HsRecord,
  values: Readonly<Record<string, string>>,
  at: number,
  sourceType: string,
  sourceId?: string,
): boolean {
  let changed = false;
  for (const [name, value] of Object.entries(values)) {
    const current = record.props[name] ?? '';
    if (current === value) continue;
    const history = historyOf(record, name);
    const entry: HsHistoryEntry = { value, timestamp: at, sourceType };
    if (sourceId !== undefined) entry.sourceId = sourceId;
    (record.history ??= {})[name] = [...history, entry];
    // A cleared property is absent, as HubSpot answers it (null), never an empty string.
    if (value === '') Reflect.deleteProperty(record.props, name);
    else record.props[name] = value;
    changed = true;
  }
  return changed;
}

/** Before a write: freeze what search sees for `lagMs` (a no-op without lag). */
export function hideFromSearch(record: HsRecord, now: number, lagMs: number, isNew: boolean): void {
  if (lagMs <= 0) return;
  if (isNew) {
    record.lag = { until: now + lagMs, view: null };
    return;
  }
  if (record.lag && record.lag.until > now) {
    record.lag.until = now + lagMs;
    return;
  }
  record.lag = {
    until: now + lagMs,
    view: { props: { ...record.props }, updatedAt: record.updatedAt, archivedAt: record.archivedAt },
  };
}

/** What search sees now: the live record, a frozen earlier view, or nothing. */
export function searchView(record: HsRecord, now: number): HsSearchView | null {
  if (record.lag) {
    if (record.lag.until > now) return record.lag.view;
    delete record.lag;
  }
  return record;
}
