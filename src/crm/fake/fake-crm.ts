// An in-memory CrmAdapter for tests: records with modification versions (so incremental pulls
// see only what changed), tombstones for deletions, links that change without a version bump
// (what refreshLinks exists for), write-back that stores values the way a CRM would (and bumps
// the version, as a real modified date moves), marker-based tasks, and injectable failures.

import { matchesContactFilter } from '../people.ts';
import type {
  CallStats,
  ContactFilter,
  CrmAdapter,
  DealLinks,
  DealResultField,
  FieldValues,
  PartnerContact,
  PartnerOwner,
  PartnerResultField,
  ProvisionPlan,
  PulledDeal,
  PulledPartner,
  PullPage,
  PullRequest,
  TaskRequest,
  TaskResult,
  WriteBack,
  WriteReport,
} from '../port.ts';
import { CrmError, RESULT_FIELD_KINDS } from '../port.ts';

interface Versioned<T> {
  rec: T;
  version: number;
}

export interface FakeTask extends TaskRequest {
  taskId: string;
}

/** A contact of a partner record, with whatever properties a filter may test. */
export interface FakeContact {
  id: string;
  partnerId: string;
  email: string | null;
  name: string | null;
  properties: Record<string, string>;
}

/** Injected failures: the nth call (1-based) of a method throws, or records fail to write. */
export interface FakeFaults {
  /** Throw CrmError(kind) on this call number of `method` (counted from the fault's creation). */
  failCall?:
    | { method: 'pullPage' | 'writeBack' | 'createTasks' | 'findTasks'; call: number; kind: CrmError['kind'] }
    | undefined;
  /** Record ids whose write-back is reported as failed. */
  rejectWrites?: ReadonlySet<string> | undefined;
  /** Record ids whose write-back the CRM refuses for what it holds (a validation rule): a refusal. */
  refuseWrites?: ReadonlySet<string> | undefined;
  /** Every task create is refused for what it holds. */
  refuseTasks?: boolean | undefined;
}

interface FakeCursor {
  mode: 'full' | 'incremental';
  since: number;
  upTo: number;
  /** Last item emitted: "p:<id>", "d:<id>", "x:<kind>:<id>" (a tombstone) or "links". */
  after: string | null;
  done: boolean;
}

const clone = <T>(v: T): T => structuredClone(v);

export class FakeCrm implements CrmAdapter {
  readonly provider = 'fake';
  pageSize: number;
  /** Real CRMs bump modified dates on our writes, so the next incremental pull re-reads the record. */
  writesBumpVersion = true;
  faults: FakeFaults = {};
  /** Every CRM call fails (the server is gone, the token revoked) while this is set. */
  broken = false;
  readonly account: string;
  private version = 0;
  private readonly partners = new Map<string, Versioned<PulledPartner>>();
  private readonly deals = new Map<string, Versioned<PulledDeal>>();
  private readonly tombstones: { kind: 'partner' | 'deal'; id: string; version: number }[] = [];
  readonly tasks: FakeTask[] = [];
  /** CRM users by owner id (partners' ownerId points here). */
  readonly owners = new Map<string, { email: string | null; name: string | null }>();
  readonly contacts: FakeContact[] = [];
  /** Every writeBack call with what it carried. */
  readonly writeLog: WriteBack[] = [];
  private readonly calls = new Map<string, number>();
  private failCounter = new Map<string, number>();

  constructor(options: { account?: string; pageSize?: number } = {}) {
    this.account = options.account ?? 'fake-account';
    this.pageSize = options.pageSize ?? 3;
  }

  // ---- test controls --------------------------------------------------------------------------

  upsertPartner(
    p: Omit<PulledPartner, 'written' | 'ownerId'> & Partial<Pick<PulledPartner, 'written' | 'ownerId'>>,
  ): void {
    const prev = this.partners.get(p.id)?.rec;
    this.partners.set(p.id, {
      rec: clone({ ownerId: null, ...p, written: p.written ?? prev?.written ?? {} }),
      version: ++this.version,
    });
  }

  upsertDeal(d: Omit<PulledDeal, 'written' | 'ownerId'> & Partial<Pick<PulledDeal, 'written' | 'ownerId'>>): void {
    const prev = this.deals.get(d.id)?.rec;
    this.deals.set(d.id, {
      rec: clone({ ownerId: null, ...d, written: d.written ?? prev?.written ?? {} }),
      version: ++this.version,
    });
  }

