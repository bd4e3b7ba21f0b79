// One sync run (issue 6): lock → pull into the snapshot cache (checkpoint per page) → compute →
// post ledger differences → alert episodes → write back changed values → tasks through the
// outbox → record the run. Every step is idempotent and keyed, so a crash anywhere leaves a state
// the next run finishes from; a quota error stops at a checkpoint and the run is `stopped`.

import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import {
  CrmError,
  type CallStats,
  type PullPage,
  type PulledDeal,
  type PulledPartner,
  type TaskResult,
  type WriteBack,
  type WriteFailure,
} from '../crm/port.ts';
import { isHeld, REFUSAL_HOLD_MS, refusalKey, taskFields, taskRequest } from './write-refusals.ts';
import { LEDGER_COMMISSION_LIMIT } from '../domain/commissions.ts';
import { computeDetailed, type EngineOutput } from '../domain/engine.ts';
import { registrationLapsed } from '../domain/outcomes.ts';
import { formatMinor } from '../domain/money.ts';
import type { Snapshot } from '../domain/snapshot.ts';
import { alertNotifications, runNotifications } from '../notify/sync-hook.ts';
import { followRegistrations } from './registration-decisions.ts';
import type { LedgerKind, PullState, RunStatus } from '../store/store.ts';
import type { AccountLock } from '../store/account-lock.ts';
import { AccountLostError, LedgerMovedError } from '../ledger/errors.ts';
import { healthDropped, planEpisodes, syncModeAlerts } from './alert-episodes.ts';
import { SimulatedCrash, type FaultPoint, type SyncDeps } from './deps.ts';
import { planLedger, targetEntries, type TargetEntry } from '../ledger/plan.ts';
import { rejectionDetails, timestampDetails, type RejectedDeal } from './rejection-details.ts';
import { batches, planWriteBackParts, type WritePlanInput } from './write-back.ts';
import {
  periodInput,
  programFingerprint,
  readModelDealRows,
  readModelRowsEach,
  storedPeriods,
  figuresFit,
} from './read-model-build.ts';
import { configFingerprint, dueScope, mustCompute } from './idle.ts';
import { dueFrom, laterParts, type LaterParts } from '../domain/due.ts';
import { DAY_MS, formatInstant } from '../domain/time.ts';
import type { CachedRecords, ComputeMark, ReadModelPeriodInput, WriteRefusal } from '../store/store.ts';
import { recipeUnusedAlerts, type Alert } from '../domain/alerts.ts';
import { lastDealByRecipe, scopedReadModels } from './read-model-scope.ts';
import { prepareSnapshot } from '../domain/prepare.ts';
import { currencyRateMissing } from './alert-episodes.ts';
import { scopeOf, type Scope } from './scope.ts';

export interface SyncOptions {
  /** Read everything and drop cached records the CRM no longer has. */
  full?: boolean | undefined;
  /** Re-read links that do not bump modified dates. */
  refreshLinks?: boolean | undefined;
  /** Webhook-triggered: read only these records (batch reads), then compute and write. */
  targeted?: { deals: readonly string[]; partners: readonly string[] } | undefined;
  /** Wait this long for another sync of the account; default store.lockWaitSeconds. */
  lockWaitMs?: number | undefined;
  /** The run's id (the API answers it before the run ends); default a new UUID. */
  runId?: string | undefined;
  /** Aborted (graceful shutdown): the pull stops after its current page, at a checkpoint. */
  signal?: AbortSignal | undefined;
}

/** The run stopped at a checkpoint because the service is shutting down. */
export class SyncStopped extends Error {
  override readonly name = 'SyncStopped';
}

export interface RunReport {
  mode: string;
  pull: {
    pages: number;
    partners: number;
    deals: number;
    links: number;
    removedPartners: number;
    removedDeals: number;
    resumed: boolean;
  };
  /** rejected: every deal left out, with the value it holds and the fix (issue 17). */
  snapshot: { partners: number; deals: number; rejected: RejectedDeal[]; warnings: string[] };
  ledger: {
    posted: Record<Exclude<LedgerKind, 'manual'>, number>;
    net: string;
    clawbacksNotPosted: number;
    /** Keys the targets and posted totals name, and those whose balances were read and planned (issue 21). */
    keys?: { compared: number; planned: number };
  };
  alerts: { open: number; opened: number; resolved: number };
  writeBack: {
    partners: number;
    deals: number;
    expiredRegistrations: number;
    failures: WriteFailure[];
    /** Records whose write the CRM refused before, unchanged since: not sent (write-refusals.ts). */
    held?: number;
  };
  tasks: {
    created: number;
    foundExisting: number;
    failed: { marker: string; reason: string; properties?: string[] }[];
    /** Tasks the CRM refused before, unchanged since: not sent. */
    held?: number;
  };
  /** Read-model rows written or removed (issue 21): aggregates of periods, partner rows. */
  readModels?: { periods: number; partners: number };
  durationsMs: Record<string, number>;
  /**
   * Scoped or whole-account compute (issue 21, src/sync/scope.ts): why, and how many partners and
   * deals the run recomputed (scoped: AP and DS) and read (the sub-snapshot). In a scoped run,
   * `snapshot` counts and lists the sub-snapshot only.
   */
  scope?: {
    /** Scoped runs: the read models brought forward from the mark's run, or rebuilt from the whole account. */
    readModels?: 'brought forward' | 'rebuilt';
    mode: 'scoped' | 'full';
    reason: string;
    partners: number;
    deals: number;
    read?: { partners: number; deals: number };
  };
  /** An idle run (issue 21): the steps it skipped, why, the run whose results stand and until when. */
  skipped?: { steps: string[]; reason: string; computedBy: string; due: string };
  /** Why an incremental run computed instead of skipping (issue 21, src/sync/idle.ts mustCompute). */
  computeReason?: string;
  apiCalls: CallStats['byEndpoint'];
  abandonedRuns: number;
  stoppedAt?: string;
  error?: string;
}

export interface SyncResult {
  runId: string;
  account: string;
  status: RunStatus;
  asOf: number;
  report: RunReport;
}

function emptyReport(mode: string): RunReport {
  return {
    mode,
    pull: { pages: 0, partners: 0, deals: 0, links: 0, removedPartners: 0, removedDeals: 0, resumed: false },
    snapshot: { partners: 0, deals: 0, rejected: [], warnings: [] },
    ledger: { posted: { accrual: 0, adjustment: 0, clawback: 0 }, net: '0', clawbacksNotPosted: 0 },
    alerts: { open: 0, opened: 0, resolved: 0 },
    writeBack: { partners: 0, deals: 0, expiredRegistrations: 0, failures: [], held: 0 },
    tasks: { created: 0, foundExisting: 0, failed: [], held: 0 },
    durationsMs: {},
    apiCalls: {},
    abandonedRuns: 0,
  };
}

