// The persistence port of sync mode: one interface, implemented over SQLite and PostgreSQL by
// KyselyStore (kysely-store.ts, opened by open-store.ts). Everything is scoped by the CRM
// account (accountKey()): one database may serve several accounts.

import type { DealRefRole } from '../domain/deal-refs.ts';
import type { SnapshotTouch } from '../domain/snapshot.ts';
import type {
  DealResultField,
  FieldValues,
  PartnerResultField,
  PullCursor,
  PulledDeal,
  PulledPartner,
  PullPage,
  TaskRequest,
} from '../domain/records.ts';
import type { AccountLock, LockClaim, LockMode } from './account-lock.ts';
import type { KeyBalance, LedgerEntry, LedgerKind, NewLedgerEntry, PeriodClose } from '../ledger/types.ts';
import type { Fence, LedgerStore } from '../ledger/port.ts';
import type { FinanceStore } from '../ledger/finance-port.ts';
import type { AuditStore, NotificationStore, QueuedEvent } from './notifications.ts';
import type { PartnerPortalStore } from './partner-portal.ts';
import type { RunStatus, TaskStatus } from './schema.ts';
import type { PartnerSortKey } from './read-model-columns.ts';

export type { RunStatus, TaskStatus } from './schema.ts';
export type { KeyBalance, LedgerEntry, LedgerKind, NewLedgerEntry, PeriodClose };

export interface RunRecord {
  id: string;
  account: string;
  mode: string;
  status: RunStatus;
  startedAt: number;
  finishedAt: number | null;
  asOf: number;
  report: Record<string, unknown>;
}

export interface PullState {
  cursor: PullCursor | null;
  pullId: string;
  mode: 'full' | 'incremental';
  done: boolean;
  pages: number;
}

export interface AlertEpisode {
  id: string;
  alertKey: string;
  code: string;
  severity: string;
  partnerId: string | null;
  dealId: string | null;
  recipe: string | null;
  message: string;
  detail: Record<string, unknown>;
  openedAt: number;
  openedRun: string;
  resolvedAt: number | null;
  resolvedRun: string | null;
}

/** One page of the partner list (issue 21): filters and order (by id) applied in the store. */
/** Filters and the page cursor of the run list (GET /v1/runs, issue 21), applied in the store. */
export interface RunPageQuery {
  status?: RunStatus | undefined;
  /** The mode the run started in: full, incremental or targeted. */
  mode?: string | undefined;
  /** Only runs that sort after this one, newest first (the page cursor). */
  before?: { startedAt: number; id: string } | undefined;
}

export interface PartnerPageQuery {
  /** 1..500 rows. */
  limit: number;
  /** Only partners whose id sorts after this one (the page cursor). */
  after?: string | undefined;
  band?: string | undefined;
  recipe?: string | undefined;
  tier?: string | undefined;
  /** Case-insensitive substring of "id name". */
  q?: string | undefined;
  /** Only this partner (GET /v1/partners/:id: one row). */
  id?: string | undefined;
}

/** Issue 21: the run the account's read models are of. */
export interface ReadModelHead {
  runId: string;
  asOf: number;
  /** Fingerprint of the program config the run computed with. */
  fingerprint: string;
  /**
   * Whether the head's run wrote every partner row's figures and the deal rows (migration 015),
   * so a scoped run can bring the read models forward (src/sync/read-model-scope.ts).
   */
  scopable?: boolean | undefined;
}

/** A partner row's figures behind the period aggregates (issue 21, migration 015). */
export interface ReadModelFigures {
  sourced: bigint;
  attributed: bigint;
  commissions: bigint;
  /** The ROI cost of docs/finance-rules.md §6: commissions + recipe monthlyCost × months. */
  cost: bigint;
  won: number;
  lost: number;
  /** ms; null when the partner was never active. */
  lastActivity: number | null;
  onboarded: number | null;
}

/** A stored partner row's filter column and figures (null in rows written before migration 015). */
export interface ReadModelFigureRow {
  period: string;
  partnerId: string;
  recipe: string | null;
  figures: ReadModelFigures | null;
}

/** A deal as the read models need it: won deals by month, every deal's recipe class (migration 015). */
export interface ReadModelDealInput {
  id: string;
  /** Month index of closedAt for won deals, null otherwise. */
  wonMonth: number | null;
  /** A(d) for won deals, null otherwise. */
  amount: bigint | null;
  /** Effective recipe of the deal on its own (docs/finance-rules.md §2), null without one. */
  recipe: string | null;
  created: number;
}