  /** Changes a deal the way a rep would (the version moves). */
  updateDeal(id: string, change: Partial<PulledDeal>): void {
    const cur = this.deals.get(id);
    if (!cur) throw new Error(`fake CRM: no deal ${id}`);
    this.deals.set(id, { rec: { ...cur.rec, ...clone(change) }, version: ++this.version });
  }

  updatePartner(id: string, change: Partial<PulledPartner>): void {
    const cur = this.partners.get(id);
    if (!cur) throw new Error(`fake CRM: no partner ${id}`);
    this.partners.set(id, { rec: { ...cur.rec, ...clone(change) }, version: ++this.version });
  }

  deleteDeal(id: string): void {
    if (this.deals.delete(id)) this.tombstones.push({ kind: 'deal', id, version: ++this.version });
  }

  deletePartner(id: string): void {
    if (this.partners.delete(id)) this.tombstones.push({ kind: 'partner', id, version: ++this.version });
  }

  /** A link change that does not move the modified date (only refreshLinks sees it). */
  setCustomerSilently(dealId: string, customerId: string | null): void {
    const cur = this.deals.get(dealId);
    if (!cur) throw new Error(`fake CRM: no deal ${dealId}`);
    cur.rec = { ...cur.rec, customerId };
  }

  partner(id: string): PulledPartner | undefined {
    return clone(this.partners.get(id)?.rec);
  }

  deal(id: string): PulledDeal | undefined {
    return clone(this.deals.get(id)?.rec);
  }

  /** Every value in our result fields, by record: what tests compare between runs. */
  writtenState(): Record<string, Record<string, string | null | undefined>> {
    const out: Record<string, Record<string, string | null | undefined>> = {};
    for (const [id, p] of [...this.partners].sort(byKey)) out[`partner:${id}`] = { ...p.rec.written };
    for (const [id, d] of [...this.deals].sort(byKey))
      out[`deal:${id}`] = { ...d.rec.written, registrationStatus: d.rec.registration?.status ?? null };
    return out;
  }

  // ---- CrmAdapter ---------------------------------------------------------------------------

  accountKey(): Promise<string> {
    return Promise.resolve(this.account);
  }

  provision(options: { dryRun: boolean }): Promise<ProvisionPlan> {
    return Promise.resolve({ actions: [], applied: !options.dryRun });
  }

  async *pull(request: PullRequest): AsyncIterable<PullPage> {
    await Promise.resolve(); // pages come from memory; the port is asynchronous
    let cursor = this.startCursor(request);
    const items = this.itemsFor(cursor, request.refreshLinks);
    let start = cursor.after === null ? 0 : items.indexOf(cursor.after) + 1;
    if (cursor.after !== null && start === 0) start = items.findIndex((k) => k > (cursor.after ?? '')); // the record left since: continue after its place
    if (start < 0) start = items.length;
    if (start >= items.length) {
      this.fault('pullPage');
      yield this.page([], { ...cursor, done: true });
      return;
    }
    for (let i = start; i < items.length; i += this.pageSize) {
      const slice = items.slice(i, i + this.pageSize);
      const last = i + this.pageSize >= items.length;
      cursor = { ...cursor, after: slice[slice.length - 1] ?? null, done: last };
      this.fault('pullPage');
      yield this.page(slice, cursor);
    }
  }

  async pullRecords(ids: { deals: readonly string[]; partners: readonly string[] }): Promise<PullPage> {
    await Promise.resolve(); // a failure rejects the promise, as a real CRM call would
    this.fault('pullRecords');
    const partners = ids.partners.flatMap((id) => {
      const p = this.partners.get(id);
      return p ? [clone(p.rec)] : [];
    });
    const deals = ids.deals.flatMap((id) => {
      const d = this.deals.get(id);
      return d ? [clone(d.rec)] : [];
    });
    return {
      partners,
      deals,
      links: [],
      removedDealIds: ids.deals.filter((id) => !this.deals.has(id)),
      removedPartnerIds: ids.partners.filter((id) => !this.partners.has(id)),
      cursor: {},
    };
  }