/** API calls made during the run: the adapter's counters now minus at the start. */
function callsSince(before: CallStats, after: CallStats): CallStats['byEndpoint'] {
  const out: CallStats['byEndpoint'] = {};
  for (const [endpoint, stat] of Object.entries(after.byEndpoint)) {
    const prev = before.byEndpoint[endpoint];
    const count = stat.count - (prev?.count ?? 0);
    if (count <= 0) continue;
    const statuses: Record<string, number> = {};
    for (const [code, n] of Object.entries(stat.statuses)) {
      const d = n - (prev?.statuses[code] ?? 0);
      if (d > 0) statuses[code] = d;
    }
    out[endpoint] = { count, statuses };
  }
  return out;
}

const isQuota = (err: unknown): boolean => err instanceof CrmError && err.kind === 'quota_exhausted';

/**
 * Computes as of the run. An approved registration on an open deal whose protection has lapsed
 * is marked expired by the run's write-back; the engine then sees it expired right away, so the
 * values written now are the ones the next run computes (no write on an unchanged re-run).
 * Shared by the run and the dry run (dry-run.ts).
 */
export function computeForRun(
  program: SyncDeps['config']['program'],
  partners: readonly PulledPartner[],
  deals: readonly PulledDeal[],
  asOf: number,
): { out: EngineOutput; expire: Set<string> } {
  const snapshot: Snapshot = { partners, deals };
  // sync mode: a commission beyond what the ledger holds rejects its deal (docs/finance-rules.md §10.2)
  const first = computeDetailed(program, snapshot, { asOf, commissionLimit: LEDGER_COMMISSION_LIMIT });
  const expire = new Set<string>();
  for (const d of first.details.deals) if (registrationLapsed(d, asOf)) expire.add(d.id);
  if (expire.size === 0) return { out: first, expire };
  const expired = deals.map((d) =>
    expire.has(d.id) && d.registration ? { ...d, registration: { ...d.registration, status: 'expired' } } : d,
  );
  return {
    out: computeDetailed(program, { partners, deals: expired }, { asOf, commissionLimit: LEDGER_COMMISSION_LIMIT }),
    expire,
  };
}

class Run {
  readonly deps: SyncDeps;
  readonly options: SyncOptions;
  readonly id: string;
  readonly account: string;
  readonly asOf: number;
  readonly report: RunReport;
  readonly lock: AccountLock;
  private readonly counts = new Map<FaultPoint, number>();
  /** While a scoped run may still be possible: the mark it builds on and what the pull changed (src/sync/scope.ts). */
  private capture: ScopeCapture | null = null;
  private whyNotScoped: string | null = null;

  constructor(deps: SyncDeps, options: SyncOptions, lock: AccountLock, asOf: number) {
    this.deps = deps;
    this.options = options;
    this.id = options.runId ?? randomUUID();
    this.lock = lock;
    this.account = lock.fence.account;
    this.asOf = asOf;
    this.report = emptyReport(options.targeted ? 'targeted' : options.full === true ? 'full' : 'incremental');
  }

  /** A step boundary: the test hook may crash here. */
  boundary(point: FaultPoint): void {
    const count = (this.counts.get(point) ?? 0) + 1;
    this.counts.set(point, count);
    this.deps.faults?.(point, { count });
  }

  /**
   * Proves the run still owns the account before a CRM write, which no transaction of ours can
   * cover (issue 16): the lock is not known lost, and the lease epoch is still the run's.
   */
  async owned(): Promise<void> {
    const why = this.lock.lost();
    if (why !== null) throw new AccountLostError(this.account, why);
    await this.deps.store.checkFence(this.lock.fence);
  }

