// The Store port over Kysely: the same queries for SQLite and PostgreSQL (Kysely compiles the
// dialect: placeholders, upserts, RETURNING). Only opening, locking and type parsing differ
// (open-store.ts). Money is bigint minor units in BIGINT columns; instants are ms since the epoch.

import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { SnapshotTouch } from '../domain/snapshot.ts';
import type { Kysely, Selectable, Transaction } from 'kysely';
import type { PullPage, PulledDeal, PulledPartner } from '../domain/records.ts';
import type { KeyBalance, LedgerEntry, LedgerInputs, NewLedgerEntry, PeriodClose } from '../ledger/types.ts';
import { LedgerMovedError } from '../ledger/errors.ts';
import type { Fence, LedgerDiffView, LedgerVersion, LedgerView } from '../ledger/port.ts';
import type { AccountLock, LockClaim, LockMode } from './account-lock.ts';
import { assertFence } from './fence.ts';
import { chunks, numOrNull, toBig, toNum } from './row-values.ts';
import { PARTNER_SORT_COLUMNS } from './read-model-columns.ts';
import { partnerSortColumns } from './read-model-columns.ts';
import { addKeyTotals, ledgerEntryRow } from './ledger-rows.ts';
import { currentKey, storedKeys } from '../ledger/keys.ts';
import { dealRefs, type DealRefRole } from '../domain/deal-refs.ts';
import { appendAudit, auditEntries } from './audit-queries.ts';
import type { FinanceStore } from '../ledger/finance-port.ts';
import { FinanceQueries } from './finance-queries.ts';
import { appliedMigrations } from './migrations.ts';
import { PartnerQueries } from './partner-queries.ts';
import {
  dealRows,
  figureColumns,
  figureRows,
  recipeDeals,
  removePartnerRows,
  topAttributed,
  writeDealRows,
} from './read-model-rows.ts';
import {
  claimDeliveries,
  expandDelivery,
  getState,
  insertQueued,
  listNotifications,
  setState,
  settleDeliveries,
} from './notification-queries.ts';
import type {
  AuditEntry,
  AuditFilter,
  ClaimKind,
  ClaimedDelivery,
  DeliveryOutcome,
  DeliveryRecord,
  NewDelivery,
  NotificationEventRecord,
  NotificationFilter,
  QueuedEvent,
} from './notifications.ts';
import type { AlertEpisodeRow, Database, LedgerEntryRow, PartnerStateRow, RunStatus, TaskOutboxRow } from './schema.ts';
import type {
  AlertChanges,
  AlertEpisode,
  CachedRecords,
  ComputeMark,
  PartnerDues,
  OutboxTask,
  PartnerPageQuery,
  RunPageQuery,
  PartnerPageRow,
  ReadModelDealInput,
  ReadModelExtras,
  ReadModelFigureRow,
  ReadModelHead,
  ReadModelPartnerPageQuery,
  ReadModelPartnerQuery,
  ReadModelPeriodInput,
  PartnerState,
  PullState,
  RunRecord,
  Store,
  StoredCredential,
  WriteIntent,
  WriteRefusal,
  WrittenUpdate,
} from './store.ts';

const parseObject = (text: string): Record<string, unknown> => JSON.parse(text) as Record<string, unknown>;

/** A cached record's row as loadCache reads it, CACHE_PAGE rows at a time. */
interface CacheRow {
  id: string;
  record: string;
  written: string;
}
const CACHE_PAGE = 5000;

/** The distinct non-null values `read` gives for the distinct ids, asked 500 ids at a time. */
async function distinctInParts(
  ids: readonly string[],
  read: (part: string[]) => Promise<readonly (string | null)[]>,
): Promise<string[]> {
  const out = new Set<string>();
  for (const part of chunks([...new Set(ids)], 500)) for (const v of await read(part)) if (v !== null) out.add(v);
  return [...out];
}

/** Health band and earned tier of a stored PartnerOut, for the list filters (issue 21). */
function partnerBand(result: unknown): string | null {
  const band = (result as { health?: { band?: unknown } } | null)?.health?.band;
  return typeof band === 'string' ? band : null;
}

function partnerTier(result: unknown): string | null {
  const tier = (result as { tier?: unknown } | null)?.tier;
  return typeof tier === 'string' ? tier : null;
}

function withoutWritten<T extends { written: unknown }>(r: T): Omit<T, 'written'> {
  const rest: Partial<T> = { ...r };
  delete rest.written;
  return rest as Omit<T, 'written'>;
}

function entryFromRow(r: Selectable<LedgerEntryRow>): LedgerEntry {
  return {
    id: r.id,
    seq: toNum(r.seq),
    runId: r.run_id,
    postedAt: toNum(r.posted_at),
    key: r.key,
    kind: r.kind,
    period: r.period,
    originalPeriod: r.original_period,
    partnerId: r.partner_id,
    partnerName: r.partner_name,
    dealId: r.deal_id,
    dealName: r.deal_name,
    amount: toBig(r.amount),
    payableAt: toNum(r.payable_at),
    payableOn: r.payable_on,
    reason: r.reason,
    inputs: JSON.parse(r.inputs) as LedgerInputs,
  };
}

function stateFromRow(r: Selectable<PartnerStateRow>): PartnerState {
  return {
    partnerId: r.partner_id,
    healthScore: numOrNull(r.health_score),
    result: JSON.parse(r.result) as unknown,
    runId: r.run_id,
    updatedAt: toNum(r.updated_at),
  };
}

function episodeFromRow(r: Selectable<AlertEpisodeRow>): AlertEpisode {
  return {
    id: r.id,
    alertKey: r.alert_key,
    code: r.code,
    severity: r.severity,
    partnerId: r.partner_id,
    dealId: r.deal_id,
    recipe: r.recipe,
    message: r.message,
    detail: parseObject(r.detail),
    openedAt: toNum(r.opened_at),
    openedRun: r.opened_run,
    resolvedAt: numOrNull(r.resolved_at),
    resolvedRun: r.resolved_run,
  };
}

function taskFromRow(r: Selectable<TaskOutboxRow>): OutboxTask {
  return {
    marker: r.marker,
    episodeId: r.episode_id,
    partnerId: r.partner_id,
    dealId: r.deal_id,
    ownerId: r.owner_id,
    subject: r.subject,
    body: r.body,
    dueAt: toNum(r.due_at),
    priority: r.priority as OutboxTask['priority'],
    status: r.status,
    taskId: r.task_id,
    attempts: r.attempts,
    lastError: r.last_error,
  };
}

/** The account's period closes, oldest first. */
async function closesIn(trx: Kysely<Database>, account: string): Promise<PeriodClose[]> {
  const rows = await trx
    .selectFrom('period_closes')
    .selectAll()
    .where('account', '=', account)
    .orderBy('period')
    .execute();
  return rows.map((r) => ({ period: r.period, closedAt: toNum(r.closed_at), closedBy: r.closed_by }));
}

/** The ledger's version as this transaction sees it: its last entry's seq and how many periods are closed. */
async function ledgerVersionIn(trx: Kysely<Database>, account: string): Promise<LedgerVersion> {
  const max = await trx
    .selectFrom('ledger_entries')
    .select((eb) => eb.fn.max('seq').as('seq'))
    .where('account', '=', account)
    .executeTakeFirst();
  const closes = await trx
    .selectFrom('period_closes')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('account', '=', account)
    .executeTakeFirst();
  return { seq: max?.seq == null ? 0 : toNum(max.seq), closes: closes === undefined ? 0 : toNum(closes.n) };
}

/** What is posted per key so far, from the account's entries in seq order. */
function balancesOf(rows: readonly Selectable<LedgerEntryRow>[]): Map<string, KeyBalance> {
  const out = new Map<string, KeyBalance>();
  for (const r of rows) {
    const e = entryFromRow(r);
    const b = out.get(e.key);
    if (b) {
      b.posted += e.amount;
      b.last = e;
    } else {
      out.set(e.key, { key: e.key, posted: e.amount, last: e });
    }
  }
  return out;
}

export interface StoreDriver {
  kind: 'sqlite' | 'postgres';
  lock(account: string, waitMs: number, mode?: LockMode, token?: string): Promise<AccountLock>;
  /** Frees the lock of a holder that died (account-lock.ts `LockClaim`); absent: nothing to free. */
  reclaim?: ((claim: LockClaim) => Promise<boolean>) | undefined;
  destroy(): Promise<void>;
}

export class KyselyStore implements Store {
  readonly kind: string;
  readonly db: Kysely<Database>;
  private readonly driver: StoreDriver;
  readonly partners: PartnerQueries;
  /** Manual adjustments, payout runs and payees (issue 20, finance-queries.ts). */
  readonly finance: FinanceStore;

  constructor(db: Kysely<Database>, driver: StoreDriver) {
    this.db = db;
    this.driver = driver;
    this.kind = driver.kind;
    this.partners = new PartnerQueries(db);
    this.finance = new FinanceQueries(db);
  }

