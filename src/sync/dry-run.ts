// `partnersync sync --dry-run` (issue 17): a preview of the next sync before anything is written.
// It takes the account lock (so it never reads half a sync's writes), reads what an incremental
// (or, with `full`, a full) sync would read — into memory only, on top of the cached snapshot —
// computes as of now, and plans the ledger postings, alert episodes, write-back and tasks with the
// same planners a run uses. It changes nothing anywhere: no CRM write, no ledger entry, no cursor,
// no snapshot cache, no alert episode, no task outbox entry, no run record.

import { formatMinor } from '../domain/money.ts';
import type { PulledDeal, PulledPartner } from '../crm/port.ts';
import { planLedger, targetEntries } from '../ledger/plan.ts';
import type { LedgerKind } from '../store/store.ts';
import { healthDropped, planEpisodes, syncModeAlerts } from './alert-episodes.ts';
import type { SyncDeps } from './deps.ts';
import { rejectionDetails, type RejectedDeal } from './rejection-details.ts';
import { computeForRun } from './run-sync.ts';
import { planWriteBack } from './write-back.ts';

/** Items shown per kind in the preview. */
export const DRY_RUN_SAMPLE = 5;

export interface DryRunReport {
  account: string;
  mode: 'full' | 'incremental';
  asOf: number;
  read: { pages: number; partners: number; deals: number; removedPartners: number; removedDeals: number };
  snapshot: { partners: number; deals: number; rejected: RejectedDeal[] };
  ledger: {
    entries: Record<Exclude<LedgerKind, 'manual'>, number>;
    net: string;
    clawbacksNotPosted: number;
    sample: { key: string; kind: LedgerKind; period: string; partnerId: string; amount: string; reason: string }[];
  };
  alerts: { open: number; resolve: number; sample: { code: string; severity: string; message: string }[] };
  writeBack: {
    partners: number;
    deals: number;
    sample: { object: 'partner' | 'deal'; id: string; fields: Record<string, unknown> }[];
  };
  tasks: { create: number; sample: { subject: string; partnerId: string }[] };
}

const copy = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