  async timed<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const t0 = performance.now();
    try {
      return await fn();
    } finally {
      this.report.durationsMs[name] = Math.round(performance.now() - t0);
    }
  }

  // ---- pull ---------------------------------------------------------------------------------

  async pull(): Promise<void> {
    const { store, crm, clock } = this.deps;
    const progress = this.deps.onProgress;
    const targeted = this.options.targeted;
    const previous = await store.pullState(this.account);
    if (targeted) {
      const page = await crm.pullRecords(targeted);
      const state: PullState = previous ?? { cursor: null, pullId: this.id, mode: 'incremental', done: true, pages: 0 };
      await this.captureBefore(page);
      await store.applyPage(this.account, state, page, clock.now(), this.lock.fence);
      this.count(page);
      this.boundary('after-page');
      return;
    }
    let state: PullState;
    const wantFull = this.options.full === true || previous === null;
    if (previous !== null && !previous.done && !(wantFull && previous.mode === 'incremental')) {
      state = previous; // resume the interrupted pull from its last checkpoint
      this.report.pull.resumed = true;
      this.report.mode = `${previous.mode} (resumed)`;
    } else if (wantFull) {
      state = { cursor: null, pullId: this.id, mode: 'full', done: false, pages: 0 };
      this.report.mode = 'full';
    } else {
      state = { cursor: previous.cursor, pullId: this.id, mode: 'incremental', done: false, pages: 0 };
    }
    await store.beginPull(this.account, state, clock.now(), this.lock.fence);
    const pages = crm.pull({
      mode: state.mode,
      cursor: state.cursor,
      refreshLinks: this.options.refreshLinks === true,
      previousTouches: (ids) => store.cachedTouches(this.account, ids),
    });
    for await (const page of pages) {
      state = { ...state, cursor: page.cursor, pages: state.pages + 1 };
      await this.captureBefore(page);
      await store.applyPage(this.account, state, page, clock.now(), this.lock.fence);
      this.count(page);
      progress?.({
        step: 'pull',
        pages: this.report.pull.pages,
        records: this.report.pull.partners + this.report.pull.deals,
      });
      this.boundary('after-page');
      if (this.options.signal?.aborted === true)
        throw new SyncStopped('stopped for shutdown after a checkpoint; the next run resumes the pull');
    }
    const removed = await store.finishPull(this.account, state, clock.now(), this.lock.fence);
    this.report.pull.removedPartners += removed.partners;
    this.report.pull.removedDeals += removed.deals;
  }

  /**
   * Before a page is applied: the cached records it changes, as they were before this run (a scoped
   * run needs the partners and customers they named). Past the scoped-run limit, capture stops.
   */
  private async captureBefore(page: PullPage): Promise<void> {
    const c = this.capture;
    if (c === null || c.overflow) return;
    const dealIds = [...page.deals.map((d) => d.id), ...page.removedDealIds, ...page.links.map((l) => l.dealId)];
    const partnerIds = [...page.partners.map((p) => p.id), ...page.removedPartnerIds];
    const newDeals = dealIds.filter((id) => !c.deals.has(id));
    const newPartners = partnerIds.filter((id) => !c.partners.has(id));
    for (const id of newDeals) c.deals.add(id);
    for (const id of newPartners) c.partners.add(id);
    if (c.deals.size + c.partners.size > SCOPED_MAX_RECORDS) {
      c.overflow = true;
      return;
    }
    const before = await this.deps.store.cachedRecords(this.account, { deals: newDeals, partners: newPartners });
    for (const d of before.deals) c.before.deals.set(d.id, d);
    for (const p of before.partners) c.before.partners.set(p.id, p);
  }

  private count(page: {
    partners: unknown[];
    deals: unknown[];
    links: unknown[];
    removedDealIds: unknown[];
    removedPartnerIds: unknown[];
  }): void {
    const p = this.report.pull;
    p.pages += 1;
    p.partners += page.partners.length;
    p.deals += page.deals.length;
    p.links += page.links.length;
    p.removedDeals += page.removedDealIds.length;
    p.removedPartners += page.removedPartnerIds.length;
  }

  // ---- compute ------------------------------------------------------------------------------

  /**
   * Computes as of the run. An approved registration on an open deal whose protection has lapsed
   * is marked expired by this run's write-back; the engine then sees it expired right away, so
   * the values written now are the ones the next run computes (no write on an unchanged re-run).
   */
  compute(
    partners: readonly PulledPartner[],
    deals: readonly PulledDeal[],
  ): { out: EngineOutput; expire: Set<string> } {
    return computeForRun(this.deps.config.program, partners, deals, this.asOf);
  }

  // ---- the run ------------------------------------------------------------------------------

  async steps(): Promise<void> {
    const { store, clock, config } = this.deps;
    const progress = this.deps.onProgress;
    const program = config.program;

    await this.startCapture();
    await this.timed('pull', () => this.pull());
    this.boundary('after-pull');

    // an idle run (issue 21, src/sync/idle.ts): nothing changed and nothing is due; tasks still go
    if (await this.idle()) {
      progress?.({ step: 'tasks' });
      await this.timed('tasks', () => this.tasks());
      this.boundary('after-tasks');
      return;
    }
    const scopedView = await this.timed('scope', () => this.scoped());
    await store.saveComputeMark(this.lock.fence, null);

    progress?.({ step: 'compute' });
    // the raw records are let go once computed (keep): later steps hold what they read of them
    const cache: KeptView = scopedView === null ? await this.wholeAccount() : this.keep(scopedView);
    const { out, expire, scope } = cache;
    const tz = out.details.tz;
    this.report.snapshot = {
      partners: cache.partners.length,
      deals: cache.deals.length,
      rejected: cache.rejected,
      warnings: cache.warnings,
    };
    // a scoped run's rejected deals: those it read, and the earlier run's for every other deal (a
    // rejection is the deal's own, src/domain/prepare.ts), so the list stays the account's
    if (scope !== null) {
      const read = new Set(cache.deals.map((d) => d.id));
      const removed = new Set(scope.removedDeals);
      this.report.snapshot.rejected = [
        ...scope.earlierRejected.filter((r) => !read.has(r.dealId) && !removed.has(r.dealId)),
        ...this.report.snapshot.rejected,
      ].sort((a, b) => (a.dealId < b.dealId ? -1 : a.dealId > b.dealId ? 1 : 0));
    }
    this.boundary('after-compute');

    // ledger: differences against what is posted, in one transaction that checks the fence and
    // that the ledger is still at the version the plan read (issue 16)
    progress?.({ step: 'ledger' });
    const plan = await this.timed('ledger', async () => {
      // only keys whose target differs from what is posted can need an entry (issue 21): their
      // full balances are read, every other key is settled (ledger_key_totals, migration 012)
      // scoped: the targets and posted totals of AP's keys only (complete: every deal of AP is in DS)
      const targets = inScopeTargets(targetEntries(program, out.details), scope);
      const view = await store.ledgerDiffView(
        this.account,
        new Map([...targets.values()].map((t) => [t.key, t.amount])),
        scope === null ? undefined : [...scope.partners],
      );
      this.report.ledger.keys = { compared: view.compared, planned: view.keys.size };
      const ledgerPlan = planLedger({
        program,
        tz,
        asOf: this.asOf,
        targets: new Map([...view.keys].flatMap((k) => (targets.has(k) ? [[k, targets.get(k) as TargetEntry]] : []))),
        balances: view.balances,
        closes: view.closes,
        dealStages: new Map(cache.deals.map((d) => [d.id, d.stage])),
        rejected: new Map(out.result.rejected.map((r) => [r.dealId, r.reason])),
      });
      await this.deps.pause?.('ledger-planned');
      const posted = await store.postEntries(this.lock.fence, this.id, ledgerPlan.entries, clock.now(), view.version);
      for (const e of posted) if (e.kind !== 'manual') this.report.ledger.posted[e.kind] += 1;
      this.report.ledger.net = formatMinor(
        posted.reduce((s, e) => s + e.amount, 0n),
        program.exponent,
      );
      this.report.ledger.clawbacksNotPosted = ledgerPlan.skipped.length;
      // only what the alerts need: the posted plan would stay alive to the end of the run
      return { skipped: ledgerPlan.skipped };
    });
    this.boundary('after-ledger');

    // alerts: episodes, last health scores and the task outbox, in one transaction
    progress?.({ step: 'alerts' });
    const partnersById = new Map(cache.partners.map((p) => [p.id, p]));
    const episodes = await this.timed('alerts', async () => {
      // scoped: episodes of the subjects in scope only, read by index (migration 018: those naming
      // a partner of AP or a deal of DS, and RECIPE_UNUSED's), and the last states of AP only
      // (HEALTH_DROPPED of AP); the others stay open as they are
      const read =
        scope === null
          ? await store.openEpisodes(this.account)
          : await store.openEpisodesOf(this.account, {
              partnerIds: [...scope.partners],
              dealIds: [...scope.deals],
              codes: scope.recipeAlerts !== null || scope.recipes.size > 0 ? ['RECIPE_UNUSED'] : [],
            });
      const open = new Map(read.filter((e) => inScope(e, scope)).map((e) => [e.alertKey, e]));
      const states = new Map(
        (scope === null
          ? await store.partnerStates(this.account)
          : await store.partnerStatesOf(this.account, [...scope.partners])
        ).map((s) => [s.partnerId, s]),
      );
      const episodePlan = planEpisodes({
        runId: this.id,
        at: this.asOf,
        newId: randomUUID,
        timezone: program.timezone,
        out,
        open,
        partnersById,
        alerts: scopedAlerts(syncModeAlerts(program, tz, out, plan.skipped, cache.deals), scope),
        drops: healthDropped(out, states, open).filter((d) => inScope(d.alert, scope)),
      });
      if (scope !== null)
        episodePlan.changes.partnerStates = episodePlan.changes.partnerStates.filter((p) =>
          scope.partners.has(p.partnerId),
        );
      // notifications of the episodes opened and resolved commit with them (issue 18)
      const notify = { runId: this.id, at: this.asOf, changes: episodePlan.changes, open, deals: cache.deals };
      episodePlan.changes.notifications = alertNotifications(config, { ...notify, partners: partnersById });
      await store.applyAlerts(this.account, episodePlan.changes, this.lock.fence);
      this.report.alerts = {
        // scoped: the account's open episodes, counted in the store after this run's changes
        open: scope === null ? episodePlan.alerts.length : await store.openEpisodeTotal(this.account),
        opened: episodePlan.changes.open.length,
        resolved: episodePlan.changes.resolve.length,
      };
      return episodePlan;
    });
    this.boundary('after-alerts');

    progress?.({ step: 'write-back' });
    await this.timed('writeBack', () => this.writeBack(out, episodes.alerts, cache, expire));
    this.boundary('after-write-back');

    progress?.({ step: 'tasks' });
    await this.timed('tasks', () => this.tasks());
    this.boundary('after-tasks');

    // read models of this run's figures (issue 21), one fenced transaction: a crash before it
    // leaves the previous run's read models, complete
    await this.timed('readModels', () =>
      scope === null ? this.readModels(out, cache.partners) : this.readModelsAfterScopedRun(out, scope),
    );
    await this.mark(out, cache);
  }

  /** Before the pull: whether a scoped run may follow, and the mark it would build on (read before the pull deletes it). */
  private async startCapture(): Promise<void> {
    if (this.options.full === true) {
      this.whyNotScoped = 'a full run';
      return;
    }
    const mark = await this.deps.store.computeMark(this.account);
    if (mark === null) {
      this.whyNotScoped = 'no computing run left a mark since the cache last changed (or it had something to retry)';
      return;
    }
    const before = { deals: new Map<string, PulledDeal>(), partners: new Map<string, PulledPartner>() };
    this.capture = { mark, deals: new Set(), partners: new Set(), before, overflow: false };
  }

  /** The whole-account compute: every cached record, let go once computed (keep). */
  private async wholeAccount(): Promise<KeptView> {
    const cache = await this.deps.store.loadCache(this.account);
    const { out, expire } = await this.timed('compute', () =>
      Promise.resolve(this.compute(cache.partners, cache.deals)),
    );
    return this.keep({ ...cache, out, expire, scope: null });
  }

  /**
   * What the steps after the compute need of the raw records, taken now so the raw deals can go
   * (issue 21 memory: at 1M deals they are the largest thing a run holds): the rejected deals'
   * details, the raw snapshot's part of the due instants (laterParts, for the mark) and, per
   * deal, its id, name, stage, currency and the values the CRM holds (written).
   */
  private keep(view: RunView): KeptView {
    const { out } = view;
    const tz = out.details.tz;
    return {
      partners: view.partners,
      deals: view.deals.map((d) => ({
        id: d.id,
        name: d.name,
        stage: d.stage,
        currency: d.currency,
        written: d.written,
      })),
      out,
      expire: view.expire,
      scope: view.scope,
      rejected: rejectionDetails(view.deals, out.result.rejected, this.deps.config.program, tz, this.asOf),
      warnings: [...out.warnings, ...timestampDetails(view.deals, out.result.rejected, tz)],
      later: laterParts(out.details, view, this.asOf),
    };
  }

  /**
   * A scoped run (src/sync/scope.ts) when the last computing run left its mark under the same
   * config and ledger, nothing is due before now and the pull changed few records; else null
   * (the whole-account path), with the reason in the report either way.
   */
  private async scoped(): Promise<RunView | null> {
    const c = this.capture;
    this.capture = null;
    const full = (reason: string): null => {
      this.report.scope = { mode: 'full', reason, partners: 0, deals: 0 };
      return null;
    };
    if (c === null) return full(this.whyNotScoped ?? 'not a targeted or incremental run');
    if (this.report.pull.resumed) return full('the pull resumed an interrupted one');
    if (c.overflow) return full(`the pull changed more than ${SCOPED_MAX_RECORDS} records`);
    const program = this.deps.config.program;
    if (this.options.targeted === undefined && c.deals.size + c.partners.size > SCOPED_MIN_RECORDS) {
      const cached = await this.deps.store.cachedDealCount(this.account);
      if (c.deals.size + c.partners.size > cached * SCOPED_MAX_SHARE)
        return full(`the pull changed more than ${SCOPED_MAX_SHARE * 100}% of the cached deals`);
    }
    const why = mustCompute({
      pulled: 0,
      mark: c.mark,
      fingerprint: configFingerprint(this.deps.config),
      asOf: this.asOf,
      ledger: await this.deps.store.ledgerVersion(this.account),
    });
    if (why !== null) return full(why);
    // the rejected deals of the run that left the mark (its report): a scoped run keeps them for
    // the deals it does not read
    const earlier = (await this.deps.store.getRun(c.mark.runId))?.report['snapshot'] as
      { rejected?: unknown } | undefined;
    if (!Array.isArray(earlier?.rejected)) return full('the run that left the mark recorded no rejected deals');
    const earlierRejected = earlier.rejected as RejectedDeal[];
    // a partner whose own due instant has passed (partner_dues, src/domain/due.ts dueParts) may
    // have changed by time alone: it joins the affected partners (its instant bounds its own
    // outputs, its rows and entries, the alerts naming it and the values on the deals naming it)
    const time = await dueScope(this.deps.store, this.account, this.asOf, {
      mark: c.mark,
      limit: SCOPED_MAX_RECORDS - c.deals.size - c.partners.size,
    });
    // (the mark and its program due were checked above: only the limit can send it down the full path)
    if ('full' in time) return full(`${time.full} besides the records pulled`);
    const due = time.partners;
    const scope = await scopeOf(this.deps.store, this.account, program, {
      deals: c.deals,
      partners: c.partners,
      before: c.before,
      due: new Set(due),
    });
    const sub = scope.snapshot;
    const { out, expire } = await this.timed('compute', () => Promise.resolve(this.compute(sub.partners, sub.deals)));
    const cached = { deals: new Set(sub.deals.map((d) => d.id)), partners: new Set(sub.partners.map((p) => p.id)) };
    const removedDeals = [...c.deals].filter((id) => !cached.deals.has(id));
    const removedPartners = [...c.partners].filter((id) => !cached.partners.has(id));
    // RECIPE_UNUSED over the whole account: each recipe's last deal from the read models' deal
    // rows (read-model-scope.ts), when they are those of the run that left the mark
    const head = await this.deps.store.readModelHead(this.account);
    const headOfMark =
      head !== null &&
      head.runId === c.mark.runId &&
      head.scopable === true &&
      head.fingerprint === programFingerprint(program);
    const lastDeal = headOfMark
      ? await lastDealByRecipe(
          this.deps.store,
          this.account,
          program,
          new Set([...scope.deals, ...removedDeals]),
          readModelDealRows(out.details, scope.deals),
        )
      : null;
    const recipeAlerts = lastDeal === null ? null : recipeUnusedAlerts(program, out.details.tz, this.asOf, lastDeal);
    // whole-account alerts: kept as they are unless a changed deal may move them (then: full path)
    const moved = wholeAccountAlertMoved(program, this.asOf, out, scope, c, recipeAlerts !== null);
    if (moved !== null) return full(moved);
    this.report.scope = {
      mode: 'scoped',
      reason: `${c.deals.size} deals and ${c.partners.size} partners changed since the last computing run${due.length === 0 ? '' : `, ${due.length} partners reached their due instant`}`,
      partners: scope.partners.size,
      deals: scope.deals.size,
      read: { partners: sub.partners.length, deals: sub.deals.length },
    };
    return {
      ...sub,
      out,
      expire,
      scope: {
        ...scope,
        due: c.mark.due,
        markRun: c.mark.runId,
        removedDeals,
        removedPartners,
        lastDeal,
        recipeAlerts,
        earlierRejected,
      },
    };
  }

  /**
   * The read models after a scoped run: brought forward from those of the run that left the mark
   * with AP's rows and DS's deals (src/sync/read-model-scope.ts); when they cannot be (another
   * head, month or config), rebuilt from a whole-account compute — slow, but exact.
   */
  private async readModelsAfterScopedRun(out: EngineOutput, scope: RunScope): Promise<void> {
    const { store, clock, config } = this.deps;
    const program = config.program;
    const head = await store.readModelHead(this.account);
    if (head !== null && head.runId === scope.markRun) {
      const written = await scopedReadModels({
        store,
        fence: this.lock.fence,
        program,
        head: { runId: this.id, asOf: this.asOf, fingerprint: programFingerprint(program) },
        asOf: this.asOf,
        sub: out,
        partners: scope.partners,
        deals: scope.deals,
        removedPartners: scope.removedPartners,
        removedDeals: scope.removedDeals,
        names: new Map(scope.snapshot.partners.map((p) => [p.id, p.name ?? p.id])),
        at: clock.now(),
      });
      if (written !== null) {
        this.report.readModels = written;
        if (this.report.scope) this.report.scope.readModels = 'brought forward';
        return;
      }
    }
    if (this.report.scope) this.report.scope.readModels = 'rebuilt';
    const cache = await store.loadCache(this.account);
    const whole = this.compute(cache.partners, cache.deals);
    await this.readModels(whole.out, cache.partners);
  }

  /** Writes what the dashboard and /v1 reads show, for the periods they show by default. */
  private async readModels(out: EngineOutput, partners: readonly PulledPartner[]): Promise<void> {
    const { store, clock, config } = this.deps;
    const program = config.program;
    const names = new Map(partners.map((p) => [p.id, p.name ?? p.id]));
    const asOf = this.asOf;
    const periods = storedPeriods(out.details.tz.monthOf(asOf));
    const head = { runId: this.id, asOf: this.asOf, fingerprint: programFingerprint(program) };
    // with every partner's figures and the deal rows, so a scoped run can update them
    // (read-model-scope.ts); without both when a figure is beyond the store's 64-bit columns.
    // Each period is built as the store writes it (issue 21 memory), so the figures are checked
    // as they come: a period whose figures do not fit rolls the write back, and it is made again
    // without figures.
    const deals = readModelDealRows(out.details);
    const write = (withFigures: boolean): ReturnType<typeof store.writeReadModels> => {
      const constant = new Map<string, string>();
      function* inputs(): Generator<ReadModelPeriodInput> {
        for (const rows of readModelRowsEach(program, out, names, asOf, periods)) {
          if (withFigures && !figuresFit([rows], [])) throw new FiguresBeyondColumns();
          yield periodInput(withFigures ? rows : { ...rows, figures: new Map() }, constant);
        }
      }
      return store.writeReadModels(
        this.lock.fence,
        head,
        inputs(),
        true,
        clock.now(),
        withFigures ? { deals } : undefined,
      );
    };
    if (!figuresFit([], deals)) this.report.readModels = await write(false);
    else
      try {
        this.report.readModels = await write(true);
      } catch (err) {
        if (!(err instanceof FiguresBeyondColumns)) throw err;
        this.report.readModels = await write(false);
      }
  }

  /** Whether this incremental run may skip computing (src/sync/idle.ts); says why in the report. */
  private async idle(): Promise<boolean> {
    if (this.options.full === true || this.options.targeted !== undefined || this.report.pull.resumed) return false;
    const p = this.report.pull;
    const { store } = this.deps;
    const mark = await store.computeMark(this.account);
    // partners whose own due instant passed (migration 017): a time-scoped run computes them
    const due = mark === null || this.asOf >= mark.due ? [] : await store.partnersDueBy(this.account, this.asOf, 4);
    const why = mustCompute({
      pulled: p.partners + p.deals + p.links + p.removedDeals + p.removedPartners,
      mark,
      fingerprint: configFingerprint(this.deps.config),
      asOf: this.asOf,
      ledger: await store.ledgerVersion(this.account),
      duePartners: due.map((d) => d.partnerId),
    });
    if (why !== null || mark === null) {
      this.report.computeReason = why ?? 'no idle mark';
      return false;
    }
    const next = (await store.partnersDueBy(this.account, Number.MAX_SAFE_INTEGER, 1))[0]?.due ?? Infinity;
    this.report.skipped = {
      steps: ['compute', 'ledger', 'alerts', 'writeBack'],
      reason: 'no CRM change, same config and ledger, and nothing due before the next due instant',
      computedBy: mark.runId,
      due: formatInstant(Math.min(mark.due, next)),
    };
    return true;
  }

  /**
   * After a computing run with no failed write to retry: the mark that lets idle runs skip until
   * its due instant (src/domain/due.ts; a refused write's hold ends it too), with each partner's
   * own due instant (partner_dues).
   */
  private async mark(out: EngineOutput, cache: KeptView): Promise<void> {
    const { store, config } = this.deps;
    // a write that failed must be sent again by the next run; one the CRM refused is held back
    // until its hold ends (write-refusals.ts), when a computing run sends it again. Tasks need
    // nothing: an idle run sends the outbox as a computing run does.
    if (this.report.writeBack.failures.some((f) => f.refusal !== true)) return;
    const holdsEnd = (await store.writeRefusals(this.account))
      .filter((x) => x.object !== 'task')
      .map((x) => x.at + REFUSAL_HOLD_MS);
    // the mark's due is the program part; each partner's own due goes to partner_dues with it
    const parts = dueFrom(config.program, out.details, cache.later, this.asOf);
    let dues = { partners: parts.partners, complete: true };
    if (cache.scope !== null) {
      // scoped (src/domain/due.ts): a partner's instant holds only for the affected partners, whose
      // deals are all in the sub-snapshot; the program part needs the whole account, and the
      // records outside the sub-snapshot are unchanged, so the earlier mark's program due still
      // bounds them
      // (an affected partner with no instant any more: Infinity, its stored one is dropped)
      const affected = cache.scope.partners;
      dues = {
        partners: new Map([...affected].map((id) => [id, parts.partners.get(id) ?? Infinity])),
        complete: false,
      };
      parts.program = Math.min(parts.program, cache.scope.due, ...recipeDues(config.program, cache.scope, this.asOf));
    }
    parts.program = Math.min(parts.program, ...holdsEnd);
    if (parts.program <= this.asOf) return;
    await store.saveComputeMark(
      this.lock.fence,
      {
        runId: this.id,
        fingerprint: configFingerprint(config),
        due: parts.program,
        ledger: await store.ledgerVersion(this.account),
        at: this.asOf,
      },
      dues,
    );
  }

  private async writeBack(
    out: EngineOutput,
    alerts: WritePlanInput['alerts'],
    cache: KeptView,
    expire: Set<string>,
  ): Promise<void> {
    const { store, config } = this.deps;
    // scoped: values of AP's partners and DS's deals only (the planner skips records not given)
    const scope = cache.scope;
    const input: WritePlanInput = {
      program: config.program,
      out,
      asOf: this.asOf,
      alerts,
      expire,
      partners: new Map(cache.partners.filter((p) => scope === null || scope.partners.has(p.id)).map((p) => [p.id, p])),
      deals: new Map(cache.deals.filter((d) => scope === null || scope.deals.has(d.id)).map((d) => [d.id, d])),
    };
    // Writes the CRM refused before and that are unchanged since are held back (write-refusals.ts).
    const refusals = new Map(
      (await store.writeRefusals(this.account)).map((r) => [refusalKey(r.object, r.recordId), r]),
    );
    const full = this.options.full === true;
    // a hold is judged at the run's asOf, the instant the idle mark's due compares with
    const heldAt = this.asOf;
    // planned, recorded and sent a part at a time (issue 21 memory: a first full sync at 1M deals
    // writes every record), cut at whole batches, so the CRM sees the batches one plan gives
    const size = config.config.store.writeBatchSize;
    const part = this.deps.writePart ?? WRITE_PART_RECORDS;
    const flushAt = Math.ceil(part / size) * size;
    let pending: WriteBack = { partners: [], deals: [] };
    let held = 0;
    for (const planned of planWriteBackParts(input, part)) {
      for (const p of planned.partners)
        if (isHeld(refusals.get(refusalKey('partner', p.id)), p.fields, heldAt, full)) held += 1;
        else pending.partners.push(p);
      for (const d of planned.deals)
        if (isHeld(refusals.get(refusalKey('deal', d.id)), dealFields(d), heldAt, full)) held += 1;
        else pending.deals.push(d);
      if (pending.deals.length < flushAt) continue;
      const cut = pending.deals.length - (pending.deals.length % size);
      this.report.writeBack.held = held;
      await this.send({ partners: pending.partners, deals: pending.deals.slice(0, cut) }, refusals);
      pending = { partners: [], deals: pending.deals.slice(cut) };
    }
    this.report.writeBack.held = held;
    await this.send(pending, refusals);
  }

  /** Records the intents of a part of the write-back, then sends it in batches. */
  private async send(changes: WriteBack, refusals: ReadonlyMap<string, WriteRefusal>): Promise<void> {
    const { store, crm, clock, config } = this.deps;
    const intents = [
      ...changes.partners.map((p) => ({
        id: randomUUID(),
        object: 'partner' as const,
        recordId: p.id,
        fields: p.fields,
      })),
      ...changes.deals.map((d) => ({
        id: randomUUID(),
        object: 'deal' as const,
        recordId: d.id,
        fields: { ...d.fields, ...(d.expireRegistration === true ? { expireRegistration: true } : {}) },
      })),
    ];
    if (intents.length === 0) return;
    await store.recordWrites(this.account, this.id, intents, clock.now(), this.lock.fence);
    this.boundary('after-write-intents');
    const intentId = new Map<string, string>(intents.map((i) => [`${i.object}:${i.recordId}`, i.id]));
    for (const batch of batches(changes, config.config.store.writeBatchSize)) {
      await this.deps.pause?.('write-batch');
      await this.owned();
      const result = await crm.writeBack(batch);
      this.boundary('after-write-send');
      const failedKeys = new Set(result.failed.map((f) => `${f.object}:${f.id}`));
      const okPartners = batch.partners.filter((p) => !failedKeys.has(`partner:${p.id}`));
      const okDeals = batch.deals.filter((d) => !failedKeys.has(`deal:${d.id}`));
      await store.updateWritten(
        this.account,
        {
          partners: okPartners,
          deals: okDeals.map((d) => ({
            id: d.id,
            fields: d.fields,
            expireRegistration: d.expireRegistration === true,
          })),
        },
        clock.now(),
        this.lock.fence,
      );
      await store.settleWrites(
        this.account,
        [
          ...okPartners.map((p) => intentId.get(`partner:${p.id}`)),
          ...okDeals.map((d) => intentId.get(`deal:${d.id}`)),
        ].filter((x): x is string => x !== undefined),
        result.failed.flatMap((f) => {
          const id = intentId.get(`${f.object}:${f.id}`);
          return id === undefined ? [] : [{ id, reason: f.reason }];
        }),
        clock.now(),
        this.lock.fence,
      );
      this.report.writeBack.partners += okPartners.length;
      this.report.writeBack.deals += okDeals.length;
      this.report.writeBack.expiredRegistrations += okDeals.filter((d) => d.expireRegistration === true).length;
      this.report.writeBack.failures.push(...result.failed);
      const sent = new Map<string, Record<string, unknown>>([
        ...batch.partners.map((p): [string, Record<string, unknown>] => [refusalKey('partner', p.id), p.fields]),
        ...batch.deals.map((d): [string, Record<string, unknown>] => [refusalKey('deal', d.id), dealFields(d)]),
      ]);
      await store.saveRefusals(
        this.account,
        result.failed
          .filter((f) => f.refusal === true)
          .map((f) => ({
            object: f.object,
            recordId: f.id,
            fields: sent.get(refusalKey(f.object, f.id)) ?? {},
            properties: f.properties ?? [],
            message: f.reason,
            runId: this.id,
            at: clock.now(),
          })),
        [
          ...okPartners.map((p) => ({ object: 'partner' as const, recordId: p.id })),
          ...okDeals.map((d) => ({ object: 'deal' as const, recordId: d.id })),
        ].filter((k) => refusals.has(refusalKey(k.object, k.recordId))),
        this.lock.fence,
      );
    }
  }

  /** Sends the outbox: a task the CRM already has (created before a crash) is found, not created again. */
  private async tasks(): Promise<void> {
    const { store, crm, clock } = this.deps;
    const outbox = await store.pendingTasks(this.account);
    if (outbox.length === 0) return;
    // Tasks the CRM refused before and unchanged since are held back, as refused writes are.
    const refusals = new Map(
      (await store.writeRefusals(this.account)).map((r) => [refusalKey(r.object, r.recordId), r]),
    );
    const heldAt = clock.now();
    const pending = outbox.filter(
      (t) => !isHeld(refusals.get(refusalKey('task', t.marker)), taskFields(t), heldAt, this.options.full === true),
    );
    this.report.tasks.held = outbox.length - pending.length;
    if (pending.length === 0) return;
    let created: TaskResult[] = [];
    await this.deps.pause?.('tasks');
    await this.owned();
    try {
      const found = await crm.findTasks(pending.map((t) => t.marker));
      const foundMarkers = new Set(found.map((f) => f.marker));
      this.report.tasks.foundExisting += found.length;
      const toCreate = pending.filter((t) => !foundMarkers.has(t.marker));
      if (toCreate.length > 0) {
        created = await crm.createTasks(toCreate.map(taskRequest));
      }
      this.boundary('after-task-create');
      const refused = created.filter((c) => c.refused !== undefined);
      created = created.filter((c) => c.refused === undefined);
      const failedNow = refused.map((r) => ({
        marker: r.marker,
        reason: r.refused?.reason ?? 'refused',
        properties: r.refused?.properties ?? [],
      }));
      await store.markTasks(this.account, [...found, ...created], failedNow, this.lock.fence);
      const byMarker = new Map(pending.map((t) => [t.marker, t]));
      await store.saveRefusals(
        this.account,
        failedNow.map((f) => {
          const task = byMarker.get(f.marker);
          return {
            object: 'task' as const,
            recordId: f.marker,
            fields: task ? taskFields(task) : {},
            properties: f.properties,
            message: f.reason,
            runId: this.id,
            at: clock.now(),
          };
        }),
        [...found, ...created]
          .map((c) => ({ object: 'task' as const, recordId: c.marker }))
          .filter((k) => refusals.has(refusalKey(k.object, k.recordId))),
        this.lock.fence,
      );
      this.report.tasks.created += created.length;
      this.report.tasks.failed.push(...failedNow);
    } catch (err) {
      if (!(err instanceof CrmError) || isQuota(err)) throw err;
      // a task is a reminder, not money: report it and keep the run; the outbox retries next run
      const failed = pending
        .filter((t) => !created.some((c) => c.marker === t.marker))
        .map((t) => ({ marker: t.marker, reason: err.message }));
      await store.markTasks(this.account, created, failed, this.lock.fence);
      this.report.tasks.failed.push(...failed);
    }
  }
}