  async writeBack(changes: WriteBack): Promise<WriteReport> {
    await Promise.resolve();
    this.fault('writeBack');
    this.writeLog.push(clone(changes));
    const failed: WriteReport['failed'] = [];
    let partnersWritten = 0;
    let dealsWritten = 0;
    const reject = this.faults.rejectWrites ?? new Set<string>();
    const refuse = this.faults.refuseWrites ?? new Set<string>();
    for (const p of changes.partners) {
      const cur = this.partners.get(p.id);
      const invalid = invalidNumber(p.fields);
      if (cur && refuse.has(p.id)) {
        const properties = Object.keys(p.fields);
        failed.push({
          object: 'partner',
          id: p.id,
          reason: 'refused by a rule of the fake CRM',
          refusal: true,
          properties,
        });
        continue;
      }
      if (!cur || reject.has(p.id) || invalid !== null) {
        failed.push({
          object: 'partner',
          id: p.id,
          reason: !cur ? 'not found' : (invalid ?? 'rejected by the fake CRM'),
        });
        continue;
      }
      cur.rec = { ...cur.rec, written: storeValues(cur.rec.written, p.fields) };
      if (this.writesBumpVersion) cur.version = ++this.version;
      partnersWritten++;
    }
    for (const d of changes.deals) {
      const cur = this.deals.get(d.id);
      const invalid = invalidNumber(d.fields);
      if (!cur || reject.has(d.id) || invalid !== null) {
        failed.push({ object: 'deal', id: d.id, reason: !cur ? 'not found' : (invalid ?? 'rejected by the fake CRM') });
        continue;
      }
      const registration =
        d.expireRegistration === true && cur.rec.registration
          ? { ...cur.rec.registration, status: 'expired' }
          : cur.rec.registration;
      cur.rec = { ...cur.rec, registration, written: storeValues(cur.rec.written, d.fields) };
      if (this.writesBumpVersion) cur.version = ++this.version;
      dealsWritten++;
    }
    return { partnersWritten, dealsWritten, failed };
  }

  createTasks(tasks: readonly TaskRequest[]): Promise<TaskResult[]> {
    this.fault('createTasks');
    if (this.faults.refuseTasks === true)
      return Promise.resolve(
        tasks.map((t) => ({
          marker: t.marker,
          taskId: '',
          refused: { reason: 'refused by a rule of the fake CRM', properties: [] },
        })),
      );
    return Promise.resolve(
      tasks.map((t) => {
        const taskId = `task-${this.tasks.length + 1}`;
        this.tasks.push({ ...clone(t), taskId });
        return { marker: t.marker, taskId };
      }),
    );
  }

  findTasks(markers: readonly string[]): Promise<TaskResult[]> {
    this.fault('findTasks');
    const wanted = new Set(markers);
    return Promise.resolve(
      this.tasks.filter((t) => wanted.has(t.marker)).map((t) => ({ marker: t.marker, taskId: t.taskId })),
    );
  }

  partnerOwners(partnerIds: readonly string[]): Promise<PartnerOwner[]> {
    this.count('partnerOwners');
    const out: PartnerOwner[] = [];
    for (const id of new Set(partnerIds)) {
      const ownerId = this.partners.get(id)?.rec.ownerId ?? null;
      if (ownerId === null) continue;
      const owner = this.owners.get(ownerId);
      out.push({ partnerId: id, ownerId, email: owner?.email ?? null, name: owner?.name ?? null });
    }
    return Promise.resolve(out);
  }

  partnerContacts(partnerIds: readonly string[], filter: ContactFilter): Promise<PartnerContact[]> {
    this.count('partnerContacts');
    const wanted = new Set(partnerIds);
    return Promise.resolve(
      this.contacts
        .filter((c) => wanted.has(c.partnerId) && this.partners.has(c.partnerId))
        .filter((c) => c.email !== null && c.email !== '' && matchesContactFilter(c.properties, filter))
        .map((c) => ({ partnerId: c.partnerId, contactId: c.id, email: c.email ?? '', name: c.name }))
        .sort((a, b) => a.partnerId.localeCompare(b.partnerId) || a.contactId.localeCompare(b.contactId)),
    );
  }

