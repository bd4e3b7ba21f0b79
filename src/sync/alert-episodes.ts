// Alert episodes: an alert is one episode from the run that first raises it to the run that no
// longer does. Sync mode adds HEALTH_DROPPED (docs/finance-rules.md §8) and CLAWBACK_WINDOW_PASSED (ledger.ts).
// Critical partner alerts get one CRM task per episode, through the task outbox.

import { DateTime } from 'luxon';
import { compareAlerts, makeAlert, type Alert } from '../domain/alerts.ts';
import type { EngineOutput } from '../domain/engine.ts';
import type { Program } from '../domain/program.ts';
import type { TimeZone } from '../domain/time.ts';
import { clawbackAlerts, type SkippedDifference } from '../ledger/plan.ts';
import type { PulledPartner } from '../domain/records.ts';
import type { AlertChanges, AlertEpisode, PartnerState } from '../store/store.ts';

/** Score fall (points) since the last run that raises HEALTH_DROPPED. */
export const HEALTH_DROP_POINTS = 15;
/** Tasks for critical alerts are due this many business days after the run. */
export const TASK_DUE_BUSINESS_DAYS = 2;
/** Local hour of day at which a task falls due. */
const TASK_DUE_HOUR = 9;

export const alertKey = (a: Pick<Alert, 'code' | 'partnerId' | 'dealId' | 'recipe'>): string =>
  [a.code, a.partnerId ?? '', a.dealId ?? '', a.recipe ?? ''].join('|');

/** `at` plus n business days (Monday to Friday) in the zone, at TASK_DUE_HOUR local time. */
export function addBusinessDays(at: number, zone: string, n: number): number {
  let day = DateTime.fromMillis(at, { zone }).startOf('day');
  let left = n;
  while (left > 0) {
    day = day.plus({ days: 1 });
    if (day.weekday <= 5) left--;
  }
  return day.set({ hour: TASK_DUE_HOUR }).toMillis();
}

/**
 * HEALTH_DROPPED. Reading of docs/finance-rules.md §8 ("score fell by 15 or more since the last run"): the drop
 * is measured against the score stored by the previous run; once raised, the episode keeps that
 * score as its baseline and stays open while the score is still 15 or more below it (so an
 * unchanged CRM keeps the alert instead of dropping it on the next run).
 */
export function healthDropped(
  out: EngineOutput,
  states: ReadonlyMap<string, PartnerState>,
  open: ReadonlyMap<string, AlertEpisode>,
): { alert: Alert; baseline: number }[] {
  const result: { alert: Alert; baseline: number }[] = [];
  for (const p of out.details.partners) {
    const score = out.details.health[p.idx]?.score ?? null;
    if (score === null) continue;
    const episode = open.get(alertKey({ code: 'HEALTH_DROPPED', partnerId: p.id, dealId: null, recipe: null }));
    const stored = episode?.detail['baseline'];
    const baseline = typeof stored === 'number' ? stored : (states.get(p.id)?.healthScore ?? null);
    if (baseline === null || baseline - score < HEALTH_DROP_POINTS) continue;
    result.push({
      baseline,
      alert: makeAlert(
        'HEALTH_DROPPED',
        { partnerId: p.id },
        `Health fell from ${baseline} to ${score} (${baseline - score} points) between syncs: find out what changed with ${p.name} and plan a check-in`,
      ),
    });
  }
  return result;
}

/**
 * CURRENCY_RATE_MISSING (issue 17; docs/finance-rules.md §8): one program-level warning while
 * deals in the cache carry a currency the program has no exchange rate for (none at all, or none
 * in effect on a deal's date, which the engine reports as CURRENCY_UNKNOWN). Those deals are left
 * out of every figure until a rate is added, so the alert names each currency, how many deals it
 * holds back, and the config key to add.
 */