/** A deal write's fields as recorded and compared with a refused one (expireRegistration among them). */
function dealFields(d: WriteBack['deals'][number]): Record<string, unknown> {
  return { ...d.fields, ...(d.expireRegistration === true ? { expireRegistration: true } : {}) };
}

/** Records a run plans, records and sends its write-back by (issue 21 memory), rounded up to whole batches. */
export const WRITE_PART_RECORDS = 10_000;

/**
 * A scoped run changes at most this many records, and an incremental one changing more than
 * SCOPED_MIN_RECORDS at most this share of the cached deals (beyond it the scope nears the account).
 */
export const SCOPED_MAX_RECORDS = 1000;
export const SCOPED_MAX_SHARE = 0.05;
export const SCOPED_MIN_RECORDS = 50;

/** What the pull changed, and those records before it, while a scoped run is still possible. */
interface ScopeCapture {
  mark: ComputeMark;
  deals: Set<string>;
  partners: Set<string>;
  before: { deals: Map<string, PulledDeal>; partners: Map<string, PulledPartner> };
  overflow: boolean;
}

/** A scoped run's scope (src/sync/scope.ts) and what it builds on. */
type RunScope = Scope & {
  /** The earlier mark's due instant, which still bounds every record left out. */
  due: number;
  /** The run that left the mark (its read models are the ones brought forward). */
  markRun: string;
  removedDeals: string[];
  removedPartners: string[];
  /** Each recipe's last deal over the whole account (read models' deal rows), or null: then only `recipes`. */
  lastDeal: Map<string, number> | null;
  /** RECIPE_UNUSED from `lastDeal`. */
  recipeAlerts: Alert[] | null;
  /** The rejected deals the run that left the mark listed (report.snapshot.rejected). */
  earlierRejected: RejectedDeal[];
};