/**
 * Besides the period rows: the deal rows (complete: every deal row; else the rows to upsert),
 * deals and partners whose rows go (not complete only).
 */
export interface ReadModelExtras {
  deals: readonly ReadModelDealInput[];
  removedDeals?: readonly string[] | undefined;
  removedPartners?: readonly string[] | undefined;
}

/** One partner's read-model row of a period: filter columns, a content hash, and the JSON body. */
export interface ReadModelPartnerInput {
  id: string;
  name: string;
  recipe: string | null;
  band: string | null;
  tier: string | null;
  hash: string;
  body: unknown;
  /** The figures behind the aggregates (migration 015), written with the row. */
  figures?: ReadModelFigures | undefined;
}

/** A period's read models: the aggregate (hash + body) and the partner rows. */
export interface ReadModelPeriodInput {
  period: string;
  hash: string;
  body: unknown;
  partners: readonly ReadModelPartnerInput[];
}

export interface ReadModelPartnerQuery {
  /** 1..500 rows, or undefined for all. */
  limit?: number | undefined;
  after?: string | undefined;
  band?: string | undefined;
  recipe?: string | undefined;
  tier?: string | undefined;
  q?: string | undefined;
  ids?: readonly string[] | undefined;
}

/** A page of the dashboard's partner list (issue 21): sorted, filtered and paged in the store. */
export interface ReadModelPartnerPageQuery {
  sort: PartnerSortKey;
  dir: 'asc' | 'desc';
  offset: number;
  /** 1..500 rows. */
  limit: number;
  /** healthy, watch, at_risk, or none (no score). */
  band?: string | undefined;
  recipe?: string | undefined;
  tier?: string | undefined;
  /** Case-insensitive substring of "id name". */
  q?: string | undefined;
  /** Only partners with an open alert. */
  withAlerts?: boolean | undefined;
}

export interface PartnerPageRow {
  partner: Omit<PulledPartner, 'written'>;
  state: PartnerState | null;
}

export interface PartnerState {
  partnerId: string;
  healthScore: number | null;
  result: unknown;
  runId: string;
  updatedAt: number;
}

/** A task in the outbox: the CRM request, its alert episode and where its creation stands. */
export interface OutboxTask extends TaskRequest {
  episodeId: string;
  status: TaskStatus;
  taskId: string | null;
  attempts: number;
  lastError: string | null;
}

/** Everything the alert step changes, applied in one transaction. */
export interface AlertChanges {
  runId: string;
  at: number;
  open: Omit<AlertEpisode, 'openedAt' | 'openedRun' | 'resolvedAt' | 'resolvedRun'>[];
  /** Still open: the message (and detail) as of this run. */
  update: { id: string; message: string; detail: Record<string, unknown> }[];
  resolve: string[];
  partnerStates: { partnerId: string; healthScore: number | null; result: unknown }[];
  tasks: Omit<OutboxTask, 'status' | 'taskId' | 'attempts' | 'lastError'>[];
  /** Notifications of the episodes opened and resolved (issue 18), queued in the same transaction. */
  notifications?: QueuedEvent[] | undefined;
}

/** What the last computing run left for idle runs (issue 21; src/sync/run-sync.ts). */
export interface ComputeMark {
  runId: string;
  /** The config the run computed with (sync/idle.ts configFingerprint). */
  fingerprint: string;
  /** Outputs may change from this instant on with no CRM change (src/domain/due.ts). */
  due: number;
  /** The ledger's version after the run's posting. */
  ledger: { seq: number; closes: number };
  at: number;
}

/**
 * Per partner id, the instant from which time alone may change its outputs (src/domain/due.ts
 * dueParts; a partner without one has no row). `complete`: these are every partner's (the other
 * rows are deleted); otherwise only the given partners' rows change, and a partner mapped to
 * Infinity loses its row.
 */
export interface PartnerDues {
  partners: ReadonlyMap<string, number>;
  complete: boolean;
}

export interface CachedRecords {
  partners: PulledPartner[];
  deals: PulledDeal[];
}

export interface WrittenUpdate {
  partners: { id: string; fields: FieldValues<PartnerResultField> }[];
  deals: { id: string; fields: FieldValues<DealResultField>; expireRegistration: boolean }[];
}

