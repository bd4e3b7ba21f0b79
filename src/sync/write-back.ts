// Which result values to write: the engine's outcomes (domain/outcomes.ts) compared field by
// field with what the CRM holds (`written`, sameValue by RESULT_FIELD_KINDS). An unchanged
// program writes nothing.

import {
  DEAL_RESULT_FIELDS,
  PARTNER_RESULT_FIELDS,
  RESULT_FIELD_KINDS,
  sameValue,
  type DealResultField,
  type FieldValues,
  type PartnerResultField,
  type PulledDeal,
  type PulledPartner,
  type WriteBack,
} from '../domain/records.ts';
import type { Alert } from '../domain/alerts.ts';
import type { EngineOutput } from '../domain/engine.ts';
import { dealCommissions, dealOutcome, partnerOutcomes } from '../domain/outcomes.ts';
import type { Program } from '../domain/program.ts';

function diffFields<F extends PartnerResultField | DealResultField>(
  fields: readonly F[],
  desired: Readonly<Record<F, string | null>>,
  written: FieldValues<F>,
): FieldValues<F> {
  const out: FieldValues<F> = {};
  for (const f of fields) {
    const want = desired[f];
    if (!sameValue(RESULT_FIELD_KINDS[f], want, written[f])) out[f] = want;
  }
  return out;
}

export interface WritePlanInput {
  program: Program;
  out: EngineOutput;
  asOf: number;
  alerts: readonly Alert[];
  partners: ReadonlyMap<string, Pick<PulledPartner, 'written'>>;
  deals: ReadonlyMap<string, Pick<PulledDeal, 'written'>>;
  /** Deals whose lapsed registration this run marks expired. */
  expire: ReadonlySet<string>;
}

export function planWriteBack(input: WritePlanInput): WriteBack {
  const changes: WriteBack = { partners: [], deals: [] };
  for (const part of planWriteBackParts(input, input.out.details.deals.length)) {
    for (const p of part.partners) changes.partners.push(p);
    for (const d of part.deals) changes.deals.push(d);
  }
  return changes;
}

/**
 * The same plan a part at a time (issue 21 memory): first the partners, then the deals of
 * `details.deals` `size` at a time (at least one part of each, possibly empty), in planWriteBack's
 * order, so a run need not hold every deal's values and changes at once.
 */
export function* planWriteBackParts(input: WritePlanInput, size: number): Generator<WriteBack> {
  const byPartner = new Map<string, Alert[]>();
  for (const a of input.alerts) {
    if (a.partnerId === null) continue;
    const list = byPartner.get(a.partnerId);
    if (list) list.push(a);
    else byPartner.set(a.partnerId, [a]);
  }
  const { details } = input.out;
  const partnerValues = partnerOutcomes(input.program, details, byPartner);
  const partners: WriteBack['partners'] = [];
  details.partners.forEach((p, i) => {
    const desired = partnerValues[i];
    const cached = input.partners.get(p.id);
    if (!desired || !cached) return;
    const fields = diffFields(PARTNER_RESULT_FIELDS, desired, cached.written);
    if (Object.keys(fields).length > 0) partners.push({ id: p.id, fields });
  });
  yield { partners, deals: [] };
  const commission = dealCommissions(details);
  const step = Math.max(1, size);
  for (let from = 0; from === 0 || from < details.deals.length; from += step) {
    const deals: WriteBack['deals'] = [];
    for (let i = from; i < Math.min(from + step, details.deals.length); i++) {
      const d = details.deals[i];
      const desired = dealOutcome(input.program, details, input.asOf, commission, i);
      const cached = d === undefined ? undefined : input.deals.get(d.id);
      if (!d || !desired || !cached) continue;
      const fields = diffFields(DEAL_RESULT_FIELDS, desired, cached.written);
      const expire = input.expire.has(d.id);
      if (Object.keys(fields).length > 0 || expire)
        deals.push(expire ? { id: d.id, fields, expireRegistration: true } : { id: d.id, fields });
    }
    yield { partners: [], deals };
  }
}

/** Splits a write-back into calls of at most `size` records. */
export function batches(changes: WriteBack, size: number): WriteBack[] {
  const out: WriteBack[] = [];
  for (let i = 0; i < changes.partners.length; i += size)
    out.push({ partners: changes.partners.slice(i, i + size), deals: [] });
  for (let i = 0; i < changes.deals.length; i += size)
    out.push({ partners: [], deals: changes.deals.slice(i, i + size) });
  return out;
}