/** The records a run computes over and the engine's output; scope: null for the whole account. */
type RunView = CachedRecords & {
  out: EngineOutput;
  expire: Set<string>;
  scope: RunScope | null;
};

/** A period's figures do not fit the store's 64-bit columns: its read models are written without figures. */
class FiguresBeyondColumns extends Error {
  override readonly name = 'FiguresBeyondColumns';
}

/** What the steps after the compute keep of a cached deal (Run.keep). */
type KeptDeal = Pick<PulledDeal, 'id' | 'name' | 'stage' | 'currency' | 'written'>;

/** A RunView once computed: the deals as kept, and what the raw records gave (Run.keep). */
type KeptView = Omit<RunView, 'deals'> & {
  deals: KeptDeal[];
  rejected: RejectedDeal[];
  warnings: string[];
  later: LaterParts;
};

/**
 * Whether a scoped run plans this alert (or episode): the partners of AP and the deals of DS;
 * CLAWBACK_WINDOW_PASSED by its key's partner (only AP's keys are planned); RECIPE_UNUSED for the
 * recipes a change may move; CURRENCY_RATE_MISSING never (a change that may move it takes the full path).
 */
function inScope(
  a: { code: string } & Pick<Alert, 'partnerId' | 'dealId' | 'recipe'>,
  scope: RunScope | null,
): boolean {
  if (scope === null) return true;
  if (a.code === 'CLAWBACK_WINDOW_PASSED') return a.partnerId !== null && scope.partners.has(a.partnerId);
  if (a.code === 'CURRENCY_RATE_MISSING') return false;
  if (a.code === 'RECIPE_UNUSED')
    return scope.recipeAlerts !== null || (a.recipe !== null && scope.recipes.has(a.recipe));
  if (a.partnerId !== null && scope.partners.has(a.partnerId)) return true;
  return a.dealId !== null && scope.deals.has(a.dealId);
}