export interface WriteIntent {
  id: string;
  object: 'partner' | 'deal';
  recordId: string;
  fields: Record<string, unknown>;
}

/** A write the CRM refused for what it held (validation rules), kept until the record is written. */
export interface WriteRefusal {
  object: 'partner' | 'deal' | 'task';
  /** The record id; for a task, its marker. */
  recordId: string;
  /** What was sent (field values; a task's request), to tell whether a later write changed. */
  fields: Record<string, unknown>;
  /** The properties the CRM named. */
  properties: string[];
  message: string;
  runId: string;
  at: number;
}

/** A rotated credential and the configured value it descends from (see CredentialRow). */
export interface StoredCredential {
  value: string;
  basis: string;
}

export interface Store extends LedgerStore, NotificationStore, AuditStore {
  /** 'sqlite' or 'postgres'. */
  readonly kind: string;
  /** Partner users, sign-in links and registrations (issue 19, partner-portal.ts). */
  readonly partners: PartnerPortalStore;
  /** Manual adjustments, payout runs and payee details (issue 20). */
  readonly finance: FinanceStore;
  /** Applied migration versions, oldest first. */
  migrations(): Promise<string[]>;
  close(): Promise<void>;

  /** A change-event source's stored position (src/crm/events.ts), or null. */
  eventCheckpoint(account: string, key: string): Promise<string | null>;
  saveEventCheckpoint(account: string, key: string, value: string, at: number): Promise<void>;

  credential(name: string): Promise<StoredCredential | null>;
  saveCredential(name: string, credential: StoredCredential, at: number): Promise<void>;

  /**
   * The per-account sync lock (account-lock.ts): refused with LockBusyError after `waitMs`. Its
   * fence goes with every write below that takes one (checked inside the write's transaction).
   */
  lock(account: string, waitMs: number, mode?: LockMode, token?: string): Promise<AccountLock>;
  /**
   * Frees the lock of an acquisition whose holder died (`serve`'s sync worker thread, issue 21),
   * never a later holder's (account-lock.ts `LockClaim`). `token` above is the one the claim names.
   */
  reclaimLock(claim: LockClaim): Promise<boolean>;
  ensureAccount(account: string, provider: string, at: number): Promise<void>;
  listAccounts(): Promise<{ account: string; provider: string }[]>;

  startRun(run: Omit<RunRecord, 'finishedAt' | 'status'>): Promise<void>;
  /** Records how the run ended; `mode`: the mode it ran in, when the pull decided another (issue 21). */
  finishRun(
    id: string,
    status: RunStatus,
    finishedAt: number,
    report: Record<string, unknown>,
    mode?: string,
  ): Promise<void>;
  /** Marks runs left `running` by a process that died (called under the account lock). */
  abandonRuns(account: string, at: number): Promise<number>;
  /** Marks this run failed with `error` if it is still `running` (its worker died, issue 21); the run after, or null. */
  abandonRun(id: string, at: number, error: string): Promise<RunRecord | null>;
  /** Newest first; `query` filters and continues after a page's last run. */
  listRuns(account: string, limit: number, query?: RunPageQuery): Promise<RunRecord[]>;
  getRun(id: string): Promise<RunRecord | null>;

