// Incremental = full recompute (issue 21, "exactness first"): two worlds receive the same CRM
// changes and time steps. World A syncs the way production does between full syncs (incremental
// pulls, targeted runs, idle skips, ledger fingerprints); world B runs a full sync every step. After
// every step both must hold the same state: ledger postings, alert episodes, partner_state, the task
// outbox, the snapshot cache and the values each fake CRM holds. Each run of A is also replayed
// from zero: its postings must be exactly what planLedger gives for the engine's targets against
// every balance posted before it (the pre-fingerprint path). Shared by
// test/sync/equivalence.test.ts (small, in CI) and bench/equivalence.ts (100k deals).

import { deepStrictEqual } from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { LoadedConfig } from '../../src/config/load.ts';
import { FakeCrm } from '../../src/crm/fake/fake-crm.ts';
import type { PulledDeal, PulledPartner } from '../../src/crm/port.ts';
import { monthLabel, TimeZone } from '../../src/domain/time.ts';
import { closePeriod } from '../../src/ledger/periods.ts';
import { planLedger, targetEntries } from '../../src/ledger/plan.ts';
import type { KeyBalance, LedgerEntry } from '../../src/ledger/types.ts';
import { silentLogger } from '../../src/log.ts';
import type { Rng } from '../../src/sandbox/rng.ts';
import type { KyselyStore } from '../../src/store/kysely-store.ts';
import { openStore } from '../../src/store/open-store.ts';
import { computeForRun, runSync, type SyncResult } from '../../src/sync/run-sync.ts';
import { TestClock } from './helpers.ts';

const MINUTE = 60_000;
const DAY = 86_400_000;

export interface Side {
  store: KyselyStore;
  crm: FakeCrm;
  clock: TestClock;
  config: LoadedConfig;
  deps: Parameters<typeof runSync>[0];
}

export interface Twin {
  a: Side;
  b: Side;
  /** Ids the CRMs hold (both hold the same). */
  deals: string[];
  partners: string[];
  nextId: number;
  recipes: readonly string[];
  /** What the last step ran in A, for the caller's summary. */
  modes: Record<string, number>;
  /** Why A's computing runs were not scoped (report.scope.reason), for the caller's summary. */
  reasons: Record<string, number>;
  /** Alert episodes A's scoped runs opened and resolved (their alerts step reads by subject, issue 21). */
  scopedAlerts: { opened: number; resolved: number };
}

async function side(url: string, config: LoadedConfig, at: number, pageSize: number): Promise<Side> {
  const store = await openStore(url);
  const crm = new FakeCrm({ account: `eq-${randomUUID()}`, pageSize });
  const clock = new TestClock(new Date(at).toISOString());
  return { store, crm, clock, config, deps: { store, crm, clock, logger: silentLogger(), config } };
}

/** Two worlds over the same records; no sync has run yet. */
export async function makeTwin(options: {
  urlA: string;
  urlB: string;
  config: LoadedConfig;
  at: number;
  partners: readonly Omit<PulledPartner, 'written' | 'ownerId'>[];
  deals: readonly Omit<PulledDeal, 'written' | 'ownerId'>[];
  pageSize?: number;
}): Promise<Twin> {
  const pageSize = options.pageSize ?? 50;
  const a = await side(options.urlA, options.config, options.at, pageSize);
  const b = await side(options.urlB, options.config, options.at, pageSize);
  for (const crm of [a.crm, b.crm]) {
    for (const p of options.partners) crm.upsertPartner(p);
    for (const d of options.deals) crm.upsertDeal(d);
  }
  return {
    a,
    b,
    deals: options.deals.map((d) => d.id),
    partners: options.partners.map((p) => p.id),
    nextId: options.deals.length + options.partners.length,
    recipes: [...options.config.program.recipes.keys()],
    modes: {},
    reasons: {},
    scopedAlerts: { opened: 0, resolved: 0 },
  };
}

export async function closeTwin(t: Twin): Promise<void> {
  await t.a.store.close();
  await t.b.store.close();
}

// ---- random CRM changes and time steps --------------------------------------------------------

const iso = (ms: number): string => new Date(ms).toISOString();