/**
 * RECIPE_UNUSED's instants over the whole account (src/domain/due.ts takes them from the deals it
 * sees): a recipe's last deal may now be one outside the sub-snapshot, older than the one the
 * earlier mark's due was taken from. Without the whole account's last deals, a recipe a change may
 * move had a recent deal in the sub-snapshot (else the run took the full path), whose instant is
 * no later than the account's, and the others did not move.
 */
function recipeDues(program: SyncDeps['config']['program'], scope: RunScope, asOf: number): number[] {
  if (scope.lastDeal === null) return [];
  const out: number[] = [];
  for (const r of program.recipes.values()) {
    const last = scope.lastDeal.get(r.id);
    if (r.status !== 'active' || last === undefined) continue;
    const at = Math.floor(last + program.alerts.recipeUnusedDays * DAY_MS);
    if (at >= asOf) out.push(at);
  }
  return out;
}

/** The alerts a run plans episodes for: in a scoped run those in scope, with the whole account's RECIPE_UNUSED. */
function scopedAlerts(alerts: readonly Alert[], scope: RunScope | null): Alert[] {
  if (scope === null) return [...alerts];
  const exact = scope.recipeAlerts;
  return [
    ...alerts.filter((a) => inScope(a, scope) && (exact === null || a.code !== 'RECIPE_UNUSED')),
    ...(exact ?? []),
  ];
}

