// What the partner pages show of one engine computation (issue 19, issue 21): per partner, the
// deals it has a part in with its own attribution amount and share, its earned tier and the
// sourced wins the next tier needs. The engine worker builds it over one partner's part of the
// account (src/sync/scope.ts; engine-pool.ts partnerPortalOffLoop); each partner's answer equals
// what one engine run over the whole snapshot gives for that partner (src/http/partner/
// partner-data.ts before issue 21). Pure: no store, no clock.

import { LEDGER_COMMISSION_LIMIT } from '../domain/commissions.ts';
import { computeDetailed } from '../domain/engine.ts';
import { SourcedWins } from '../domain/commissions.ts';
import { formatMinor } from '../domain/money.ts';
import type { Program } from '../domain/program.ts';
import type { Snapshot } from '../domain/snapshot.ts';
import { monthLabel, TimeZone } from '../domain/time.ts';

export interface PortalDeal {
  id: string;
  name: string;
  stage: string;
  closeDate: string | null;
  /** sourced, influenced or registered (registered by this partner, no attribution yet). */
  role: 'sourced' | 'influenced' | 'registered';
  /** This partner's attribution, in the program currency. */
  amount: string;
  /** This partner's share of the deal, in percent (1 decimal); null for a deal without amount. */
  sharePercent: number | null;
}

/** One partner's figures on the partner pages. */
export interface PortalPartner {
  tier: string | null;
  winsLast365: number;
  nextTier: { name: string; minWonDeals: number; winsNeeded: number } | null;
  /** By close date (open deals last), then id. */
  deals: PortalDeal[];
}

const ROLES = ['sourced', 'influenced', 'registered'] as const;

/** The portal figures of every partner of one computation: deals by index, amounts in minor units. */
export interface PortalIndex {
  exponent: number;
  deals: { id: string[]; name: string[]; stage: string[]; closeDate: (string | null)[]; amount: bigint[] };
  partners: Map<
    string,
    {
      tier: string | null;
      wins: number;
      next: PortalPartner['nextTier'];
      /** Deal indexes, this partner's amounts and role indexes (ROLES), in the list's order. */
      deal: number[];
      amount: bigint[];
      role: number[];
    }
  >;
}

/**
 * The engine over the snapshot as of `asOf` (period: the month of asOf), once, and every
 * partner's part in each deal read off its attribution rows, touches, source and registration.
 */
export function buildPortalIndex(program: Program, snapshot: Snapshot, asOf: number): PortalIndex {
  const m = new TimeZone(program.timezone).monthOf(asOf);
  const { result, details } = computeDetailed(program, snapshot, {
    asOf,
    period: { label: monthLabel(m), kind: 'month', firstMonth: m, months: 1 },
    commissionLimit: LEDGER_COMMISSION_LIMIT,
  });
  const closeDates = new Map(snapshot.deals.map((d) => [d.id, d.closedAt ?? null]));
  const deals: PortalIndex['deals'] = { id: [], name: [], stage: [], closeDate: [], amount: [] };
  // per partner index: deal index → [amount, attributed]
  const parts = details.partners.map(() => new Map<number, { amount: bigint; attributed: boolean }>());
  details.deals.forEach((d, i) => {
    deals.id.push(d.id);
    deals.name.push(d.name);
    deals.stage.push(d.stage);
    deals.closeDate.push((closeDates.get(d.id) ?? null)?.slice(0, 10) ?? null);
    deals.amount.push(d.amount);
    const part = (p: number) => {
      const map = parts[p];
      if (map === undefined) return undefined;
      let e = map.get(i);
      if (e === undefined) {
        e = { amount: 0n, attributed: false };
        map.set(i, e);
      }
      return e;
    };
    for (let k = details.rows.start(i); k < details.rows.end(i); k++) {
      const e = part(details.rows.partner(k));
      if (e === undefined) continue;
      e.attributed = true;
      e.amount += details.rows.amount(k);
    }
    if (d.source >= 0) part(d.source);
    for (const t of d.touches) if (t.partner >= 0) part(t.partner);
    if (d.reg !== null && d.reg.partner >= 0) part(d.reg.partner);
  });
  const wins = new SourcedWins(details.partners.length, details.deals);
  const tierOf = new Map(result.partners.map((p) => [p.id, p.tier]));
  const partners: PortalIndex['partners'] = new Map();
  for (const rec of details.partners) {
    const entries = [...(parts[rec.idx] ?? new Map<number, { amount: bigint; attributed: boolean }>())].map(
      ([i, e]) => {
        const d = details.deals[i];
        const touched = d?.touches.some((t) => t.partner === rec.idx) ?? false;
        const role = d?.source === rec.idx ? 0 : e.attributed || touched ? 1 : 2;
        return { i, amount: e.amount, role };
      },
    );
    entries.sort((a, b) => {
      const ca = deals.closeDate[a.i] ?? '9999';
      const cb = deals.closeDate[b.i] ?? '9999';
      const ia = deals.id[a.i] ?? '';
      const ib = deals.id[b.i] ?? '';
      return ca.localeCompare(cb) || (ia < ib ? -1 : 1);
    });
    const tiers = rec.recipe?.plan?.type === 'percent' ? (rec.recipe.plan.tiers ?? null) : null;
    const won = wins.countInYearTo(rec.idx, asOf);
    const next = tiers?.find((t) => t.minWonDeals > won) ?? null;
    partners.set(rec.id, {
      tier: tierOf.get(rec.id) ?? null,
      wins: won,
      next:
        next === null ? null : { name: next.name, minWonDeals: next.minWonDeals, winsNeeded: next.minWonDeals - won },
      deal: entries.map((e) => e.i),
      amount: entries.map((e) => e.amount),
      role: entries.map((e) => e.role),
    });
  }
  return { exponent: program.exponent, deals, partners };
}

/** One partner's portal figures from the index; null for a partner the computation does not know. */
export function portalPartner(index: PortalIndex, partnerId: string): PortalPartner | null {
  const p = index.partners.get(partnerId);
  if (p === undefined) return null;
  const { deals } = index;
  return {
    tier: p.tier,
    winsLast365: p.wins,
    nextTier: p.next,
    deals: p.deal.map((i, n) => {
      const amount = p.amount[n] ?? 0n;
      const total = deals.amount[i] ?? 0n;
      return {
        id: deals.id[i] ?? '',
        name: deals.name[i] ?? '',
        stage: deals.stage[i] ?? '',
        closeDate: deals.closeDate[i] ?? null,
        role: ROLES[p.role[n] ?? 2] ?? 'registered',
        amount: formatMinor(amount, index.exponent),
        sharePercent: total === 0n ? null : Number((amount * 1000n) / total) / 10,
      };
    }),
  };
}