function randomDeal(r: Rng, t: Twin, id: string, now: number): Omit<PulledDeal, 'written' | 'ownerId'> {
  const stage = r.weighted([
    ['won', 4],
    ['open', 3],
    ['lost', 2],
  ] as const);
  const created = now - r.int(0, 240) * DAY - r.int(0, 1439) * MINUTE;
  const closed = stage === 'open' ? null : Math.min(now + (r.chance(0.1) ? DAY : 0), created + r.int(0, 90) * DAY);
  const partner = (): string => (t.partners.length === 0 ? 'ghost' : r.pick(t.partners));
  const touches = Array.from({ length: r.int(0, 2) }, () => ({
    partnerId: partner(),
    at: iso(created + r.int(-10, 60) * DAY),
  }));
  const reg = r.chance(0.25)
    ? (() => {
        const status = r.pick(['submitted', 'approved', 'approved', 'rejected'] as const);
        const submitted = now - r.int(0, 40) * DAY;
        return {
          partnerId: partner(),
          status,
          submittedAt: iso(submitted),
          ...(status === 'submitted' ? {} : { decidedAt: iso(submitted + DAY) }),
          ...(status === 'approved' ? { expiresAt: iso(now + r.int(-3, 20) * DAY + r.int(0, 1439) * MINUTE) } : {}),
        };
      })()
    : null;
  return {
    id,
    name: `Deal ${id}`,
    amount: r.chance(0.03) ? 'n/a' : r.pick(['0.00', '120.00', '2500.50', '10000.00', '48000.00', '99999.99']),
    currency: r.pick(['USD', 'USD', 'EUR']),
    stage,
    createdAt: iso(created),
    closedAt: closed === null ? null : iso(closed),
    customerId: `c-${r.int(0, 6)}`,
    recipe: r.chance(0.1) ? r.pick(t.recipes) : null,
    sourcePartnerId: r.chance(0.85) ? partner() : null,
    registration: reg,
    touches,
  };
}

function randomPartner(r: Rng, t: Twin, id: string, now: number): Omit<PulledPartner, 'written' | 'ownerId'> {
  const rating = (): number => r.int(1, 5);
  return {
    id,
    name: `Partner ${id}`,
    recipe: r.chance(0.05) ? null : r.pick(t.recipes),
    tier: r.pick([null, 'Certified', 'Premium']),
    onboardedAt: iso(now - r.int(0, 400) * DAY),
    endedAt: r.chance(0.1) ? iso(now - r.int(-20, 60) * DAY) : null,
    ratings: { communication: rating(), alignment: rating(), trust: rating(), ease: rating(), potential: rating() },
    fit: {},
  };
}

/** One random CRM change applied to both CRMs; returns the ids a webhook would name. */
function change(r: Rng, t: Twin, now: number): { deals: string[]; partners: string[] } {
  const both = (fn: (crm: FakeCrm) => void): void => {
    fn(t.a.crm);
    fn(t.b.crm);
  };
  const kind = r.weighted([
    ['createDeal', 3],
    ['updateDeal', 6],
    ['removeDeal', 1],
    ['createPartner', 1],
    ['updatePartner', 2],
    ['removePartner', 0.4],
  ] as const);
  if (kind === 'createDeal' || (t.deals.length === 0 && kind !== 'createPartner')) {
    const id = `d${t.nextId++}`;
    const d = randomDeal(r, t, id, now);
    both((crm) => {
      crm.upsertDeal(d);
    });
    t.deals.push(id);
    return { deals: [id], partners: [] };
  }
  if (kind === 'createPartner') {
    const id = `p${t.nextId++}`;
    const p = randomPartner(r, t, id, now);
    both((crm) => {
      crm.upsertPartner(p);
    });
    t.partners.push(id);
    return { deals: [], partners: [id] };
  }
  if (kind === 'removeDeal') {
    const id = r.pick(t.deals);
    both((crm) => {
      crm.deleteDeal(id);
    });
    t.deals = t.deals.filter((x) => x !== id);
    return { deals: [id], partners: [] };
  }
  if ((kind === 'updatePartner' || kind === 'removePartner') && t.partners.length > 0) {
    const id = r.pick(t.partners);
    if (kind === 'removePartner') {
      both((crm) => {
        crm.deletePartner(id);
      });
      t.partners = t.partners.filter((x) => x !== id);
      return { deals: [], partners: [id] };
    }
    const fresh = randomPartner(r, t, id, now);
    const field = r.pick(['recipe', 'tier', 'onboardedAt', 'endedAt', 'ratings'] as const);
    both((crm) => {
      crm.updatePartner(id, { [field]: fresh[field] });
    });
    return { deals: [], partners: [id] };
  }
  // a rep edits one or two fields of a deal
  const id = r.pick(t.deals);
  const fresh = randomDeal(r, t, id, now);
  const fields = r.pick([
    ['stage', 'closedAt'],
    ['amount'],
    ['closedAt'],
    ['sourcePartnerId'],
    ['touches'],
    ['registration'],
    ['currency', 'amount'],
    ['recipe'],
    ['customerId'],
  ] as const);
  const patch: Partial<PulledDeal> = {};
  for (const f of fields) Object.assign(patch, { [f]: fresh[f] });
  both((crm) => {
    crm.updateDeal(id, patch);
  });
  return { deals: [id], partners: [] };
}