function inScopeTargets(targets: Map<string, TargetEntry>, scope: RunScope | null): Map<string, TargetEntry> {
  if (scope === null) return targets;
  return new Map([...targets].filter(([, t]) => scope.partners.has(t.partnerId)));
}

/**
 * Why a scoped run cannot keep the whole-account alerts as they are, or null. RECIPE_UNUSED: the
 * sub-snapshot holds real deals only, so a recent deal of a recipe there settles it; a recipe a
 * change may move with no recent deal there needs the account's. CURRENCY_RATE_MISSING counts the
 * account's deals held back for want of a rate: unmoved when no changed deal counts, before or after.
 */
function wholeAccountAlertMoved(
  program: SyncDeps['config']['program'],
  asOf: number,
  out: EngineOutput,
  scope: Scope,
  c: ScopeCapture,
  recipesExact: boolean,
): string | null {
  for (const a of recipesExact ? [] : out.result.alerts)
    if (a.code === 'RECIPE_UNUSED' && a.recipe !== null && scope.recipes.has(a.recipe))
      return `recipe ${a.recipe} has no recent deal among the records in scope (RECIPE_UNUSED needs the account)`;
  const after = scope.snapshot.deals.filter((d) => c.deals.has(d.id));
  const before = [...c.before.deals.values()];
  // the rejections of the deals before: partners play no part in CURRENCY_UNKNOWN, nor in what precedes it
  const rejectedBefore = prepareSnapshot(program, out.details.tz, { partners: [], deals: before }, asOf).rejected;
  if (
    currencyRateMissing(program, after, out.result.rejected).length > 0 ||
    currencyRateMissing(program, before, rejectedBefore).length > 0
  )
    return 'a changed deal is in a currency without an exchange rate (CURRENCY_RATE_MISSING needs the account)';
  return null;
}