  pullState(account: string): Promise<PullState | null>;
  /** Starts a pull: a full pull tags the records it sees with `pullId`. */
  beginPull(account: string, state: PullState, at: number, fence: Fence): Promise<void>;
  /** Applies one page and its checkpoint in one transaction. */
  applyPage(account: string, state: PullState, page: PullPage, at: number, fence: Fence): Promise<void>;
  /** Ends a pull; a full pull removes the records it did not see. Returns how many it removed. */
  finishPull(account: string, state: PullState, at: number, fence: Fence): Promise<{ partners: number; deals: number }>;
  loadCache(account: string): Promise<CachedRecords>;
  /** Every cached partner's id and name (the name, or the id without one); no records read. */
  cachedPartnerNames(account: string): Promise<{ id: string; name: string }[]>;
  /** Names (the id when unnamed) of these cached partners or deals; ids not cached are absent (issue 21). */
  cachedNames(account: string, object: 'partner' | 'deal', ids: readonly string[]): Promise<Map<string, string>>;
  /** The idle-run mark; null when none or the cache changed since (any applyPage/finishPull/updateWritten change deletes it). */
  computeMark(account: string): Promise<ComputeMark | null>;
  /**
   * Saves (or, with null, deletes) the account's mark in a fenced transaction; with `dues`, the
   * partners' due instants in the same transaction (only rows that change are written).
   */
  saveComputeMark(fence: Fence, mark: ComputeMark | null, dues?: PartnerDues): Promise<void>;
  /** Partners whose due instant is at or before `asOf`, earliest first, at most `limit` (issue 21). */
  partnersDueBy(account: string, asOf: number, limit: number): Promise<{ partnerId: string; due: number }[]>;
  /** Issue 21, scoped runs: these cached partners and deals (ids not cached are absent), each in id order. */
  cachedRecords(
    account: string,
    ids: { partners: readonly string[]; deals: readonly string[] },
  ): Promise<CachedRecords>;
  /**
   * Ids of the cached deals naming any of these partners (deal_partner_refs), in any of the roles
   * (default all); with `stage`, only the deals cached in that stage.
   */
  dealsNaming(
    account: string,
    partnerIds: readonly string[],
    roles?: readonly DealRefRole[],
    stage?: PulledDeal['stage'],
  ): Promise<string[]>;
  /** Ids of the cached open deals of these customers. */
  openDealsOfCustomers(account: string, customerIds: readonly string[]): Promise<string[]>;
  /** Deal ids of the ledger keys of these partners with a posted total other than zero. */
  ledgerKeyDeals(account: string, partnerIds: readonly string[]): Promise<string[]>;
  /** How many deals the snapshot cache holds. */
  cachedDealCount(account: string): Promise<number>;
  /** The cached touches of these deals (deals not in the cache are absent). */
  cachedTouches(account: string, dealIds: readonly string[]): Promise<Map<string, SnapshotTouch[]>>;
  /** After a successful write-back: what the CRM now holds. */
  updateWritten(account: string, update: WrittenUpdate, at: number, fence: Fence): Promise<void>;

  recordWrites(
    account: string,
    runId: string,
    intents: readonly WriteIntent[],
    at: number,
    fence: Fence,
  ): Promise<void>;
  settleWrites(
    account: string,
    done: readonly string[],
    failed: readonly { id: string; reason: string }[],
    at: number,
    fence: Fence,
  ): Promise<void>;

  /** Current write refusals of the account, newest first (issue 14). */
  writeRefusals(account: string): Promise<WriteRefusal[]>;
  /**
   * Records refusals (replacing a record's previous one) and forgets those of `cleared` records, in
   * a fenced transaction (a run that lost the account records nothing; docs/architecture.md §5a).
   */
  saveRefusals(
    account: string,
    refusals: readonly WriteRefusal[],
    cleared: readonly { object: WriteRefusal['object']; recordId: string }[],
    fence: Fence,
  ): Promise<void>;

  openEpisodes(account: string): Promise<AlertEpisode[]>;
  episodes(
    account: string,
    filter: { partnerId?: string; partnerIds?: readonly string[]; openOnly?: boolean },
  ): Promise<AlertEpisode[]>;
  /** Open episodes per severity and code (issue 21: the alerts page counts without loading them). */
  openEpisodeCodes(account: string): Promise<{ severity: string; code: string; count: number }[]>;
  /**
   * One page of open episodes, filtered, in the alerts page's order (docs/finance-rules.md §8:
   * severity, code, partner, deal, recipe; then when opened).
   */
  openEpisodePage(
    account: string,
    query: { severity?: string | undefined; code?: string | undefined; offset: number; limit: number },
  ): Promise<AlertEpisode[]>;
  /** How many alert episodes of the account are open (the dashboard's header, issue 21). */
  openEpisodeTotal(account: string): Promise<number>;
  /** Open episodes per partner and severity (issue 21: list pages count without loading them). */
  openEpisodeCounts(account: string): Promise<{ partnerId: string | null; severity: string; count: number }[]>;
  partnerStates(account: string): Promise<PartnerState[]>;
  /**
   * Open episodes naming one of the partners or deals, or of one of the codes (issue 21: a scoped
   * run's subjects, read by the open-episode indexes of migration 018), each once, in the order of
   * `openEpisodes` (when opened, then id).
   */
  openEpisodesOf(
    account: string,
    subjects: { partnerIds: readonly string[]; dealIds: readonly string[]; codes: readonly string[] },
  ): Promise<AlertEpisode[]>;
  /** The last states of these partners (issue 21: a scoped run's affected partners), by the primary key. */
  partnerStatesOf(account: string, partnerIds: readonly string[]): Promise<PartnerState[]>;
  /** Up to query.limit cached partners in id order with their last state (issue 21). */
  partnerPage(account: string, query: PartnerPageQuery): Promise<PartnerPageRow[]>;
  applyAlerts(account: string, changes: AlertChanges, fence: Fence): Promise<void>;