/** The next instant: minutes, days, or just around a month end (program time zone) or a payable date. */
function timeStep(r: Rng, t: Twin, now: number): number {
  const kind = r.weighted([
    ['none', 2],
    // seconds: a webhook's targeted run soon after the last (scoped runs need the last mark's due ahead)
    ['seconds', 3],
    ['minutes', 3],
    ['days', 3],
    ['monthEnd', 2],
    ['payable', 1],
  ] as const);
  if (kind === 'none') return now;
  if (kind === 'seconds') return now + r.int(1, 30) * 1000;
  if (kind === 'minutes') return now + r.int(1, 59) * MINUTE;
  if (kind === 'days') return now + r.int(1, 20) * DAY + r.int(0, 600) * MINUTE;
  if (kind === 'payable') {
    // a won deal's hold (30 days after its close) ending around now
    const d = t.deals.length === 0 ? undefined : t.a.crm.deal(r.pick(t.deals));
    const closed = d?.closedAt == null ? NaN : Date.parse(d.closedAt) + 30 * DAY;
    if (Number.isFinite(closed) && closed > now) return closed + r.int(-1, 1) * MINUTE;
    return now + DAY;
  }
  // the first instant of the next month in the program time zone, give or take a minute
  const zone = new TimeZone(t.a.config.program.timezone);
  return Math.max(now + 1000, zone.monthStart(zone.monthOf(now) + 1) + r.int(-1, 1) * MINUTE);
}

// ---- comparison -------------------------------------------------------------------------------

const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function entryView(e: LedgerEntry): Record<string, unknown> {
  return {
    key: e.key,
    kind: e.kind,
    period: e.period,
    originalPeriod: e.originalPeriod,
    partnerId: e.partnerId,
    partnerName: e.partnerName,
    dealId: e.dealId,
    dealName: e.dealName,
    amount: e.amount.toString(),
    payableAt: e.payableAt,
    payableOn: e.payableOn,
    reason: e.reason,
    inputs: e.inputs,
  };
}

/**
 * The read models by content (issue 21): every period's aggregate and every partner row's body,
 * filter columns and figures, and the deal rows (migration 015); not the head, whose run differs.
 */
async function readModelBodies(s: Side): Promise<Record<string, unknown>> {
  const account = s.crm.account;
  const db = s.store.db;
  const periods = await db
    .selectFrom('read_model_periods')
    .select(['period', 'body'])
    .where('account', '=', account)
    .orderBy('period')
    .execute();
  const partners = await db
    .selectFrom('read_model_partners')
    .selectAll()
    .where('account', '=', account)
    .orderBy('period')
    .orderBy('partner_id')
    .execute();
  const deals = await db
    .selectFrom('read_model_deals')
    .selectAll()
    .where('account', '=', account)
    .orderBy('deal_id')
    .execute();
  const text = (v: unknown): unknown => (typeof v === 'bigint' || typeof v === 'number' ? String(v) : v);
  return {
    periods: periods.map((r) => ({ period: r.period, body: JSON.parse(r.body) as unknown })),
    partners: partners.map(({ account: _a, hash: _h, body, ...r }) => ({
      ...Object.fromEntries(Object.entries(r).map(([k, v]) => [k, text(v)])),
      body: JSON.parse(body) as unknown,
    })),
    deals: deals.map(({ account: _a, ...r }) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, text(v)]))),
  };
}