/** Runs one sync. Throws LockBusyError when another sync holds the account (after lockWaitMs). */
export async function runSync(deps: SyncDeps, options: SyncOptions = {}): Promise<SyncResult> {
  const { store, crm, clock, logger, config } = deps;
  const startedAt = clock.now();
  const asOf = Math.floor(startedAt / 1000) * 1000;
  const account = await crm.accountKey();
  const lock = await store.lock(account, options.lockWaitMs ?? config.config.store.lockWaitSeconds * 1000);
  const run = new Run(deps, options, lock, asOf);
  const statsBefore = crm.callStats();
  const log = logger.child({ runId: run.id, account });
  try {
    await store.ensureAccount(account, crm.provider, startedAt);
    run.report.abandonedRuns = await store.abandonRuns(account, startedAt);
    await store.startRun({ id: run.id, account, mode: run.report.mode, startedAt, asOf, report: {} });
    run.boundary('after-lock');
    log.info({ mode: run.report.mode }, 'sync started');
    let status: RunStatus = 'succeeded';
    const t0 = performance.now();
    try {
      await run.steps();
      run.boundary('before-finish');
    } catch (err) {
      if (err instanceof SimulatedCrash) throw err;
      if (isQuota(err) || err instanceof SyncStopped) {
        status = 'stopped';
        run.report.stoppedAt = Object.keys(run.report.durationsMs).at(-1) ?? 'pull';
        run.report.error = err instanceof Error ? err.message : String(err);
        log.warn(
          { err: run.report.error },
          err instanceof SyncStopped
            ? 'sync stopped for shutdown at a checkpoint'
            : 'CRM quota exhausted: run stopped at its last checkpoint; the next run resumes',
        );
      } else if (err instanceof AccountLostError || err instanceof LedgerMovedError) {
        // another process owns the account now: nothing more was posted or written by this run
        status = 'failed';
        run.report.error = err.message;
        log.error({ err: err.message }, 'sync stopped: it no longer owns the account');
      } else {
        status = 'failed';
        run.report.error = err instanceof Error ? err.message : String(err);
        log.error({ err }, 'sync failed');
      }
    }
    run.report.durationsMs['total'] = Math.round(performance.now() - t0);
    run.report.apiCalls = callsSince(statsBefore, crm.callStats());
    const finishedAt = clock.now();
    // the run row shows the mode the run ended up in (a first or resumed pull is full or resumed)
    await store.finishRun(
      run.id,
      status,
      finishedAt,
      run.report as unknown as Record<string, unknown>,
      run.report.mode,
    );
    await runNotifications(store, config, {
      ...{ runId: run.id, account, status, mode: run.report.mode, startedAt, finishedAt, asOf },
      ...{ error: run.report.error ?? null, stoppedAt: run.report.stoppedAt ?? null },
      writeFailures: run.report.writeBack.failures,
    }).catch((err: unknown) => {
      // the run is recorded; a notification problem is logged, never a failed run
      log.error({ err }, 'notifications of the run could not be queued');
    });
    // partner registrations (issue 19): decisions found in this run are announced to the partner
    if (status === 'succeeded')
      await followRegistrations({ store, crm, clock, config, logger: log }, account).catch((err: unknown) => {
        log.error({ err }, 'partner registrations could not be followed');
      });
    deps.onProgress?.({ step: 'done' });
    log.info(
      {
        status,
        ledger: run.report.ledger,
        writeBack: { partners: run.report.writeBack.partners, deals: run.report.writeBack.deals },
      },
      'sync finished',
    );
    return { runId: run.id, account, status, asOf, report: run.report };
  } finally {
    // a dead lock is simply gone: releasing it never changes how the run ended (issue 16)
    await lock.release().catch((err: unknown) => {
      log.warn({ err }, 'the account lock could not be released; the next sync takes it over');
    });
  }
}