  /**
   * Sums of the entries booked in a ledger month, per kind, and of those payable by `payableBy`
   * (issue 21: the program page's totals without loading every entry).
   */
  ledgerMonthSums(
    account: string,
    period: string,
    payableBy: number,
  ): Promise<{ kind: string; entries: number; amount: bigint; payable: bigint }[]>;

  /** Issue 21: the head of the account's read models, null before any run wrote them. */
  readModelHead(account: string): Promise<ReadModelHead | null>;
  /**
   * Writes a run's read models in one fenced transaction: rows whose hash changed are upserted,
   * the head moves to the run. With `complete`, periods and partner rows not given are removed
   * (a full computation); without, only the given partners' rows and the given aggregates change.
   * Returns how many aggregate and partner rows were written or removed. With `extras` (issue 21,
   * migration 015) the deal rows change in the same transaction (complete: every row given,
   * others removed; else upserts and removals), removed partners' rows go, and the head is
   * scopable when complete (the caller gives every row's figures then). A complete write takes
   * the periods one at a time (a generator may build each as it is written; an error it throws
   * rolls the whole write back).
   */
  writeReadModels(
    fence: Fence,
    head: ReadModelHead,
    periods: Iterable<ReadModelPeriodInput>,
    complete: boolean,
    at: number,
    extras?: ReadModelExtras,
  ): Promise<{ periods: number; partners: number }>;
  /** Issue 21: stored partner rows' figures of these partners, every period. */
  readModelFigures(account: string, partnerIds: readonly string[]): Promise<ReadModelFigureRow[]>;
  /** Issue 21: stored deal rows of these deals. */
  readModelDeals(account: string, dealIds: readonly string[]): Promise<ReadModelDealInput[]>;
  /**
   * Issue 21: per period, its partners with attributed revenue above 0, at least the `count`
   * highest and every partner tied with the last of them (ties are ordered by the caller).
   */
  readModelTopAttributed(
    account: string,
    periods: readonly string[],
    count: number,
  ): Promise<Map<string, { id: string; attributed: bigint }[]>>;
  /** Issue 21: per recipe, its newest deal rows, newest first (ties at the last creation time included). */
  readModelRecipeDeals(
    account: string,
    recipes: readonly string[],
    count: number,
  ): Promise<Map<string, { id: string; created: number }[]>>;
  /** A period's aggregate body, null when not stored. */
  readModelPeriod(account: string, period: string): Promise<unknown>;
  /** Aggregate bodies of these periods, by period (missing ones absent). */
  readModelPeriods(account: string, periods: readonly string[]): Promise<Map<string, unknown>>;
  /** Partner row bodies of a period in id order, filtered and paged in the store. */
  readModelPartners(account: string, period: string, query: ReadModelPartnerQuery): Promise<unknown[]>;
  /** One partner's row bodies for these periods, by period. */
  readModelPartner(account: string, periods: readonly string[], id: string): Promise<Map<string, unknown>>;
  /**
   * One page of a period's partner rows in the list's order (src/http/ui/pages/partners.ts): by
   * the sort key in the direction asked, partners without a value last, ties by lower-cased name
   * then id; with how many rows match the filters and the earned tiers present in the period.
   */
  readModelPartnerPage(
    account: string,
    period: string,
    query: ReadModelPartnerPageQuery,
  ): Promise<{ rows: unknown[]; matching: number; tiers: string[] }>;

  pendingTasks(account: string): Promise<OutboxTask[]>;
  tasks(account: string): Promise<OutboxTask[]>;
  markTasks(
    account: string,
    created: readonly { marker: string; taskId: string }[],
    failed: readonly { marker: string; reason: string }[],
    fence: Fence,
  ): Promise<void>;
}