/** Everything a run leaves that A and B must agree on. */
export async function state(s: Side): Promise<Record<string, unknown>> {
  const account = s.crm.account;
  const cache = await s.store.loadCache(account);
  const ledger = await s.store.ledgerEntries(account, {});
  const balances = new Map<string, bigint>();
  for (const e of ledger) balances.set(e.key, (balances.get(e.key) ?? 0n) + e.amount);
  return {
    // the cache as CRM input; what we wrote is compared as the CRM holds it (`written` below): a
    // targeted run keeps the values as sent, a full pull reads them back as the CRM formats them
    cache: {
      partners: [...cache.partners].sort((x, y) => byText(x.id, y.id)).map((x) => ({ ...x, written: {} })),
      deals: [...cache.deals].sort((x, y) => byText(x.id, y.id)).map((x) => ({ ...x, written: {} })),
    },
    ledger: ledger.map(entryView),
    balances: Object.fromEntries([...balances].sort(([x], [y]) => byText(x, y)).map(([k, v]) => [k, v.toString()])),
    partnerState: (await s.store.partnerStates(account))
      .map((p) => ({ partnerId: p.partnerId, healthScore: p.healthScore, result: p.result }))
      .sort((x, y) => byText(x.partnerId, y.partnerId)),
    episodes: (await s.store.openEpisodes(account))
      .map((e) => ({
        alertKey: e.alertKey,
        code: e.code,
        severity: e.severity,
        partnerId: e.partnerId,
        dealId: e.dealId,
        recipe: e.recipe,
        message: e.message,
        detail: e.detail,
        openedAt: e.openedAt,
      }))
      .sort((x, y) => byText(x.alertKey, y.alertKey)),
    tasks: s.crm.tasks
      // markers carry the episode's random id: compared by what the task says
      .map((x) => JSON.stringify({ subject: x.subject, body: x.body, dueAt: x.dueAt, partnerId: x.partnerId }))
      .sort(byText),
    pendingTasks: (await s.store.pendingTasks(account)).length,
    written: s.crm.writtenState(),
    readModelBodies: await readModelBodies(s),
    // the read models (issue 21) by content: an idle run keeps those of the run that computed
    readModels: {
      periods: await s.store.db
        .selectFrom('read_model_periods')
        .select(['period', 'hash'])
        .where('account', '=', account)
        .orderBy('period')
        .execute(),
      partners: await s.store.db
        .selectFrom('read_model_partners')
        .select(['period', 'partner_id', 'hash'])
        .where('account', '=', account)
        .orderBy('period')
        .orderBy('partner_id')
        .execute(),
    },
  };
}

/** The run's postings equal planLedger over the engine's targets and every earlier balance (from zero). */
export async function checkLedgerFromZero(s: Side, run: SyncResult): Promise<void> {
  const account = s.crm.account;
  const program = s.config.program;
  const all = await s.store.ledgerEntries(account, {});
  const before = new Map<string, KeyBalance>();
  for (const e of all) {
    if (e.runId === run.runId) continue;
    const b = before.get(e.key);
    if (b) {
      b.posted += e.amount;
      b.last = e;
    } else before.set(e.key, { key: e.key, posted: e.amount, last: e });
  }
  const cache = await s.store.loadCache(account);
  const { out } = computeForRun(program, cache.partners, cache.deals, run.asOf);
  const expected = planLedger({
    program,
    tz: out.details.tz,
    asOf: run.asOf,
    targets: targetEntries(program, out.details),
    balances: before,
    closes: await s.store.periodCloses(account),
    dealStages: new Map(cache.deals.map((d) => [d.id, d.stage])),
    rejected: new Map(out.result.rejected.map((x) => [x.dealId, x.reason])),
  });
  deepStrictEqual(
    all.filter((e) => e.runId === run.runId).map(entryView),
    expected.entries.map((e) => entryView({ ...e, id: '', seq: 0, runId: run.runId, postedAt: 0 })),
    `run ${run.runId} (${run.report.mode}) at ${iso(run.asOf)}: postings differ from a plan over every balance`,
  );
}

export interface StepLog {
  at: string;
  changes: number;
  mode: string;
  skipped: boolean;
}

/**
 * One step: a few CRM changes, a time step, maybe a period close; A runs incremental (or
 * targeted with the changed ids), B runs full; then both states must be equal.
 */
