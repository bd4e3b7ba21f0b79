// A minimal sync loop for the end-to-end tests and the measurement: pull into an in-memory
// snapshot, compute (computeDetailed), diff the written values (outcomes + sameValue) and write
// back what changed. It stands in for the sync engine so the adapter is tested on its own.

import {
  DEAL_RESULT_FIELDS,
  PARTNER_RESULT_FIELDS,
  RESULT_FIELD_KINDS,
  sameValue,
  type CrmAdapter,
  type FieldValues,
  type PullCursor,
  type PulledDeal,
  type PulledPartner,
  type WriteBack,
  type WriteReport,
} from '../../../src/crm/port.ts';
import type { Alert } from '../../../src/domain/alerts.ts';
import { computeDetailed, type EngineOutput } from '../../../src/domain/engine.ts';
import { dealOutcomes, partnerOutcomes } from '../../../src/domain/outcomes.ts';
import type { Program } from '../../../src/domain/program.ts';
import type { SnapshotTouch } from '../../../src/domain/snapshot.ts';

export interface PullSummary {
  pages: number;
  partners: number;
  deals: number;
  removedDeals: number;
  removedPartners: number;
}

export interface RunSummary {
  pull: PullSummary;
  /** Wall time of each step, ms. */
  ms: { pull: number; compute: number; writeBack: number };
  changes: WriteBack;
  report: WriteReport;
  out: EngineOutput;
}

export class MiniSync {
  readonly adapter: CrmAdapter;
  readonly program: Program;
  readonly partners = new Map<string, PulledPartner>();
  readonly deals = new Map<string, PulledDeal>();
  cursor: PullCursor | null = null;

  constructor(adapter: CrmAdapter, program: Program) {
    this.adapter = adapter;
    this.program = program;
  }

  async pull(mode: 'full' | 'incremental', refreshLinks = false): Promise<PullSummary> {
    const summary: PullSummary = { pages: 0, partners: 0, deals: 0, removedDeals: 0, removedPartners: 0 };
    if (mode === 'full') {
      this.partners.clear();
      this.deals.clear();
    }
    // as the sync engine does, hand the adapter the touches it already holds
    const previousTouches = (ids: readonly string[]): Promise<ReadonlyMap<string, readonly SnapshotTouch[]>> =>
      Promise.resolve(
        new Map(
          ids.flatMap((id) => {
            const d = this.deals.get(id);
            return d ? [[id, d.touches ?? []] as const] : [];
          }),
        ),
      );
    for await (const page of this.adapter.pull({ mode, cursor: this.cursor, refreshLinks, previousTouches })) {
      summary.pages++;
      for (const p of page.partners) this.partners.set(p.id, p);
      for (const d of page.deals) this.deals.set(d.id, d);
      for (const id of page.removedDealIds) this.deals.delete(id);
      for (const id of page.removedPartnerIds) this.partners.delete(id);
      summary.partners += page.partners.length;
      summary.deals += page.deals.length;
      summary.removedDeals += page.removedDealIds.length;
      summary.removedPartners += page.removedPartnerIds.length;
      this.cursor = JSON.parse(JSON.stringify(page.cursor)) as PullCursor;
    }
    return summary;
  }

  /**
   * As the sync engine does: a lapsed registration this run marks expired is computed as expired
   * right away, so an unchanged re-run writes nothing.
   */
  compute(asOf: number): EngineOutput {
    const partners = [...this.partners.values()];
    const deals = [...this.deals.values()];
    const first = computeDetailed(this.program, { partners, deals }, { asOf });
    const expire = new Set<string>();
    dealOutcomes(this.program, first.details, asOf).forEach((o, i) => {
      const id = first.details.deals[i]?.id;
      if (o.expireRegistration && id !== undefined) expire.add(id);
    });
    if (expire.size === 0) return first;
    const expired = deals.map((d) =>
      expire.has(d.id) && d.registration ? { ...d, registration: { ...d.registration, status: 'expired' } } : d,
    );
    this.expiring = expire;
    return computeDetailed(this.program, { partners, deals: expired }, { asOf });
  }

  /** Deals whose lapsed registration the last compute marked expired (written with the results). */
  expiring = new Set<string>();

  /** The values that differ from what the CRM holds. */
  plan(out: EngineOutput, asOf: number): WriteBack {
    const byPartner = new Map<string, Alert[]>();
    for (const a of out.result.alerts)
      if (a.partnerId !== null) byPartner.set(a.partnerId, [...(byPartner.get(a.partnerId) ?? []), a]);
    const changes: WriteBack = { partners: [], deals: [] };
    partnerOutcomes(this.program, out.details, byPartner).forEach((want, i) => {
      const id = out.details.partners[i]?.id ?? '';
      const have = this.partners.get(id)?.written ?? {};
      const fields: FieldValues<(typeof PARTNER_RESULT_FIELDS)[number]> = {};
      for (const f of PARTNER_RESULT_FIELDS)
        if (!sameValue(RESULT_FIELD_KINDS[f], want[f], have[f])) fields[f] = want[f];
      if (Object.keys(fields).length > 0) changes.partners.push({ id, fields });
    });
    dealOutcomes(this.program, out.details, asOf).forEach((want, i) => {
      const id = out.details.deals[i]?.id ?? '';
      const have = this.deals.get(id)?.written ?? {};
      const fields: FieldValues<(typeof DEAL_RESULT_FIELDS)[number]> = {};
      for (const f of DEAL_RESULT_FIELDS) if (!sameValue(RESULT_FIELD_KINDS[f], want[f], have[f])) fields[f] = want[f];
      const expire = this.expiring.has(id);
      if (Object.keys(fields).length > 0 || expire)
        changes.deals.push({ id, fields, ...(expire ? { expireRegistration: true } : {}) });
    });
    return changes;
  }

  async run(mode: 'full' | 'incremental', asOf: number): Promise<RunSummary> {
    const t0 = performance.now();
    const pull = await this.pull(mode);
    const t1 = performance.now();
    this.expiring = new Set();
    const out = this.compute(asOf);
    const changes = this.plan(out, asOf);
    const t2 = performance.now();
    const report = await this.adapter.writeBack(changes);
    const ms = {
      pull: Math.round(t1 - t0),
      compute: Math.round(t2 - t1),
      writeBack: Math.round(performance.now() - t2),
    };
    const failed = new Set(report.failed.map((f) => `${f.object}:${f.id}`));
    // What the CRM now holds (the next incremental pull re-reads these records anyway).
    for (const p of changes.partners) {
      const cached = this.partners.get(p.id);
      if (cached && !failed.has(`partner:${p.id}`)) cached.written = { ...cached.written, ...p.fields };
    }
    for (const d of changes.deals) {
      const cached = this.deals.get(d.id);
      if (cached && !failed.has(`deal:${d.id}`)) cached.written = { ...cached.written, ...d.fields };
    }
    return { pull, ms, changes, report, out };
  }
}