  migrations(): Promise<string[]> {
    return appliedMigrations(this.db as unknown as Kysely<unknown>);
  }

  async close(): Promise<void> {
    await this.db.destroy();
    await this.driver.destroy();
  }

  lock(account: string, waitMs: number, mode?: LockMode, token?: string): Promise<AccountLock> {
    return this.driver.lock(account, waitMs, mode, token);
  }

  reclaimLock(claim: LockClaim): Promise<boolean> {
    return this.driver.reclaim?.(claim) ?? Promise.resolve(false);
  }

  async ensureAccount(account: string, provider: string, at: number): Promise<void> {
    await this.db
      .insertInto('accounts')
      .values({ account, provider, created_at: at })
      .onConflict((oc) => oc.column('account').doNothing())
      .execute();
  }

  async listAccounts(): Promise<{ account: string; provider: string }[]> {
    return this.db.selectFrom('accounts').select(['account', 'provider']).orderBy('account').execute();
  }

  // ---- runs ---------------------------------------------------------------------------------

  async startRun(run: Omit<RunRecord, 'finishedAt' | 'status'>): Promise<void> {
    await this.db
      .insertInto('runs')
      .values({
        id: run.id,
        account: run.account,
        mode: run.mode,
        status: 'running',
        started_at: run.startedAt,
        finished_at: null,
        as_of: run.asOf,
        report: JSON.stringify(run.report),
      })
      .execute();
  }

  async finishRun(
    id: string,
    status: RunStatus,
    finishedAt: number,
    report: Record<string, unknown>,
    mode?: string,
  ): Promise<void> {
    await this.db
      .updateTable('runs')
      .set({ status, finished_at: finishedAt, report: JSON.stringify(report), ...(mode === undefined ? {} : { mode }) })
      .where('id', '=', id)
      .execute();
  }

  async abandonRuns(account: string, at: number): Promise<number> {
    const rows = await this.db
      .selectFrom('runs')
      .select(['id', 'report'])
      .where('account', '=', account)
      .where('status', '=', 'running')
      .execute();
    for (const r of rows) {
      const report = {
        ...parseObject(r.report),
        error: 'interrupted: the process stopped before the run finished; the next run completed its work',
      };
      await this.db
        .updateTable('runs')
        .set({ status: 'failed', finished_at: at, report: JSON.stringify(report) })
        .where('id', '=', r.id)
        .execute();
    }
    return rows.length;
  }

  async abandonRun(id: string, at: number, error: string): Promise<RunRecord | null> {
    const row = await this.db
      .selectFrom('runs')
      .select('report')
      .where('id', '=', id)
      .where('status', '=', 'running')
      .executeTakeFirst();
    if (row === undefined) return null;
    const report = JSON.stringify({ ...parseObject(row.report), error });
    await this.db
      .updateTable('runs')
      .set({ status: 'failed', finished_at: at, report })
      .where('id', '=', id)
      .where('status', '=', 'running')
      .execute();
    return this.getRun(id);
  }

