// A small stand-in for the sync engine, used by the end-to-end tests and the benchmark: pull
// pages into an in-memory snapshot, compute with the engine (computeDetailed + outcomes), diff
// the outcomes against what the CRM holds (`written`, sameValue) and write back only the
// differences. Works with any CrmAdapter.

import {
  DEAL_RESULT_FIELDS,
  PARTNER_RESULT_FIELDS,
  RESULT_FIELD_KINDS,
  sameValue,
  type CrmAdapter,
  type DealResultField,
  type FieldValues,
  type PartnerResultField,
  type PullCursor,
  type PulledDeal,
  type PulledPartner,
  type WriteBack,
  type WriteReport,
} from '../../src/crm/port.ts';
import type { Alert } from '../../src/domain/alerts.ts';
import { computeDetailed } from '../../src/domain/engine.ts';
import { dealOutcomes, partnerOutcomes } from '../../src/domain/outcomes.ts';
import type { Program } from '../../src/domain/program.ts';

export interface PullSummary {
  pages: number;
  partners: number;
  deals: number;
  links: number;
  removedDeals: number;
  removedPartners: number;
}

export interface SyncSummary {
  pull: PullSummary;
  changes: WriteBack;
  report: WriteReport;
  alerts: Alert[];
}

function diff<F extends PartnerResultField | DealResultField>(
  fields: readonly F[],
  desired: Readonly<Record<F, string | null>>,
  written: FieldValues<F>,
): FieldValues<F> {
  const out: FieldValues<F> = {};
  for (const f of fields) if (!sameValue(RESULT_FIELD_KINDS[f], desired[f], written[f])) out[f] = desired[f];
  return out;
}

export class SyncHarness {
  readonly partners = new Map<string, PulledPartner>();
  readonly deals = new Map<string, PulledDeal>();
  cursor: PullCursor | null = null;
  readonly #adapter: CrmAdapter;
  readonly #program: Program;

  constructor(adapter: CrmAdapter, program: Program) {
    this.#adapter = adapter;
    this.#program = program;
  }

  async pull(mode: 'full' | 'incremental', refreshLinks = false): Promise<PullSummary> {
    const summary: PullSummary = { pages: 0, partners: 0, deals: 0, links: 0, removedDeals: 0, removedPartners: 0 };
    const seenDeals = new Set<string>();
    const seenPartners = new Set<string>();
    for await (const page of this.#adapter.pull({ mode, cursor: this.cursor, refreshLinks })) {
      summary.pages += 1;
      for (const p of page.partners) {
        this.partners.set(p.id, p);
        seenPartners.add(p.id);
      }
      for (const d of page.deals) {
        this.deals.set(d.id, d);
        seenDeals.add(d.id);
      }
      for (const l of page.links) {
        const deal = this.deals.get(l.dealId);
        if (deal) deal.customerId = l.customerId;
      }
      for (const id of page.removedDealIds) if (this.deals.delete(id)) summary.removedDeals += 1;
      for (const id of page.removedPartnerIds) if (this.partners.delete(id)) summary.removedPartners += 1;
      summary.links += page.links.length;
      this.cursor = page.cursor;
    }
    summary.partners = seenPartners.size;
    summary.deals = seenDeals.size;
    // A full pull is the whole truth: what it did not deliver is gone.
    if (mode === 'full') {
      for (const id of [...this.deals.keys()]) if (!seenDeals.has(id)) this.deals.delete(id);
      for (const id of [...this.partners.keys()]) if (!seenPartners.has(id)) this.partners.delete(id);
    }
    return summary;
  }

  /**
   * What to write: per record, only the fields whose computed value differs from `written`.
   * Registrations this run marks expired are expired in the snapshot before the final compute,
   * so partner alerts already reflect the write (else the next run would rewrite them).
   */
  plan(asOf: number): { changes: WriteBack; alerts: Alert[] } {
    const partners = [...this.partners.values()];
    let deals = [...this.deals.values()];
    const first = computeDetailed(this.#program, { partners, deals }, { asOf });
    const expire = new Set(
      dealOutcomes(this.#program, first.details, asOf).flatMap((o, i) =>
        o.expireRegistration ? [first.details.deals[i]?.id ?? ''] : [],
      ),
    );
    if (expire.size > 0) {
      deals = deals.map((d) =>
        expire.has(d.id) && d.registration ? { ...d, registration: { ...d.registration, status: 'expired' } } : d,
      );
    }
    const out = expire.size > 0 ? computeDetailed(this.#program, { partners, deals }, { asOf }) : first;
    const alertsByPartner = new Map<string, Alert[]>();
    for (const a of out.result.alerts) {
      if (a.partnerId === null) continue;
      alertsByPartner.set(a.partnerId, [...(alertsByPartner.get(a.partnerId) ?? []), a]);
    }
    const changes: WriteBack = { partners: [], deals: [] };
    partnerOutcomes(this.#program, out.details, alertsByPartner).forEach((outcome, i) => {
      const id = out.details.partners[i]?.id ?? '';
      const fields = diff(PARTNER_RESULT_FIELDS, outcome, this.partners.get(id)?.written ?? {});
      if (Object.keys(fields).length > 0) changes.partners.push({ id, fields });
    });
    const outcomes = new Map(
      dealOutcomes(this.#program, out.details, asOf).map((o, i) => [out.details.deals[i]?.id ?? '', o]),
    );
    for (const deal of deals) {
      // Deals the engine rejected carry no results: clear what an earlier run wrote.
      const o = outcomes.get(deal.id) ?? { commissionAmount: null, attributionSummary: null };
      const fields = diff(DEAL_RESULT_FIELDS, o, deal.written);
      if (Object.keys(fields).length > 0 || expire.has(deal.id)) {
        changes.deals.push(
          expire.has(deal.id) ? { id: deal.id, fields, expireRegistration: true } : { id: deal.id, fields },
        );
      }
    }
    return { changes, alerts: out.result.alerts };
  }

  async sync(mode: 'full' | 'incremental', asOf: number, refreshLinks = false): Promise<SyncSummary> {
    const pull = await this.pull(mode, refreshLinks);
    const { changes, alerts } = this.plan(asOf);
    const report = await this.#adapter.writeBack(changes);
    return { pull, changes, report, alerts };
  }
}
