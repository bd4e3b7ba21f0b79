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
import { dealOutcomes, partnerOutcomes } from '../domain/outcomes.ts';
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
  const byPartner = new Map<string, Alert[]>();
  for (const a of input.alerts) {
    if (a.partnerId === null) continue;
    const list = byPartner.get(a.partnerId);
    if (list) list.push(a);
    else byPartner.set(a.partnerId, [a]);
  }
  const { details } = input.out;
  const partnerValues = partnerOutcomes(input.program, details, byPartner);
  const dealValues = dealOutcomes(input.program, details, input.asOf);
  const changes: WriteBack = { partners: [], deals: [] };
  details.partners.forEach((p, i) => {
    const desired = partnerValues[i];
    const cached = input.partners.get(p.id);
    if (!desired || !cached) return;
    const fields = diffFields(PARTNER_RESULT_FIELDS, desired, cached.written);
    if (Object.keys(fields).length > 0) changes.partners.push({ id: p.id, fields });
  });
  details.deals.forEach((d, i) => {
    const desired = dealValues[i];
    const cached = input.deals.get(d.id);
    if (!desired || !cached) return;
    const fields = diffFields(DEAL_RESULT_FIELDS, desired, cached.written);
    const expire = input.expire.has(d.id);
    if (Object.keys(fields).length > 0 || expire)
      changes.deals.push(expire ? { id: d.id, fields, expireRegistration: true } : { id: d.id, fields });
  });
  return changes;
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