  callStats(): CallStats {
    const byEndpoint: CallStats['byEndpoint'] = {};
    let total = 0;
    for (const [name, count] of this.calls) {
      byEndpoint[name] = { count, statuses: { '200': count } };
      total += count;
    }
    return { total, rateLimited: 0, byEndpoint };
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  // ---- internals ----------------------------------------------------------------------------

  private count(name: string): void {
    this.calls.set(name, (this.calls.get(name) ?? 0) + 1);
  }

  private fault(method: NonNullable<FakeFaults['failCall']>['method'] | 'pullRecords'): void {
    this.count(method);
    if (this.broken) throw new CrmError({ provider: 'fake', kind: 'unavailable', message: 'fake CRM: unavailable' });
    const f = this.faults.failCall;
    if (f?.method !== method) return;
    const n = (this.failCounter.get(method) ?? 0) + 1;
    this.failCounter.set(method, n);
    if (n === f.call) {
      this.faults = { ...this.faults, failCall: undefined };
      this.failCounter = new Map();
      throw new CrmError({
        provider: 'fake',
        kind: f.kind,
        message: `fake CRM: injected ${f.kind} on ${method} call ${n}`,
      });
    }
  }

  private startCursor(request: PullRequest): FakeCursor {
    const c = request.cursor as Partial<FakeCursor> | null;
    if (
      c !== null &&
      c.done === false &&
      c.mode === request.mode &&
      typeof c.since === 'number' &&
      typeof c.upTo === 'number'
    ) {
      return { mode: c.mode, since: c.since, upTo: c.upTo, after: c.after ?? null, done: false }; // resume
    }
    const since = request.mode === 'full' ? 0 : typeof c?.upTo === 'number' ? c.upTo : 0;
    return { mode: request.mode, since, upTo: this.version, after: null, done: false };
  }

  private itemsFor(cursor: FakeCursor, refreshLinks: boolean): string[] {
    // a full pull lists every record there is (also those changed while it runs)
    const inRange = (v: number): boolean => cursor.mode === 'full' || (v > cursor.since && v <= cursor.upTo);
    const items: string[] = [];
    for (const [id, p] of this.partners) if (inRange(p.version)) items.push(`p:${id}`);
    for (const [id, d] of this.deals) if (inRange(d.version)) items.push(`d:${id}`);
    if (cursor.mode === 'incremental') {
      for (const t of this.tombstones) if (inRange(t.version)) items.push(`x:${t.kind}:${t.id}`);
    }
    items.sort();
    if (refreshLinks) items.push('~links');
    return items;
  }

  private page(items: readonly string[], cursor: FakeCursor): PullPage {
    const page: PullPage = {
      partners: [],
      deals: [],
      links: [],
      removedDealIds: [],
      removedPartnerIds: [],
      cursor: { ...cursor },
    };
    for (const item of items) {
      if (item.startsWith('p:')) {
        const p = this.partners.get(item.slice(2));
        if (p) page.partners.push(clone(p.rec));
      } else if (item.startsWith('d:')) {
        const d = this.deals.get(item.slice(2));
        if (d) page.deals.push(clone(d.rec));
      } else if (item.startsWith('x:deal:')) {
        page.removedDealIds.push(item.slice('x:deal:'.length));
      } else if (item.startsWith('x:partner:')) {
        page.removedPartnerIds.push(item.slice('x:partner:'.length));
      } else if (item === '~links') {
        page.links.push(
          ...[...this.deals.values()].map((d): DealLinks => ({
            dealId: d.rec.id,
            customerId: d.rec.customerId ?? null,
          })),
        );
      }
    }
    return page;
  }
}

const byKey = <T>(a: [string, T], b: [string, T]): number => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);

/** A CRM keeps what it was sent, except that it drops trailing zeros of numbers (as HubSpot does). */
/** A number field given text that is not a number, as a CRM would refuse it; else null. */
function invalidNumber(fields: Readonly<Record<string, string | null | undefined>>): string | null {
  for (const [k, v] of Object.entries(fields)) {
    const kind = (RESULT_FIELD_KINDS as Readonly<Record<string, string>>)[k];
    if (kind === 'number' && typeof v === 'string' && v !== '' && !/^-?\d+(\.\d+)?$/.test(v))
      return `${k}: "${v}" is not a number`;
  }
  return null;
}

function storeValues<F extends string>(current: FieldValues<F>, fields: FieldValues<F>): FieldValues<F> {
  const out: FieldValues<F> = { ...current };
  for (const [k, v] of Object.entries(fields) as [F, string | null | undefined][]) {
    out[k] = typeof v === 'string' && /^-?\d+\.\d+$/.test(v) ? v.replace(/\.?0+$/, '') : (v ?? null);
  }
  return out;
}

export type { DealResultField, PartnerResultField };