/** Runs the preview. Throws LockBusyError when a sync holds the account (after lockWaitMs). */
export async function dryRunSync(
  deps: SyncDeps,
  options: { full?: boolean; lockWaitMs?: number } = {},
): Promise<DryRunReport> {
  const { store, crm, clock, config } = deps;
  const program = config.program;
  const asOf = Math.floor(clock.now() / 1000) * 1000;
  const account = await crm.accountKey();
  const lock = await store.lock(account, options.lockWaitMs ?? config.config.store.lockWaitSeconds * 1000, 'preview');
  try {
    // ---- read: the pages a run would read, applied to an in-memory copy of the cache
    const previous = await store.pullState(account);
    const full = options.full === true || previous === null || (previous.mode === 'full' && !previous.done);
    const cached = full ? { partners: [], deals: [] } : await store.loadCache(account);
    const partners = new Map<string, PulledPartner>(cached.partners.map((p) => [p.id, p]));
    const deals = new Map<string, PulledDeal>(cached.deals.map((d) => [d.id, d]));
    const read = { pages: 0, partners: 0, deals: 0, removedPartners: 0, removedDeals: 0 };
    const pages = crm.pull({
      mode: full ? 'full' : 'incremental',
      cursor: full ? null : previous.cursor,
      refreshLinks: false,
      previousTouches: (ids) => store.cachedTouches(account, ids),
    });
    for await (const page of pages) {
      read.pages += 1;
      read.partners += page.partners.length;
      read.deals += page.deals.length;
      for (const p of page.partners) partners.set(p.id, copy(p));
      for (const d of page.deals) deals.set(d.id, copy(d));
      for (const link of page.links) {
        const d = deals.get(link.dealId);
        if (d !== undefined) deals.set(d.id, { ...d, customerId: link.customerId });
      }
      for (const id of page.removedDealIds) if (deals.delete(id)) read.removedDeals += 1;
      for (const id of page.removedPartnerIds) if (partners.delete(id)) read.removedPartners += 1;
    }
    const byId = <T extends { id: string }>(m: Map<string, T>): T[] =>
      [...m.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const snapshot = { partners: byId(partners), deals: byId(deals) };

    // ---- compute and plan, exactly as a run would
    const { out, expire } = computeForRun(program, snapshot.partners, snapshot.deals, asOf);
    const tz = out.details.tz;
    const ledgerPlan = planLedger({
      program,
      tz,
      asOf,
      targets: targetEntries(program, out.details),
      balances: await store.keyBalances(account),
      closes: await store.periodCloses(account),
      dealStages: new Map(snapshot.deals.map((d) => [d.id, d.stage])),
      rejected: new Map(out.result.rejected.map((r) => [r.dealId, r.reason])),
    });
    const entries: Record<Exclude<LedgerKind, 'manual'>, number> = { accrual: 0, adjustment: 0, clawback: 0 };
    for (const e of ledgerPlan.entries) if (e.kind !== 'manual') entries[e.kind] += 1;

    const open = new Map((await store.openEpisodes(account)).map((e) => [e.alertKey, e]));
    const states = new Map((await store.partnerStates(account)).map((s) => [s.partnerId, s]));
    const partnersById = new Map(snapshot.partners.map((p) => [p.id, p]));
    let n = 0;
    const episodes = planEpisodes({
      runId: 'dry-run',
      at: asOf,
      newId: () => `dry-run-${++n}`,
      timezone: program.timezone,
      out,
      open,
      partnersById,
      alerts: syncModeAlerts(program, tz, out, ledgerPlan.skipped, snapshot.deals),
      drops: healthDropped(out, states, open),
    });
    const writes = planWriteBack({
      program,
      out,
      asOf,
      alerts: episodes.alerts,
      expire,
      partners: partnersById,
      deals: new Map(snapshot.deals.map((d) => [d.id, d])),
    });
    // the outbox's pending tasks the CRM does not already hold (a read), and one per new critical episode
    const pending = await store.pendingTasks(account);
    const found = new Set(
      pending.length === 0 ? [] : (await crm.findTasks(pending.map((t) => t.marker))).map((f) => f.marker),
    );
    const tasks = [...pending.filter((t) => !found.has(t.marker)), ...episodes.changes.tasks];

    return {
      account,
      mode: full ? 'full' : 'incremental',
      asOf,
      read,
      snapshot: {
        partners: snapshot.partners.length,
        deals: snapshot.deals.length,
        rejected: rejectionDetails(snapshot.deals, out.result.rejected, program, tz, asOf),
      },
      ledger: {
        entries,
        net: formatMinor(
          ledgerPlan.entries.reduce((s, e) => s + e.amount, 0n),
          program.exponent,
        ),
        clawbacksNotPosted: ledgerPlan.skipped.length,
        sample: ledgerPlan.entries.slice(0, DRY_RUN_SAMPLE).map((e) => ({
          key: e.key,
          kind: e.kind,
          period: e.period,
          partnerId: e.partnerId,
          amount: formatMinor(e.amount, program.exponent),
          reason: e.reason,
        })),
      },
      alerts: {
        open: episodes.changes.open.length,
        resolve: episodes.changes.resolve.length,
        sample: episodes.changes.open
          .slice(0, DRY_RUN_SAMPLE)
          .map((a) => ({ code: a.code, severity: a.severity, message: a.message })),
      },
      writeBack: {
        partners: writes.partners.length,
        deals: writes.deals.length,
        sample: [
          ...writes.partners.slice(0, DRY_RUN_SAMPLE).map((p) => ({ object: 'partner' as const, ...p })),
          ...writes.deals
            .slice(0, DRY_RUN_SAMPLE)
            .map((d) => ({ object: 'deal' as const, id: d.id, fields: d.fields })),
        ],
      },
      tasks: {
        create: tasks.length,
        sample: tasks.slice(0, DRY_RUN_SAMPLE).map((t) => ({ subject: t.subject, partnerId: t.partnerId })),
      },
    };
  } finally {
    await lock.release();
  }
}

/** The preview as lines for the terminal. */
export function dryRunLines(r: DryRunReport): string[] {
  const lines = [
    `dry run (nothing written: CRM, ledger, cursor, cache, alerts, tasks and runs unchanged) — account ${r.account}, ${r.mode}, as of ${new Date(r.asOf).toISOString()}`,
    `would read ${r.read.partners} partners and ${r.read.deals} deals in ${r.read.pages} pages (${r.read.removedPartners + r.read.removedDeals} removed); snapshot ${r.snapshot.partners} partners, ${r.snapshot.deals} deals, ${r.snapshot.rejected.length} rejected`,
    `ledger: would post ${r.ledger.entries.accrual} accruals, ${r.ledger.entries.adjustment} adjustments, ${r.ledger.entries.clawback} clawbacks (net ${r.ledger.net})${r.ledger.clawbacksNotPosted > 0 ? `; ${r.ledger.clawbacksNotPosted} clawbacks past their window would not be posted` : ''}`,
    ...r.ledger.sample.map(
      (e) => `  ${e.kind} ${e.key} (${e.period}, partner ${e.partnerId}): ${e.amount} — ${e.reason}`,
    ),
    `write-back: would write ${r.writeBack.partners} partner and ${r.writeBack.deals} deal records`,
    ...r.writeBack.sample.map(
      (w) => `  ${w.object} ${w.id}: ${Object.keys(w.fields).join(', ') || 'registration expired'}`,
    ),
    `alerts: would open ${r.alerts.open} and resolve ${r.alerts.resolve}`,
    ...r.alerts.sample.map((a) => `  ${a.severity} ${a.code}: ${a.message}`),
    `tasks: would create ${r.tasks.create} CRM tasks`,
    ...r.tasks.sample.map((t) => `  ${t.subject}`),
  ];
  for (const rj of r.snapshot.rejected.slice(0, DRY_RUN_SAMPLE))
    lines.push(`rejected deal ${rj.dealId}: ${rj.reason}: ${rj.detail}`);
  if (r.snapshot.rejected.length > DRY_RUN_SAMPLE)
    lines.push(`… and ${r.snapshot.rejected.length - DRY_RUN_SAMPLE} more rejected deals`);
  return lines;
}