  async listRuns(account: string, limit: number, query: RunPageQuery = {}): Promise<RunRecord[]> {
    const { status, mode, before } = query;
    let q = this.db.selectFrom('runs').selectAll().where('account', '=', account);
    if (status !== undefined) q = q.where('status', '=', status);
    if (mode !== undefined) q = q.where('mode', '=', mode);
    if (before !== undefined)
      q = q.where((eb) =>
        eb.or([
          eb('started_at', '<', before.startedAt),
          eb.and([eb('started_at', '=', before.startedAt), eb('id', '<', before.id)]),
        ]),
      );
    const rows = await q.orderBy('started_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
    return rows.map((r) => ({
      id: r.id,
      account: r.account,
      mode: r.mode,
      status: r.status,
      startedAt: toNum(r.started_at),
      finishedAt: numOrNull(r.finished_at),
      asOf: toNum(r.as_of),
      report: parseObject(r.report),
    }));
  }

  async getRun(id: string): Promise<RunRecord | null> {
    const r = await this.db.selectFrom('runs').selectAll().where('id', '=', id).executeTakeFirst();
    if (!r) return null;
    return {
      id: r.id,
      account: r.account,
      mode: r.mode,
      status: r.status,
      startedAt: toNum(r.started_at),
      finishedAt: numOrNull(r.finished_at),
      asOf: toNum(r.as_of),
      report: parseObject(r.report),
    };
  }

  // ---- pull and snapshot cache ----------------------------------------------------------------

  async pullState(account: string): Promise<PullState | null> {
    const r = await this.db.selectFrom('checkpoints').selectAll().where('account', '=', account).executeTakeFirst();
    if (!r) return null;
    return {
      cursor: r.cursor === null ? null : parseObject(r.cursor),
      pullId: r.pull_id,
      mode: r.pull_mode === 'full' ? 'full' : 'incremental',
      done: r.pull_done === 1,
      pages: r.pages,
    };
  }

  private async saveState(
    trx: Transaction<Database> | Kysely<Database>,
    account: string,
    state: PullState,
    at: number,
  ): Promise<void> {
    const row = {
      account,
      cursor: state.cursor === null ? null : JSON.stringify(state.cursor),
      pull_id: state.pullId,
      pull_mode: state.mode,
      pull_done: state.done ? 1 : 0,
      pages: state.pages,
      updated_at: at,
    };
    await trx
      .insertInto('checkpoints')
      .values(row)
      .onConflict((oc) =>
        oc.column('account').doUpdateSet({
          cursor: row.cursor,
          pull_id: row.pull_id,
          pull_mode: row.pull_mode,
          pull_done: row.pull_done,
          pages: row.pages,
          updated_at: at,
        }),
      )
      .execute();
  }

  async beginPull(account: string, state: PullState, at: number, fence: Fence): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await assertFence(trx, fence, account);
      await this.saveState(trx, account, state, at);
    });
  }

  async applyPage(account: string, state: PullState, page: PullPage, at: number, fence: Fence): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await assertFence(trx, fence, account);
      for (const part of chunks(page.partners)) {
        await trx
          .insertInto('cached_partners')
          .values(
            part.map((p) => ({
              account,
              id: p.id,
              name: p.name ?? null,
              recipe: p.recipe ?? null,
              record: JSON.stringify(withoutWritten(p)),
              written: JSON.stringify(p.written),
              seen_pull: state.pullId,
              updated_at: at,
            })),
          )
          .onConflict((oc) =>
            oc.columns(['account', 'id']).doUpdateSet((eb) => ({
              name: eb.ref('excluded.name'),
              recipe: eb.ref('excluded.recipe'),
              record: eb.ref('excluded.record'),
              written: eb.ref('excluded.written'),
              seen_pull: eb.ref('excluded.seen_pull'),
              updated_at: eb.ref('excluded.updated_at'),
            })),
          )
          .execute();
      }
      for (const part of chunks(page.deals)) {
        await trx
          .insertInto('cached_deals')
          .values(
            part.map((d) => ({
              account,
              id: d.id,
              name: d.name ?? null,
              stage: d.stage,
              customer_id: d.customerId ?? null,
              record: JSON.stringify(withoutWritten(d)),
              written: JSON.stringify(d.written),
              seen_pull: state.pullId,
              updated_at: at,
            })),
          )
          .onConflict((oc) =>
            oc.columns(['account', 'id']).doUpdateSet((eb) => ({
              name: eb.ref('excluded.name'),
              stage: eb.ref('excluded.stage'),
              customer_id: eb.ref('excluded.customer_id'),
              record: eb.ref('excluded.record'),
              written: eb.ref('excluded.written'),
              seen_pull: eb.ref('excluded.seen_pull'),
              updated_at: eb.ref('excluded.updated_at'),
            })),
          )
          .execute();
      }
      // the partners each deal names (migration 014), replaced with the deal in this transaction
      for (const ids of chunks([...page.deals.map((d) => d.id), ...page.removedDealIds], 500))
        await trx.deleteFrom('deal_partner_refs').where('account', '=', account).where('deal_id', 'in', ids).execute();
      const refs = page.deals.flatMap((d) =>
        dealRefs(d).map((r) => ({ account, deal_id: d.id, partner_id: r.partnerId, role: r.role })),
      );
      for (const part of chunks(refs)) await trx.insertInto('deal_partner_refs').values(part).execute();
      for (const link of page.links) {
        const row = await trx
          .selectFrom('cached_deals')
          .select('record')
          .where('account', '=', account)
          .where('id', '=', link.dealId)
          .executeTakeFirst();
        if (!row) continue; // a link for a deal we do not hold (not pulled yet): the deal page brings it
        const record = { ...parseObject(row.record), customerId: link.customerId };
        await trx
          .updateTable('cached_deals')
          .set({
            record: JSON.stringify(record),
            customer_id: link.customerId,
            seen_pull: state.pullId,
            updated_at: at,
          })
          .where('account', '=', account)
          .where('id', '=', link.dealId)
          .execute();
      }
      for (const ids of chunks(page.removedDealIds, 500)) {
        await trx.deleteFrom('cached_deals').where('account', '=', account).where('id', 'in', ids).execute();
      }
      for (const ids of chunks(page.removedPartnerIds, 500)) {
        await trx.deleteFrom('cached_partners').where('account', '=', account).where('id', 'in', ids).execute();
      }
      const changes =
        page.partners.length +
        page.deals.length +
        page.links.length +
        page.removedDealIds.length +
        page.removedPartnerIds.length;
      if (changes > 0) await trx.deleteFrom('compute_marks').where('account', '=', account).execute();
      await this.saveState(trx, account, state, at);
    });
  }

  async finishPull(
    account: string,
    state: PullState,
    at: number,
    fence: Fence,
  ): Promise<{ partners: number; deals: number }> {
    return this.db.transaction().execute(async (trx) => {
      await assertFence(trx, fence, account);
      let partners = 0;
      let deals = 0;
      if (state.mode === 'full') {
        const p = await trx
          .deleteFrom('cached_partners')
          .where('account', '=', account)
          .where('seen_pull', '!=', state.pullId)
          .executeTakeFirst();
        const d = await trx
          .deleteFrom('cached_deals')
          .where('account', '=', account)
          .where('seen_pull', '!=', state.pullId)
          .executeTakeFirst();
        partners = Number(p.numDeletedRows);
        deals = Number(d.numDeletedRows);
        if (deals > 0)
          await trx
            .deleteFrom('deal_partner_refs')
            .where('account', '=', account)
            .where((eb) =>
              eb.not(
                eb.exists(
                  eb
                    .selectFrom('cached_deals')
                    .select('cached_deals.id')
                    .whereRef('cached_deals.account', '=', 'deal_partner_refs.account')
                    .whereRef('cached_deals.id', '=', 'deal_partner_refs.deal_id'),
                ),
              ),
            )
            .execute();
        if (partners + deals > 0) await trx.deleteFrom('compute_marks').where('account', '=', account).execute();
      }
      await this.saveState(trx, account, { ...state, done: true }, at);
      return { partners, deals };
    });
  }

  async computeMark(account: string): Promise<ComputeMark | null> {
    const r = await this.db.selectFrom('compute_marks').selectAll().where('account', '=', account).executeTakeFirst();
    if (r === undefined) return null;
    return {
      runId: r.run_id,
      fingerprint: r.fingerprint,
      due: toNum(r.due),
      ledger: { seq: toNum(r.ledger_seq), closes: toNum(r.ledger_closes) },
      at: toNum(r.at),
    };
  }

  async saveComputeMark(fence: Fence, mark: ComputeMark | null, dues?: PartnerDues): Promise<void> {
    const account = fence.account;
    await this.db.transaction().execute(async (trx) => {
      await assertFence(trx, fence);
      await trx.deleteFrom('compute_marks').where('account', '=', account).execute();
      if (dues !== undefined) await this.writePartnerDues(trx, account, dues);
      if (mark === null) return;
      await trx
        .insertInto('compute_marks')
        .values({
          account,
          run_id: mark.runId,
          fingerprint: mark.fingerprint,
          due: mark.due,
          ledger_seq: mark.ledger.seq,
          ledger_closes: mark.ledger.closes,
          at: mark.at,
        })
        .execute();
    });
  }

  /** Writes the rows of `dues` that differ from the stored ones (issue 21, migration 017). */
  private async writePartnerDues(trx: Transaction<Database>, account: string, dues: PartnerDues): Promise<void> {
    const stored = new Map<string, number>();
    let query = trx.selectFrom('partner_dues').select(['partner_id', 'due']).where('account', '=', account);
    if (!dues.complete) {
      const ids = [...dues.partners.keys()];
      if (ids.length === 0) return;
      if (ids.length <= 500) query = query.where('partner_id', 'in', ids);
    }
    for (const r of await query.execute()) stored.set(r.partner_id, toNum(r.due));
    const removed = [...stored.keys()].filter((id) =>
      dues.complete ? !dues.partners.has(id) : dues.partners.get(id) === Infinity,
    );
    const changed = [...dues.partners].filter(([id, due]) => due !== Infinity && stored.get(id) !== due);
    for (const ids of chunks(removed, 500))
      await trx.deleteFrom('partner_dues').where('account', '=', account).where('partner_id', 'in', ids).execute();
    for (const part of chunks(changed, 500))
      await trx
        .insertInto('partner_dues')
        .values(part.map(([id, due]) => ({ account, partner_id: id, due })))
        .onConflict((oc) =>
          oc.columns(['account', 'partner_id']).doUpdateSet((eb) => ({ due: eb.ref('excluded.due') })),
        )
        .execute();
  }

  async partnersDueBy(account: string, asOf: number, limit: number): Promise<{ partnerId: string; due: number }[]> {
    const rows = await this.db
      .selectFrom('partner_dues')
      .select(['partner_id', 'due'])
      .where('account', '=', account)
      .where('due', '<=', asOf)
      .orderBy('due')
      .orderBy('partner_id')
      .limit(limit)
      .execute();
    return rows.map((r) => ({ partnerId: r.partner_id, due: toNum(r.due) }));
  }

  async loadCache(account: string): Promise<CachedRecords> {
    // read a page of rows at a time (by id, after the last one read) and parse it, so the raw
    // rows of the whole account are never held at once beside the records (issue 21 memory)
    const pages = async <T>(table: 'cached_partners' | 'cached_deals', parse: (r: CacheRow) => T): Promise<T[]> => {
      const out: T[] = [];
      let after: string | null = null;
      for (;;) {
        let q = this.db.selectFrom(table).select(['id', 'record', 'written']).where('account', '=', account);
        if (after !== null) q = q.where('id', '>', after);
        const rows: CacheRow[] = await q.orderBy('id').limit(CACHE_PAGE).execute();
        for (const r of rows) out.push(parse(r));
        const last = rows.at(-1);
        if (rows.length < CACHE_PAGE || last === undefined) return out;
        after = last.id;
      }
    };
    return {
      partners: await pages('cached_partners', (r) => ({
        ...(JSON.parse(r.record) as Omit<PulledPartner, 'written'>),
        written: parseObject(r.written),
      })),
      deals: await pages('cached_deals', (r) => ({
        ...(JSON.parse(r.record) as Omit<PulledDeal, 'written'>),
        written: parseObject(r.written),
      })),
    };
  }

  async eventCheckpoint(account: string, key: string): Promise<string | null> {
    const row = await this.db
      .selectFrom('event_checkpoints')
      .select('value')
      .where('account', '=', account)
      .where('key', '=', key)
      .executeTakeFirst();
    return row?.value ?? null;
  }

  async saveEventCheckpoint(account: string, key: string, value: string, at: number): Promise<void> {
    await this.db
      .insertInto('event_checkpoints')
      .values({ account, key, value, updated_at: at })
      .onConflict((oc) => oc.columns(['account', 'key']).doUpdateSet({ value, updated_at: at }))
      .execute();
  }

  async credential(name: string): Promise<StoredCredential | null> {
    const row = await this.db
      .selectFrom('credentials')
      .select(['value', 'basis'])
      .where('name', '=', name)
      .executeTakeFirst();
    return row ?? null;
  }

  async saveCredential(name: string, credential: StoredCredential, at: number): Promise<void> {
    await this.db
      .insertInto('credentials')
      .values({ name, ...credential, updated_at: at })
      .onConflict((oc) =>
        oc.column('name').doUpdateSet({ value: credential.value, basis: credential.basis, updated_at: at }),
      )
      .execute();
  }

  async cachedRecords(
    account: string,
    ids: { partners: readonly string[]; deals: readonly string[] },
  ): Promise<CachedRecords> {
    const rows = async (table: 'cached_partners' | 'cached_deals', wanted: readonly string[]) => {
      const out: { record: string; written: string }[] = [];
      for (const part of chunks([...new Set(wanted)], 500))
        for (const r of await this.db
          .selectFrom(table)
          .select(['record', 'written'])
          .where('account', '=', account)
          .where('id', 'in', part)
          .execute())
          out.push(r);
      return out;
    };
    const byId = (a: { id: string }, b: { id: string }): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
    const partners = (await rows('cached_partners', ids.partners)).map((r): PulledPartner => ({
      ...(JSON.parse(r.record) as Omit<PulledPartner, 'written'>),
      written: parseObject(r.written),
    }));
    const deals = (await rows('cached_deals', ids.deals)).map((r): PulledDeal => ({
      ...(JSON.parse(r.record) as Omit<PulledDeal, 'written'>),
      written: parseObject(r.written),
    }));
    return { partners: partners.sort(byId), deals: deals.sort(byId) };
  }

  async dealsNaming(
    account: string,
    partnerIds: readonly string[],
    roles?: readonly DealRefRole[],
    stage?: PulledDeal['stage'],
  ): Promise<string[]> {
    return distinctInParts(partnerIds, async (part) => {
      let q = this.db
        .selectFrom('deal_partner_refs')
        .select('deal_partner_refs.deal_id')
        .where('deal_partner_refs.account', '=', account)
        .where('deal_partner_refs.partner_id', 'in', part);
      if (roles !== undefined) q = q.where('deal_partner_refs.role', 'in', [...roles]);
      // the stage from the cached deal, by its primary key (the column precedes the record's text)
      if (stage !== undefined)
        q = q
          .innerJoin('cached_deals', (j) =>
            j
              .onRef('cached_deals.account', '=', 'deal_partner_refs.account')
              .onRef('cached_deals.id', '=', 'deal_partner_refs.deal_id'),
          )
          .where('cached_deals.stage', '=', stage);
      return (await q.execute()).map((r) => r.deal_id);
    });
  }

  async openDealsOfCustomers(account: string, customerIds: readonly string[]): Promise<string[]> {
    return distinctInParts(customerIds, async (part) =>
      (
        await this.db
          .selectFrom('cached_deals')
          .select('id')
          .where('account', '=', account)
          .where('customer_id', 'in', part)
          .where('stage', '=', 'open')
          .execute()
      ).map((r) => r.id),
    );
  }

  async ledgerKeyDeals(account: string, partnerIds: readonly string[]): Promise<string[]> {
    return distinctInParts(partnerIds, async (part) =>
      (
        await this.db
          .selectFrom('ledger_key_totals')
          .select('deal_id')
          .where('account', '=', account)
          .where('partner_id', 'in', part)
          .where('posted', '<>', 0)
          .where('deal_id', 'is not', null)
          .execute()
      ).map((r) => r.deal_id),
    );
  }

  async cachedDealCount(account: string): Promise<number> {
    const r = await this.db
      .selectFrom('cached_deals')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('account', '=', account)
      .executeTakeFirst();
    return toNum(r?.n ?? 0);
  }

  async cachedTouches(account: string, dealIds: readonly string[]): Promise<Map<string, SnapshotTouch[]>> {
    const out = new Map<string, SnapshotTouch[]>();
    for (let i = 0; i < dealIds.length; i += 500) {
      const chunk = dealIds.slice(i, i + 500);
      const rows = await this.db
        .selectFrom('cached_deals')
        .select(['id', 'record'])
        .where('account', '=', account)
        .where('id', 'in', chunk)
        .execute();
      for (const r of rows) {
        const touches = (JSON.parse(r.record) as { touches?: SnapshotTouch[] | null }).touches;
        out.set(r.id, Array.isArray(touches) ? touches : []);
      }
    }
    return out;
  }

  async updateWritten(account: string, update: WrittenUpdate, at: number, fence: Fence): Promise<void> {
    // a read and a multi-row upsert per chunk rather than two round trips per record: the
    // first write-back touches most of the cache, and PostgreSQL pays for every round trip
    await this.db.transaction().execute(async (trx) => {
      await assertFence(trx, fence, account);
      await trx.deleteFrom('compute_marks').where('account', '=', account).execute();
      for (const part of chunks(update.partners)) {
        const rows = await trx
          .selectFrom('cached_partners')
          .selectAll()
          .where('account', '=', account)
          .where(
            'id',
            'in',
            part.map((p) => p.id),
          )
          .execute();
        const byId = new Map(rows.map((r) => [r.id, r]));
        for (const p of part) {
          const row = byId.get(p.id);
          if (row) row.written = JSON.stringify({ ...parseObject(row.written), ...p.fields });
        }
        if (rows.length === 0) continue;
        await trx
          .insertInto('cached_partners')
          .values(rows.map((r) => ({ ...r, updated_at: at })))
          .onConflict((oc) =>
            oc.columns(['account', 'id']).doUpdateSet((eb) => ({
              written: eb.ref('excluded.written'),
              updated_at: eb.ref('excluded.updated_at'),
            })),
          )
          .execute();
      }
      for (const part of chunks(update.deals)) {
        const rows = await trx
          .selectFrom('cached_deals')
          .selectAll()
          .where('account', '=', account)
          .where(
            'id',
            'in',
            part.map((d) => d.id),
          )
          .execute();
        const byId = new Map(rows.map((r) => [r.id, r]));
        for (const d of part) {
          const row = byId.get(d.id);
          if (!row) continue; // no longer cached (removed by a full pull): nothing to remember
          const record = parseObject(row.record);
          const reg = record['registration'];
          if (d.expireRegistration && reg !== null && typeof reg === 'object')
            record['registration'] = { ...(reg as Record<string, unknown>), status: 'expired' };
          row.written = JSON.stringify({ ...parseObject(row.written), ...d.fields });
          row.record = JSON.stringify(record);
        }
        if (rows.length === 0) continue;
        await trx
          .insertInto('cached_deals')
          .values(rows.map((r) => ({ ...r, updated_at: at })))
          .onConflict((oc) =>
            oc.columns(['account', 'id']).doUpdateSet((eb) => ({
              written: eb.ref('excluded.written'),
              record: eb.ref('excluded.record'),
              updated_at: eb.ref('excluded.updated_at'),
            })),
          )
          .execute();
      }
    });
  }

  // ---- write-back state ---------------------------------------------------------------------

  async recordWrites(
    account: string,
    runId: string,
    intents: readonly WriteIntent[],
    at: number,
    fence: Fence,
  ): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await assertFence(trx, fence, account);
      // a newer diff replaces whatever an interrupted run left pending
      await trx
        .updateTable('write_state')
        .set({ status: 'superseded', updated_at: at })
        .where('account', '=', account)
        .where('status', '=', 'pending')
        .execute();
      for (const part of chunks(intents)) {
        await trx
          .insertInto('write_state')
          .values(
            part.map((w) => ({
              id: w.id,
              account,
              run_id: runId,
              object: w.object,
              record_id: w.recordId,
              fields: JSON.stringify(w.fields),
              status: 'pending' as const,
              error: null,
              updated_at: at,
            })),
          )
          .execute();
      }
    });
  }

  async settleWrites(
    account: string,
    done: readonly string[],
    failed: readonly { id: string; reason: string }[],
    at: number,
    fence: Fence,
  ): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await assertFence(trx, fence, account);
      for (const ids of chunks(done, 500)) {
        // The account is compared as an expression so that SQLite finds the rows by id (the
        // primary key): on the bare column its planner prefers the (account, status) index for
        // a list of ids and visits every write the account ever recorded, once per chunk — a
        // write-back that grew with the square of its size (issue 21).
        await trx
          .updateTable('write_state')
          .set({ status: 'done', updated_at: at })
          .where(sql<string>`account || ''`, '=', account)
          .where('id', 'in', ids)
          .execute();
      }
      for (const f of failed) {
        await trx
          .updateTable('write_state')
          .set({ status: 'failed', error: f.reason, updated_at: at })
          .where('account', '=', account)
          .where('id', '=', f.id)
          .execute();
      }
    });
  }

  // ---- ledger -------------------------------------------------------------------------------

  async keyBalances(account: string): Promise<Map<string, KeyBalance>> {
    return balancesOf(
      await this.db.selectFrom('ledger_entries').selectAll().where('account', '=', account).orderBy('seq').execute(),
    );
  }

  async ledgerView(account: string): Promise<LedgerView> {
    // one transaction: the balances, the closes and the version they were read at agree
    return this.db.transaction().execute(async (trx) => {
      const rows = await trx
        .selectFrom('ledger_entries')
        .selectAll()
        .where('account', '=', account)
        .orderBy('seq')
        .execute();
      const closes = await closesIn(trx, account);
      const last = rows.at(-1);
      return {
        balances: balancesOf(rows),
        closes,
        version: { seq: last === undefined ? 0 : toNum(last.seq), closes: closes.length },
      };
    });
  }

  async ledgerVersion(account: string): Promise<LedgerVersion> {
    return this.db.transaction().execute((trx) => ledgerVersionIn(trx, account));
  }

  async ledgerDiffView(
    account: string,
    targets: ReadonlyMap<string, bigint>,
    partners?: readonly string[],
  ): Promise<LedgerDiffView> {
    return this.db.transaction().execute(async (trx) => {
      // keys whose total is 0 matter only with a target that is not 0, which differs anyway
      const totals: { key: string; posted: bigint | number | string }[] = [];
      const read = (ids: readonly string[] | null) => {
        let q = trx
          .selectFrom('ledger_key_totals')
          .select(['key', 'posted'])
          .where('account', '=', account)
          .where('posted', '<>', 0);
        if (ids !== null) q = q.where('partner_id', 'in', [...ids]);
        return q.execute();
      };
      // (rows appended one by one: spreading a whole account's keys into push overflows the stack)
      if (partners === undefined) for (const row of await read(null)) totals.push(row);
      else for (const part of chunks([...new Set(partners)], 500)) for (const row of await read(part)) totals.push(row);
      const posted = new Map(totals.map((r) => [r.key, toBig(r.posted)]));
      const keys = new Set<string>();
      for (const [key, amount] of targets) if (amount !== (posted.get(key) ?? 0n)) keys.add(key);
      for (const key of posted.keys()) if (!targets.has(key)) keys.add(key);
      const rows: Selectable<LedgerEntryRow>[] = [];
      for (const part of chunks([...keys].flatMap(storedKeys), 500)) {
        rows.push(
          ...(await trx
            .selectFrom('ledger_entries')
            .selectAll()
            .where('account', '=', account)
            .where('key', 'in', part)
            .execute()),
        );
      }
      rows.sort((a, b) => toNum(a.seq) - toNum(b.seq));
      const balances = new Map([...balancesOf(rows)].filter(([, b]) => keys.has(currentKey(b.key, b.last.dealId))));
      const closes = await closesIn(trx, account);
      return {
        balances,
        closes,
        version: await ledgerVersionIn(trx, account),
        keys,
        compared: new Set([...targets.keys(), ...posted.keys()]).size,
      };
    });
  }

  async checkFence(fence: Fence): Promise<void> {
    await this.db.transaction().execute((trx) => assertFence(trx, fence));
  }

  /**
   * Posts in one transaction that proves ownership first (the fence), then that the ledger is
   * still where the plan read it (issue 16): a run that lost the account, or planned from balances
   * someone has since changed, posts nothing.
   */
  async postEntries(
    fence: Fence,
    runId: string,
    entries: readonly NewLedgerEntry[],
    at: number,
    planned: LedgerVersion,
  ): Promise<LedgerEntry[]> {
    const account = fence.account;
    return this.db.transaction().execute(async (trx) => {
      await assertFence(trx, fence);
      const version = await ledgerVersionIn(trx, account);
      let seq = version.seq;
      if (version.seq !== planned.seq || version.closes !== planned.closes) {
        throw new LedgerMovedError(
          `the ledger of ${account} changed after this run read it (entries through seq ${version.seq} and ${version.closes} closes now, ${planned.seq} and ${planned.closes} when planned): nothing posted; the next run plans again`,
        );
      }
      if (entries.length === 0) return [];
      const posted: LedgerEntry[] = entries.map((e) => ({ ...e, id: randomUUID(), seq: ++seq, runId, postedAt: at }));
      for (const part of chunks(posted)) {
        await trx
          .insertInto('ledger_entries')
          .values(part.map((e) => ledgerEntryRow(account, e)))
          .execute();
      }
      await addKeyTotals(trx, account, posted);
      return posted;
    });
  }

  async ledgerEntries(account: string, filter: { period?: string; partnerId?: string }): Promise<LedgerEntry[]> {
    let q = this.db.selectFrom('ledger_entries').selectAll().where('account', '=', account);
    if (filter.period !== undefined) q = q.where('period', '=', filter.period);
    if (filter.partnerId !== undefined) q = q.where('partner_id', '=', filter.partnerId);
    if (filter.period === undefined && filter.partnerId === undefined)
      return (await q.orderBy('seq').execute()).map(entryFromRow);
    // filtered: ordered here, so the database reads the period's or partner's index (issue 21:
    // ordering in SQL made SQLite walk the account's every entry in seq order instead)
    return (await q.execute()).map(entryFromRow).sort((a, b) => a.seq - b.seq);
  }

  async ledgerPeriods(account: string): Promise<{ period: string; entries: number; net: bigint }[]> {
    // the running totals every ledger writer keeps (migration 016, addPeriodTotals): one row per
    // month, whatever the ledger's size (issue 21: the program page asks on every view); read
    // back as text so no float holds them
    const rows = await this.db
      .selectFrom('ledger_period_totals')
      .select(['period', 'entries', sql<string>`cast(net as text)`.as('net')])
      .where('account', '=', account)
      .execute();
    return rows
      .map((r) => ({ period: r.period, entries: Number(r.entries), net: toBig(r.net) }))
      .sort((a, b) => (a.period < b.period ? -1 : a.period > b.period ? 1 : 0));
  }

  async periodCloses(account: string): Promise<PeriodClose[]> {
    const rows = await this.db
      .selectFrom('period_closes')
      .selectAll()
      .where('account', '=', account)
      .orderBy('period')
      .execute();
    return rows.map((r) => ({ period: r.period, closedAt: toNum(r.closed_at), closedBy: r.closed_by }));
  }

  async closePeriod(fence: Fence, close: PeriodClose): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await assertFence(trx, fence);
      await trx
        .insertInto('period_closes')
        .values({ account: fence.account, period: close.period, closed_at: close.closedAt, closed_by: close.closedBy })
        .execute();
    });
  }

  // ---- alerts and tasks -----------------------------------------------------------------------

  async openEpisodes(account: string): Promise<AlertEpisode[]> {
    return this.episodes(account, { openOnly: true });
  }

  async episodes(
    account: string,
    filter: { partnerId?: string; partnerIds?: readonly string[]; openOnly?: boolean },
  ): Promise<AlertEpisode[]> {
    const query = (ids?: readonly string[]) => {
      let q = this.db.selectFrom('alert_episodes').selectAll().where('account', '=', account);
      if (filter.openOnly === true) q = q.where('resolved_at', 'is', null);
      if (filter.partnerId !== undefined) q = q.where('partner_id', '=', filter.partnerId);
      if (ids !== undefined) q = q.where('partner_id', 'in', [...ids]);
      return q.orderBy('opened_at').orderBy('id').execute();
    };
    if (filter.partnerIds === undefined) return (await query()).map(episodeFromRow);
    const rows = [];
    for (const part of chunks([...new Set(filter.partnerIds)], 500)) rows.push(...(await query(part)));
    return rows.map(episodeFromRow).sort((a, b) => a.openedAt - b.openedAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  async openEpisodeCodes(account: string): Promise<{ severity: string; code: string; count: number }[]> {
    const rows = await this.db
      .selectFrom('alert_episodes')
      .select(['severity', 'code', (eb) => eb.fn.countAll<number | string | bigint>().as('n')])
      .where('account', '=', account)
      .where('resolved_at', 'is', null)
      .groupBy(['severity', 'code'])
      .execute();
    return rows.map((r) => ({ severity: r.severity, code: r.code, count: Number(r.n) }));
  }

  async openEpisodePage(
    account: string,
    query: { severity?: string | undefined; code?: string | undefined; offset: number; limit: number },
  ): Promise<AlertEpisode[]> {
    // ids compare by code unit as the engine's compareAlerts does: PostgreSQL's "C" collation
    // (SQLite compares text bytewise already); nulls first, as compareAlerts puts them
    const c = this.kind === 'postgres' ? sql.raw(' collate "C"') : sql.raw('');
    let q = this.db
      .selectFrom('alert_episodes')
      .selectAll()
      .where('account', '=', account)
      .where('resolved_at', 'is', null);
    if (query.severity !== undefined) q = q.where('severity', '=', query.severity);
    if (query.code !== undefined) q = q.where('code', '=', query.code);
    const rows = await q
      .orderBy(sql`case severity when 'critical' then 0 when 'warning' then 1 when 'info' then 2 else 3 end`)
      .orderBy(sql`code${c}`)
      .orderBy(sql`case when partner_id is null then 0 else 1 end`)
      .orderBy(sql`partner_id${c}`)
      .orderBy(sql`case when deal_id is null then 0 else 1 end`)
      .orderBy(sql`deal_id${c}`)
      .orderBy(sql`case when recipe is null then 0 else 1 end`)
      .orderBy(sql`recipe${c}`)
      .orderBy('opened_at')
      .orderBy('id')
      .offset(query.offset)
      .limit(query.limit)
      .execute();
    return rows.map(episodeFromRow);
  }

  async openEpisodeTotal(account: string): Promise<number> {
    // counted in the partial index of open episodes (account, alert_key where resolved_at is null)
    const r = await this.db
      .selectFrom('alert_episodes')
      .select((eb) => eb.fn.countAll<number | string | bigint>().as('n'))
      .where('account', '=', account)
      .where('resolved_at', 'is', null)
      .executeTakeFirst();
    return Number(r?.n ?? 0);
  }

  async openEpisodeCounts(account: string): Promise<{ partnerId: string | null; severity: string; count: number }[]> {
    const rows = await this.db
      .selectFrom('alert_episodes')
      .select(['partner_id', 'severity', (eb) => eb.fn.countAll<number | string | bigint>().as('n')])
      .where('account', '=', account)
      .where('resolved_at', 'is', null)
      .groupBy(['partner_id', 'severity'])
      .execute();
    return rows.map((r) => ({ partnerId: r.partner_id, severity: r.severity, count: Number(r.n) }));
  }

  async partnerPage(account: string, query: PartnerPageQuery): Promise<PartnerPageRow[]> {
    let q = this.db
      .selectFrom('cached_partners as cp')
      .leftJoin('partner_state as ps', (j) =>
        j.onRef('ps.account', '=', 'cp.account').onRef('ps.partner_id', '=', 'cp.id'),
      )
      .select(['cp.record', 'ps.partner_id', 'ps.health_score', 'ps.result', 'ps.run_id', 'ps.updated_at'])
      .where('cp.account', '=', account);
    if (query.after !== undefined) q = q.where('cp.id', '>', query.after);
    if (query.id !== undefined) q = q.where('cp.id', '=', query.id);
    if (query.recipe !== undefined) q = q.where('cp.recipe', '=', query.recipe);
    if (query.band !== undefined) q = q.where('ps.band', '=', query.band);
    if (query.tier !== undefined) q = q.where('ps.tier', '=', query.tier);
    if (query.q !== undefined) {
      const pattern = `%${query.q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      q = q.where(sql<boolean>`lower(cp.id || ' ' || coalesce(cp.name, cp.id)) like ${pattern} escape '\\'`);
    }
    const rows = await q.orderBy('cp.id').limit(query.limit).execute();
    return rows.map((r) => ({
      partner: JSON.parse(r.record) as Omit<PulledPartner, 'written'>,
      state:
        r.partner_id === null || r.result === null || r.run_id === null || r.updated_at === null
          ? null
          : {
              partnerId: r.partner_id,
              healthScore: numOrNull(r.health_score),
              result: JSON.parse(r.result) as unknown,
              runId: r.run_id,
              updatedAt: toNum(r.updated_at),
            },
    }));
  }

  async cachedPartnerNames(account: string): Promise<{ id: string; name: string }[]> {
    const rows = await this.db
      .selectFrom('cached_partners')
      .select(['id', 'name'])
      .where('account', '=', account)
      .execute();
    return rows.map((r) => ({ id: r.id, name: r.name ?? r.id }));
  }

  async cachedNames(account: string, object: 'partner' | 'deal', ids: readonly string[]): Promise<Map<string, string>> {
    const names = new Map<string, string>();
    const table = object === 'partner' ? 'cached_partners' : 'cached_deals';
    for (const part of chunks([...new Set(ids)], 500)) {
      const rows = await this.db
        .selectFrom(table)
        .select(['id', 'name'])
        .where('account', '=', account)
        .where('id', 'in', part)
        .execute();
      for (const r of rows) names.set(r.id, r.name ?? r.id);
    }
    return names;
  }

  async ledgerMonthSums(
    account: string,
    period: string,
    payableBy: number,
  ): Promise<{ kind: string; entries: number; amount: bigint; payable: bigint }[]> {
    // integer sums are exact on both databases; read back as text so no float holds them
    const rows = await this.db
      .selectFrom('ledger_entries')
      .select([
        'kind',
        (eb) => eb.fn.countAll<number | string | bigint>().as('n'),
        sql<string>`cast(sum(amount) as text)`.as('amount'),
        sql<string>`cast(sum(case when payable_at <= ${payableBy} then amount else 0 end) as text)`.as('payable'),
      ])
      .where('account', '=', account)
      .where('period', '=', period)
      .groupBy('kind')
      .execute();
    return rows.map((r) => ({
      kind: r.kind,
      entries: Number(r.n),
      amount: toBig(r.amount),
      payable: toBig(r.payable),
    }));
  }

  // ---- read models (issue 21) --------------------------------------------------------------------

  async readModelHead(account: string): Promise<ReadModelHead | null> {
    const r = await this.db
      .selectFrom('read_model_heads')
      .selectAll()
      .where('account', '=', account)
      .executeTakeFirst();
    return r === undefined
      ? null
      : { runId: r.run_id, asOf: toNum(r.as_of), fingerprint: r.fingerprint, scopable: toNum(r.scopable) === 1 };
  }

  async writeReadModels(
    fence: Fence,
    head: ReadModelHead,
    input: Iterable<ReadModelPeriodInput>,
    complete: boolean,
    at: number,
    extras?: ReadModelExtras,
  ): Promise<{ periods: number; partners: number }> {
    const account = fence.account;
    // a full build's periods are taken one at a time (built as they are written: issue 21 memory);
    // a scoped update's partners are read ahead, every period at once
    const list = complete ? null : [...input];
    const periods = list ?? input;
    return this.db.transaction().execute(async (trx) => {
      await assertFence(trx, fence);
      let nPeriods = 0;
      let nPartners = 0;
      // what is stored, by hash: only rows that differ are written
      const storedPeriods = new Map(
        (
          await trx.selectFrom('read_model_periods').select(['period', 'hash']).where('account', '=', account).execute()
        ).map((r) => [r.period, r.hash]),
      );
      const given = new Set(list?.map((p) => p.period));
      // not complete (a scoped run): the given partners' stored hashes, every period at once
      const givenHashes = new Map<string, string>();
      const givenIds = list === null ? [] : [...new Set(list.flatMap((p) => p.partners.map((r) => r.id)))];
      for (const ids of chunks(givenIds, 500))
        for (const r of await trx
          .selectFrom('read_model_partners')
          .select(['period', 'partner_id', 'hash'])
          .where('account', '=', account)
          .where('period', 'in', [...given])
          .where('partner_id', 'in', ids)
          .execute())
          givenHashes.set(`${r.period}\u0000${r.partner_id}`, r.hash);
      for (const p of periods) {
        given.add(p.period);
        if (storedPeriods.get(p.period) !== p.hash) {
          await trx
            .insertInto('read_model_periods')
            .values({ account, period: p.period, hash: p.hash, body: JSON.stringify(p.body) })
            .onConflict((oc) =>
              oc.columns(['account', 'period']).doUpdateSet((eb) => ({
                hash: eb.ref('excluded.hash'),
                body: eb.ref('excluded.body'),
              })),
            )
            .execute();
          nPeriods++;
        }
        // complete: every stored row of the period (those not given go); else the given rows' (read above)
        const stored = complete
          ? new Map(
              (
                await trx
                  .selectFrom('read_model_partners')
                  .select(['partner_id', 'hash'])
                  .where('account', '=', account)
                  .where('period', '=', p.period)
                  .execute()
              ).map((r) => [r.partner_id, r.hash]),
            )
          : new Map(p.partners.map((r) => [r.id, givenHashes.get(`${p.period}\u0000${r.id}`)]));
        const changed = p.partners.filter((r) => stored.get(r.id) !== r.hash);
        for (const part of chunks(changed)) {
          await trx
            .insertInto('read_model_partners')
            .values(
              part.map((r) => ({
                account,
                period: p.period,
                partner_id: r.id,
                name: r.name,
                recipe: r.recipe,
                band: r.band,
                tier: r.tier,
                hash: r.hash,
                body: JSON.stringify(r.body),
                ...figureColumns(r.figures),
                ...partnerSortColumns(r.name, r.body),
              })),
            )
            .onConflict((oc) =>
              oc.columns(['account', 'period', 'partner_id']).doUpdateSet((eb) => ({
                name: eb.ref('excluded.name'),
                recipe: eb.ref('excluded.recipe'),
                band: eb.ref('excluded.band'),
                tier: eb.ref('excluded.tier'),
                hash: eb.ref('excluded.hash'),
                body: eb.ref('excluded.body'),
                sourced: eb.ref('excluded.sourced'),
                attributed: eb.ref('excluded.attributed'),
                commissions: eb.ref('excluded.commissions'),
                cost: eb.ref('excluded.cost'),
                won: eb.ref('excluded.won'),
                lost: eb.ref('excluded.lost'),
                last_activity: eb.ref('excluded.last_activity'),
                onboarded: eb.ref('excluded.onboarded'),
                sort_name: eb.ref('excluded.sort_name'),
                score: eb.ref('excluded.score'),
                tier_rank: eb.ref('excluded.tier_rank'),
                fit: eb.ref('excluded.fit'),
                sort_attributed: eb.ref('excluded.sort_attributed'),
                win_rate: eb.ref('excluded.win_rate'),
                sort_last_activity: eb.ref('excluded.sort_last_activity'),
              })),
            )
            .execute();
        }
        nPartners += changed.length;
        if (complete) {
          const keep = new Set(p.partners.map((r) => r.id));
          const gone = [...stored.keys()].filter((id) => !keep.has(id));
          for (const part of chunks(gone, 500))
            await trx
              .deleteFrom('read_model_partners')
              .where('account', '=', account)
              .where('period', '=', p.period)
              .where('partner_id', 'in', part)
              .execute();
          nPartners += gone.length;
        }
      }
      // complete: the periods stored before and not given now go
      if (complete) {
        const gone = [...storedPeriods.keys()].filter((p) => !given.has(p));
        for (const part of chunks(gone, 500)) {
          await trx
            .deleteFrom('read_model_periods')
            .where('account', '=', account)
            .where('period', 'in', part)
            .execute();
          const del = await trx
            .deleteFrom('read_model_partners')
            .where('account', '=', account)
            .where('period', 'in', part)
            .executeTakeFirst();
          nPeriods += part.length;
          nPartners += Number(del.numDeletedRows);
        }
      }
      // issue 21 (migration 015): deal rows and removed partners, in the same transaction
      if (extras !== undefined) {
        if (!complete) nPartners += await removePartnerRows(trx, account, extras.removedPartners ?? []);
        await writeDealRows(trx, account, extras.deals, complete, extras.removedDeals ?? []);
      }
      // a full build with deal rows makes the head scopable; one without clears it; a scoped
      // update keeps what the head was
      const scopable = complete ? { scopable: extras === undefined ? 0 : 1 } : {};
      await trx
        .insertInto('read_model_heads')
        .values({
          account,
          run_id: head.runId,
          as_of: head.asOf,
          fingerprint: head.fingerprint,
          written_at: at,
          ...scopable,
        })
        .onConflict((oc) =>
          oc.column('account').doUpdateSet((eb) => ({
            run_id: eb.ref('excluded.run_id'),
            as_of: eb.ref('excluded.as_of'),
            fingerprint: eb.ref('excluded.fingerprint'),
            written_at: eb.ref('excluded.written_at'),
            ...(complete ? { scopable: eb.ref('excluded.scopable') } : {}),
          })),
        )
        .execute();
      return { periods: nPeriods, partners: nPartners };
    });
  }

  readModelFigures(account: string, partnerIds: readonly string[]): Promise<ReadModelFigureRow[]> {
    return figureRows(this.db, account, partnerIds);
  }

  readModelDeals(account: string, dealIds: readonly string[]): Promise<ReadModelDealInput[]> {
    return dealRows(this.db, account, dealIds);
  }

  readModelTopAttributed(
    account: string,
    periods: readonly string[],
    count: number,
  ): Promise<Map<string, { id: string; attributed: bigint }[]>> {
    return topAttributed(this.db, account, periods, count);
  }

  readModelRecipeDeals(
    account: string,
    recipes: readonly string[],
    count: number,
  ): Promise<Map<string, { id: string; created: number }[]>> {
    return recipeDeals(this.db, account, recipes, count);
  }

  async readModelPeriod(account: string, period: string): Promise<unknown> {
    const r = await this.db
      .selectFrom('read_model_periods')
      .select('body')
      .where('account', '=', account)
      .where('period', '=', period)
      .executeTakeFirst();
    return r === undefined ? null : (JSON.parse(r.body) as unknown);
  }

  async readModelPeriods(account: string, periods: readonly string[]): Promise<Map<string, unknown>> {
    if (periods.length === 0) return new Map();
    const rows = await this.db
      .selectFrom('read_model_periods')
      .select(['period', 'body'])
      .where('account', '=', account)
      .where('period', 'in', [...periods])
      .execute();
    return new Map(rows.map((r) => [r.period, JSON.parse(r.body) as unknown]));
  }

  async readModelPartners(account: string, period: string, query: ReadModelPartnerQuery): Promise<unknown[]> {
    let q = this.db
      .selectFrom('read_model_partners')
      .select('body')
      .where('account', '=', account)
      .where('period', '=', period);
    if (query.ids !== undefined) {
      if (query.ids.length === 0) return [];
      q = q.where('partner_id', 'in', [...query.ids]);
    }
    if (query.after !== undefined) q = q.where('partner_id', '>', query.after);
    if (query.recipe !== undefined) q = q.where('recipe', '=', query.recipe);
    if (query.band !== undefined) q = q.where('band', '=', query.band);
    if (query.tier !== undefined) q = q.where('tier', '=', query.tier);
    if (query.q !== undefined) {
      const pattern = `%${query.q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      q = q.where(sql<boolean>`lower(partner_id || ' ' || name) like ${pattern} escape '\\'`);
    }
    q = q.orderBy('partner_id');
    if (query.limit !== undefined) q = q.limit(query.limit);
    return (await q.execute()).map((r) => JSON.parse(r.body) as unknown);
  }

  async readModelPartnerPage(
    account: string,
    period: string,
    query: ReadModelPartnerPageQuery,
  ): Promise<{ rows: unknown[]; matching: number; tiers: string[] }> {
    // text orders by code unit as the list did in memory: PostgreSQL's "C" collation (SQLite
    // compares bytes already)
    const c = this.kind === 'postgres' ? sql.raw(' collate "C"') : sql.raw('');
    const column = PARTNER_SORT_COLUMNS[query.sort];
    const withAlerts = query.sort === 'alerts' || query.withAlerts === true;
    // open alerts per partner, counted only when the page sorts or filters on them
    const alerts = this.db
      .selectFrom('alert_episodes')
      .select(['partner_id as alert_partner', (eb) => eb.fn.countAll<number | string | bigint>().as('open_alerts')])
      .where('account', '=', account)
      .where('resolved_at', 'is', null)
      .where('partner_id', 'is not', null)
      .groupBy('partner_id');
    const base = () => {
      let q = this.db
        .selectFrom('read_model_partners as r')
        .where('r.account', '=', account)
        .where('r.period', '=', period);
      if (query.recipe !== undefined) q = q.where('r.recipe', '=', query.recipe);
      if (query.band !== undefined)
        q = query.band === 'none' ? q.where('r.band', 'is', null) : q.where('r.band', '=', query.band);
      if (query.tier !== undefined) q = q.where('r.tier', '=', query.tier);
      if (query.q !== undefined) {
        const pattern = `%${query.q.toLowerCase().replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
        // sort_name is the name lower-cased as the list does in memory (read-model-columns.ts), and
        // in the name index: no row is read to match
        q = q.where(sql<boolean>`(lower(r.partner_id) || ' ' || r.sort_name) like ${pattern} escape '\\'`);
      }
      if (!withAlerts) return q;
      const joined = q.leftJoin(alerts.as('a'), 'a.alert_partner', 'r.partner_id');
      return (query.withAlerts === true ? joined.where('a.open_alerts', '>', 0) : joined) as unknown as typeof q;
    };
    const countOf = async (nulls: boolean | null): Promise<number> => {
      let q = base();
      if (nulls !== null && column !== null) q = q.where(sql.ref(`r.${column}`), nulls ? 'is' : 'is not', null);
      const r = await q.select((eb) => eb.fn.countAll<number | string | bigint>().as('n')).executeTakeFirst();
      return Number(r?.n ?? 0);
    };
    // rows with a value first (in the direction asked), then those without (by name); ties by name, then id
    const part = async (nulls: boolean, offset: number, limit: number): Promise<unknown[]> => {
      if (limit <= 0) return [];
      // the page's ids first, from the sort index alone (skipped rows never read their bodies),
      // then the bodies of those ids
      let q = base().select('r.partner_id');
      if (column !== null) q = q.where(sql.ref(`r.${column}`), nulls ? 'is' : 'is not', null);
      if (!nulls) {
        const key =
          column === null
            ? sql`coalesce(${sql.ref('a.open_alerts')}, 0)`
            : sql`${sql.ref(`r.${column}`)}${column === 'recipe' || column === 'sort_name' ? c : sql``}`;
        q = q.orderBy(query.dir === 'asc' ? sql`${key} asc` : sql`${key} desc`);
      }
      const rows = await q
        .orderBy(sql`r.sort_name${c}`)
        .orderBy(sql`r.partner_id${c}`)
        .offset(offset)
        .limit(limit)
        .execute();
      if (rows.length === 0) return [];
      const bodies = new Map(
        (
          await this.db
            .selectFrom('read_model_partners')
            .select(['partner_id', 'body'])
            .where('account', '=', account)
            .where('period', '=', period)
            .where(
              'partner_id',
              'in',
              rows.map((r) => r.partner_id),
            )
            .execute()
        ).map((r) => [r.partner_id, r.body]),
      );
      return rows.map((r) => JSON.parse(bodies.get(r.partner_id) ?? 'null') as unknown);
    };
    const withValue = column === null || column === 'sort_name' ? await countOf(null) : await countOf(false);
    const matching = column === null || column === 'sort_name' ? withValue : withValue + (await countOf(true));
    const first = await part(false, query.offset, Math.min(query.limit, Math.max(0, withValue - query.offset)));
    const rest =
      column === null || column === 'sort_name'
        ? []
        : await part(true, Math.max(0, query.offset - withValue), query.limit - first.length);
    const tiers = await this.db
      .selectFrom('read_model_partners')
      .select('tier')
      .distinct()
      .where('account', '=', account)
      .where('period', '=', period)
      .where('tier', 'is not', null)
      .execute();
    return {
      rows: [...first, ...rest],
      matching,
      tiers: tiers.flatMap((t) => (t.tier === null ? [] : [t.tier])).sort(),
    };
  }

  async readModelPartner(account: string, periods: readonly string[], id: string): Promise<Map<string, unknown>> {
    if (periods.length === 0) return new Map();
    const rows = await this.db
      .selectFrom('read_model_partners')
      .select(['period', 'body'])
      .where('account', '=', account)
      .where('partner_id', '=', id)
      .where('period', 'in', [...periods])
      .execute();
    return new Map(rows.map((r) => [r.period, JSON.parse(r.body) as unknown]));
  }

  async partnerStates(account: string): Promise<PartnerState[]> {
    const rows = await this.db
      .selectFrom('partner_state')
      .selectAll()
      .where('account', '=', account)
      .orderBy('partner_id')
      .execute();
    return rows.map(stateFromRow);
  }

  async openEpisodesOf(
    account: string,
    subjects: { partnerIds: readonly string[]; dealIds: readonly string[]; codes: readonly string[] },
  ): Promise<AlertEpisode[]> {
    const found = new Map<string, AlertEpisode>();
    const read = async (column: 'partner_id' | 'deal_id' | 'code', values: readonly string[]): Promise<void> => {
      for (const part of chunks([...new Set(values)], 500))
        for (const r of await this.db
          .selectFrom('alert_episodes')
          .selectAll()
          .where('account', '=', account)
          .where('resolved_at', 'is', null)
          .where(column, 'in', part)
          .execute())
          if (!found.has(r.id)) found.set(r.id, episodeFromRow(r));
    };
    await read('partner_id', subjects.partnerIds);
    await read('deal_id', subjects.dealIds);
    await read('code', subjects.codes);
    return [...found.values()].sort((a, b) => a.openedAt - b.openedAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  async partnerStatesOf(account: string, partnerIds: readonly string[]): Promise<PartnerState[]> {
    const out: PartnerState[] = [];
    for (const part of chunks([...new Set(partnerIds)], 500))
      for (const r of await this.db
        .selectFrom('partner_state')
        .selectAll()
        .where('account', '=', account)
        .where('partner_id', 'in', part)
        .execute())
        out.push(stateFromRow(r));
    return out.sort((a, b) => (a.partnerId < b.partnerId ? -1 : a.partnerId > b.partnerId ? 1 : 0));
  }

  async applyAlerts(account: string, c: AlertChanges, fence: Fence): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await assertFence(trx, fence, account);
      for (const ids of chunks(c.resolve, 500)) {
        // by id (the primary key), as settleWrites: on the bare account column SQLite would take
        // the (account, alert_key) index and visit every episode of the account per chunk
        await trx
          .updateTable('alert_episodes')
          .set({ resolved_at: c.at, resolved_run: c.runId })
          .where(sql<string>`account || ''`, '=', account)
          .where('id', 'in', ids)
          .execute();
      }
      for (const u of c.update) {
        await trx
          .updateTable('alert_episodes')
          .set({ message: u.message, detail: JSON.stringify(u.detail) })
          .where('account', '=', account)
          .where('id', '=', u.id)
          .execute();
      }
      for (const part of chunks(c.open)) {
        await trx
          .insertInto('alert_episodes')
          .values(
            part.map((e) => ({
              id: e.id,
              account,
              alert_key: e.alertKey,
              code: e.code,
              severity: e.severity,
              partner_id: e.partnerId,
              deal_id: e.dealId,
              recipe: e.recipe,
              message: e.message,
              detail: JSON.stringify(e.detail),
              opened_at: c.at,
              opened_run: c.runId,
              resolved_at: null,
              resolved_run: null,
            })),
          )
          .execute();
      }
      for (const part of chunks(c.partnerStates)) {
        await trx
          .insertInto('partner_state')
          .values(
            part.map((s) => ({
              account,
              partner_id: s.partnerId,
              health_score: s.healthScore,
              result: JSON.stringify(s.result),
              band: partnerBand(s.result),
              tier: partnerTier(s.result),
              run_id: c.runId,
              updated_at: c.at,
            })),
          )
          .onConflict((oc) =>
            oc.columns(['account', 'partner_id']).doUpdateSet((eb) => ({
              health_score: eb.ref('excluded.health_score'),
              result: eb.ref('excluded.result'),
              band: eb.ref('excluded.band'),
              tier: eb.ref('excluded.tier'),
              run_id: eb.ref('excluded.run_id'),
              updated_at: eb.ref('excluded.updated_at'),
            })),
          )
          .execute();
      }
      for (const part of chunks(c.tasks)) {
        await trx
          .insertInto('task_outbox')
          .values(
            part.map((t) => ({
              marker: t.marker,
              account,
              episode_id: t.episodeId,
              partner_id: t.partnerId,
              deal_id: t.dealId,
              owner_id: t.ownerId,
              subject: t.subject,
              body: t.body,
              due_at: t.dueAt,
              priority: t.priority,
              status: 'pending' as const,
              task_id: null,
              created_at: c.at,
              attempts: 0,
              last_error: null,
            })),
          )
          .execute();
      }
      if (c.notifications !== undefined) await insertQueued(trx, account, c.notifications);
    });
  }

  async pendingTasks(account: string): Promise<OutboxTask[]> {
    const rows = await this.db
      .selectFrom('task_outbox')
      .selectAll()
      .where('account', '=', account)
      .where('status', '=', 'pending')
      .orderBy('marker')
      .execute();
    return rows.map(taskFromRow);
  }

  async tasks(account: string): Promise<OutboxTask[]> {
    const rows = await this.db
      .selectFrom('task_outbox')
      .selectAll()
      .where('account', '=', account)
      .orderBy('marker')
      .execute();
    return rows.map(taskFromRow);
  }

  async markTasks(
    account: string,
    created: readonly { marker: string; taskId: string }[],
    failed: readonly { marker: string; reason: string }[],
    fence: Fence,
  ): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await assertFence(trx, fence, account);
      for (const t of created) {
        await trx
          .updateTable('task_outbox')
          .set((eb) => ({ status: 'created', task_id: t.taskId, attempts: eb('attempts', '+', 1), last_error: null }))
          .where('account', '=', account)
          .where('marker', '=', t.marker)
          .execute();
      }
      for (const f of failed) {
        await trx
          .updateTable('task_outbox')
          .set((eb) => ({ attempts: eb('attempts', '+', 1), last_error: f.reason }))
          .where('account', '=', account)
          .where('marker', '=', f.marker)
          .execute();
      }
    });
  }

  // ---- write refusals (issue 14) --------------------------------------------------------------

  async writeRefusals(account: string): Promise<WriteRefusal[]> {
    const rows = await this.db
      .selectFrom('write_refusals')
      .selectAll()
      .where('account', '=', account)
      .orderBy('at', 'desc')
      .orderBy('object')
      .orderBy('record_id')
      .execute();
    return rows.map((r) => ({
      object: r.object as WriteRefusal['object'],
      recordId: r.record_id,
      fields: JSON.parse(r.fields) as Record<string, unknown>,
      properties: JSON.parse(r.properties) as string[],
      message: r.message,
      runId: r.run_id,
      at: toNum(r.at),
    }));
  }

  async saveRefusals(
    account: string,
    refusals: readonly WriteRefusal[],
    cleared: readonly { object: WriteRefusal['object']; recordId: string }[],
    fence: Fence,
  ): Promise<void> {
    if (refusals.length === 0 && cleared.length === 0) return;
    await this.db.transaction().execute(async (trx) => {
      await assertFence(trx, fence, account);
      for (const c of cleared) {
        await trx
          .deleteFrom('write_refusals')
          .where('account', '=', account)
          .where('object', '=', c.object)
          .where('record_id', '=', c.recordId)
          .execute();
      }
      for (const r of refusals) {
        const row = {
          fields: JSON.stringify(r.fields),
          properties: JSON.stringify(r.properties),
          message: r.message,
          run_id: r.runId,
          at: r.at,
        };
        await trx
          .insertInto('write_refusals')
          .values({ account, object: r.object, record_id: r.recordId, ...row })
          .onConflict((oc) => oc.columns(['account', 'object', 'record_id']).doUpdateSet(row))
          .execute();
      }
    });
  }

  // ---- notifications and audit (notification-queries.ts, audit-queries.ts) ----------------------

  async queueNotifications(
    account: string,
    events: readonly QueuedEvent[],
    state: readonly { name: string; value: string }[] = [],
    at = Date.now(),
  ): Promise<number> {
    return this.db.transaction().execute(async (trx) => {
      const added = await insertQueued(trx, account, events);
      await setState(trx, account, state, at);
      return added;
    });
  }

  notificationState(account: string, name: string): Promise<string | null> {
    return getState(this.db, account, name);
  }

  claimDeliveries(
    now: number,
    limit: number,
    leaseMs: number,
    kind: ClaimKind,
    account?: string,
  ): Promise<ClaimedDelivery[]> {
    return claimDeliveries(this.db, now, limit, leaseMs, kind, account);
  }

  expandDelivery(parentId: string, children: readonly NewDelivery[], at: number, reason: string): Promise<void> {
    return expandDelivery(this.db, parentId, children, at, reason);
  }

  settleDeliveries(outcomes: readonly DeliveryOutcome[], at: number): Promise<void> {
    return settleDeliveries(this.db, outcomes, at);
  }

  listNotifications(
    filter: NotificationFilter,
  ): Promise<{ event: NotificationEventRecord; deliveries: DeliveryRecord[] }[]> {
    return listNotifications(this.db, filter);
  }

  appendAudit(entry: Omit<AuditEntry, 'id'>): Promise<AuditEntry> {
    return appendAudit(this.db, entry);
  }

  auditEntries(filter: AuditFilter): Promise<AuditEntry[]> {
    return auditEntries(this.db, filter);
  }
}