export function currencyRateMissing(
  program: { currency: string; rates: ReadonlyMap<string, unknown> },
  deals: readonly { id: string; currency?: string | null | undefined }[],
  rejected: readonly { dealId: string; reason: string }[],
): Alert[] {
  const unknown = new Set(rejected.filter((r) => r.reason === 'CURRENCY_UNKNOWN').map((r) => r.dealId));
  const counts = new Map<string, number>();
  for (const d of deals) {
    const c = typeof d.currency === 'string' ? d.currency.trim() : '';
    if (c === '' || c === program.currency) continue;
    if (program.rates.has(c) && !unknown.has(d.id)) continue;
    counts.set(c, (counts.get(c) ?? 0) + 1);
  }
  if (counts.size === 0) return [];
  const list = [...counts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const total = list.reduce((n, [, k]) => n + k, 0);
  const what = list.map(([c, k]) => `${c} (${k} deal${k === 1 ? '' : 's'})`).join(', ');
  const keys = list.map(([c]) => `program.exchangeRates.${c}`).join(', ');
  return [
    makeAlert(
      'CURRENCY_RATE_MISSING',
      {},
      `${total} CRM deal${total === 1 ? '' : 's'} in ${what} ${total === 1 ? 'is' : 'are'} left out for want of an exchange rate to ${program.currency}: add ${keys} (a dated rate must cover each deal's date)`,
    ),
  ];
}

export interface EpisodeInput {
  runId: string;
  at: number;
  /** Ids for new episodes (injected: the planner is deterministic). */
  newId: () => string;
  timezone: string;
  out: EngineOutput;
  /** Compute alerts plus sync-only ones (CLAWBACK_WINDOW_PASSED). */
  alerts: readonly Alert[];
  /** HEALTH_DROPPED alerts with their baselines. */
  drops: readonly { alert: Alert; baseline: number }[];
  open: ReadonlyMap<string, AlertEpisode>;
  partnersById: ReadonlyMap<string, PulledPartner>;
}

export interface EpisodePlan {
  changes: AlertChanges;
  /** Every open alert after this run, sorted (docs/finance-rules.md §8 order). */
  alerts: Alert[];
}

export function planEpisodes(input: EpisodeInput): EpisodePlan {
  const detailOf = new Map<string, Record<string, unknown>>();
  for (const d of input.drops) detailOf.set(alertKey(d.alert), { baseline: d.baseline });
  const alerts = [...input.alerts, ...input.drops.map((d) => d.alert)].sort(compareAlerts);
  const changes: AlertChanges = {
    runId: input.runId,
    at: input.at,
    open: [],
    update: [],
    resolve: [],
    partnerStates: [],
    tasks: [],
  };
  const seen = new Set<string>();
  for (const a of alerts) {
    const key = alertKey(a);
    if (seen.has(key)) continue; // the same alert twice (cannot happen with the engine's alerts; be safe)
    seen.add(key);
    const detail = detailOf.get(key) ?? {};
    const episode = input.open.get(key);
    if (episode) {
      if (episode.message !== a.message || JSON.stringify(episode.detail) !== JSON.stringify(detail))
        changes.update.push({ id: episode.id, message: a.message, detail });
      continue;
    }
    const id = input.newId();
    changes.open.push({
      id,
      alertKey: key,
      code: a.code,
      severity: a.severity,
      partnerId: a.partnerId,
      dealId: a.dealId,
      recipe: a.recipe,
      message: a.message,
      detail,
    });
    if (a.severity === 'critical' && a.partnerId !== null) {
      const partner = input.partnersById.get(a.partnerId);
      changes.tasks.push({
        marker: `partnersync:${id}`,
        episodeId: id,
        partnerId: a.partnerId,
        dealId: a.dealId,
        ownerId: partner?.ownerId ?? null,
        subject: `[partnersync] ${a.code}: ${partner?.name ?? a.partnerId}`,
        body: a.message,
        dueAt: addBusinessDays(input.at, input.timezone, TASK_DUE_BUSINESS_DAYS),
        priority: 'HIGH',
      });
    }
  }
  for (const [key, episode] of input.open) if (!seen.has(key)) changes.resolve.push(episode.id);
  const { out } = input;
  const partnersOut = new Map(out.result.partners.map((p) => [p.id, p]));
  for (const p of out.details.partners) {
    changes.partnerStates.push({
      partnerId: p.id,
      healthScore: out.details.health[p.idx]?.score ?? null,
      result: partnersOut.get(p.id) ?? null,
    });
  }
  return { changes, alerts };
}

/**
 * Every alert a sync run keeps episodes for: the engine's, then the sync-mode ones
 * (CLAWBACK_WINDOW_PASSED for differences the ledger held back, CURRENCY_RATE_MISSING for the
 * deals read). One list for the run and for its `--dry-run` preview, so the two cannot differ.
 */
export function syncModeAlerts(
  program: Program,
  tz: TimeZone,
  out: EngineOutput,
  skipped: readonly SkippedDifference[],
  deals: readonly { id: string; currency?: string | null | undefined }[],
): Alert[] {
  return [
    ...out.result.alerts,
    ...clawbackAlerts(program, tz, skipped),
    ...currencyRateMissing(program, deals, out.result.rejected),
  ];
}