export async function step(r: Rng, t: Twin, bias?: 'scoped'): Promise<StepLog> {
  // bias 'scoped': mostly webhook-like targeted runs seconds apart, which scoped runs serve (issue 21)
  const now =
    bias === 'scoped' && r.chance(0.8) ? t.a.clock.now() + r.int(0, 20) * 1000 : timeStep(r, t, t.a.clock.now());
  t.a.clock.t = now;
  t.b.clock.t = now;
  const changed = { deals: new Set<string>(), partners: new Set<string>() };
  const n = r.weighted([
    [0, 3],
    [1, 3],
    [2, 2],
    [4, 1],
  ] as const);
  for (let i = 0; i < n; i++) {
    const c = change(r, t, now);
    c.deals.forEach((x) => changed.deals.add(x));
    c.partners.forEach((x) => changed.partners.add(x));
  }
  if (r.chance(0.1)) {
    // finance closes last month (program time zone) in both worlds
    const zone = new TimeZone(t.a.config.program.timezone);
    const last = monthLabel(zone.monthOf(now) - 1);
    for (const s of [t.a, t.b]) await closePeriod(s.deps, s.crm.account, last, 'equivalence');
  }
  const targeted = n > 0 && r.chance(bias === 'scoped' ? 0.8 : 0.5);
  const log = await runBoth(
    t,
    now,
    n,
    targeted ? { deals: [...changed.deals], partners: [...changed.partners] } : null,
  );
  // now and then a quiet stretch: runs with no CRM change, minutes to days apart (idle runs)
  const quiet = r.chance(bias === 'scoped' ? 0.2 : 0.5) ? r.int(2, 3) : 0;
  for (let i = 0; i < quiet; i++) {
    const later = r.chance(0.7) ? t.a.clock.now() + r.int(1, 90) * MINUTE : timeStep(r, t, t.a.clock.now());
    t.a.clock.t = later;
    t.b.clock.t = later;
    await runBoth(t, later, 0, null);
  }
  return log;
}

/** A runs incremental (or targeted), B runs full; then A's postings and both states are checked. */
async function runBoth(
  t: Twin,
  now: number,
  n: number,
  targeted: { deals: string[]; partners: string[] } | null,
): Promise<StepLog> {
  const ra = await runSync(t.a.deps, targeted === null ? {} : { targeted });
  const rb = await runSync(t.b.deps, { full: true });
  if (ra.status !== 'succeeded' || rb.status !== 'succeeded')
    throw new Error(
      `a run did not succeed: A ${ra.status} ${ra.report.error ?? ''}, B ${rb.status} ${rb.report.error ?? ''}`,
    );
  await checkLedgerFromZero(t.a, ra);
  const skipped = ra.report.skipped !== undefined;
  const scoped = ra.report.scope?.mode === 'scoped';
  const rebuilt = scoped && ra.report.scope?.readModels === 'rebuilt' ? ', read models rebuilt' : '';
  const mode = `${ra.report.mode}${skipped ? ' (skipped)' : scoped ? ` (scoped${rebuilt})` : ''}`;
  t.modes[mode] = (t.modes[mode] ?? 0) + 1;
  // scoped runs that computed partners whose due instant passed (partner_dues, issue 21)
  if (ra.report.scope?.mode === 'scoped' && ra.report.scope.reason.includes('reached their due instant'))
    t.modes['time-scoped'] = (t.modes['time-scoped'] ?? 0) + 1;
  // why a run took the whole-account path (report.scope), counts without the numbers in it
  const why = ra.report.scope?.mode === 'full' && !skipped ? ra.report.scope.reason.replace(/[\d.]+/g, 'N') : null;
  if (why !== null) t.reasons[why] = (t.reasons[why] ?? 0) + 1;
  if (scoped) {
    t.scopedAlerts.opened += ra.report.alerts.opened;
    t.scopedAlerts.resolved += ra.report.alerts.resolved;
  }
  // the report's open count is the account's (a scoped run reads only its subjects' episodes)
  if (!skipped)
    for (const [side, r] of [
      [t.a, ra],
      [t.b, rb],
    ] as const)
      deepStrictEqual(
        r.report.alerts.open,
        (await side.store.openEpisodes(side.crm.account)).length,
        `after a ${mode} run at ${iso(now)}: report.alerts.open is not the number of open episodes`,
      );
  deepStrictEqual(
    await state(t.a),
    await state(t.b),
    `after a ${mode} run at ${iso(now)} with ${n} CRM changes: incremental state differs from a full recompute`,
  );
  return { at: iso(now), changes: n, mode, skipped };
}

/** The first sync of both worlds (A's first run is a full pull too), checked like every step. */
export async function start(t: Twin): Promise<void> {
  const ra = await runSync(t.a.deps);
  const rb = await runSync(t.b.deps, { full: true });
  if (ra.status !== 'succeeded' || rb.status !== 'succeeded') throw new Error('the first sync did not succeed');
  await checkLedgerFromZero(t.a, ra);
  deepStrictEqual(await state(t.a), await state(t.b), 'after the first sync');
}

export { randomDeal, randomPartner };
