// Result fields onto companies and deals: only the values the caller passes (the sync diffs what
// it computed against `written` with sameValue), in batch updates of 100. HubSpot rejects a
// whole batch when one input is invalid (400). When its answer names the refused inputs (the
// portal's validation rules from API version 2026-09 do: refusals.ts), exactly those are reported
// with the properties and HubSpot's message, and the rest is sent again; otherwise the batch is
// split in halves until the bad records stand alone. Any other failure (auth, quota, HubSpot down
// after retries) is thrown as a CrmError.

import type { Logger } from '../../log.ts';
import { CrmError, type WriteBack, type WriteFailure, type WriteReport } from '../port.ts';
import type { FieldMap } from './field-map.ts';
import { HubspotHttpError, reasonOf } from './failures.ts';
import type { HubspotApi } from './hubspot-api.ts';
import { namedRefusals } from './refusals.ts';
import { BATCH, batchUpdate } from './requests.ts';

/** Batches in flight at once; the limiter paces them. */
const CONCURRENCY = 3;

interface Input {
  id: string;
  properties: Record<string, string>;
}

export interface WriteDeps {
  api: HubspotApi;
  fields: FieldMap;
  logger: Logger;
}

/** Later entries for one id win; records with nothing to write are dropped. */
function dedupe(inputs: readonly Input[]): Input[] {
  const byId = new Map<string, Record<string, string>>();
  for (const i of inputs) byId.set(i.id, { ...byId.get(i.id), ...i.properties });
  return [...byId].filter(([, p]) => Object.keys(p).length > 0).map(([id, properties]) => ({ id, properties }));
}

export function partnerInputs(changes: WriteBack, fields: FieldMap): Input[] {
  return dedupe(
    changes.partners.map((p) => {
      const properties: Record<string, string> = {};
      for (const [field, value] of Object.entries(p.fields)) {
        properties[fields.name(`partner.${field}`)] = fields.write(`partner.${field}`, value);
      }
      return { id: p.id, properties };
    }),
  );
}

export function dealInputs(changes: WriteBack, fields: FieldMap): Input[] {
  return dedupe(
    changes.deals.map((d) => {
      const properties: Record<string, string> = {};
      for (const [field, value] of Object.entries(d.fields)) {
        properties[fields.name(`deal.${field}`)] = fields.write(`deal.${field}`, value);
      }
      if (d.expireRegistration)
        properties[fields.name('deal.registration.status')] = fields.write('deal.registration.status', 'expired');
      return { id: d.id, properties };
    }),
  );
}

/** A rejection that says something about the records sent (not about HubSpot or the token). */
function isRecordProblem(err: unknown): err is CrmError {
  return err instanceof CrmError && (err.kind === 'invalid_request' || err.kind === 'not_found');
}

function missingProperty(err: CrmError): boolean {
  return (
    err.cause instanceof HubspotHttpError &&
    (err.cause.body.errors ?? []).some((e) => e.code === 'PROPERTY_DOESNT_EXIST')
  );
}

function reasonFrom(err: CrmError): string {
  return err.cause instanceof HubspotHttpError ? reasonOf(err.cause.body) : err.message;
}

async function writeBatch(
  deps: WriteDeps,
  type: 'deals' | 'companies',
  batch: readonly Input[],
  failed: WriteFailure[],
): Promise<number> {
  try {
    await batchUpdate(deps.api, type, batch);
    return batch.length;
  } catch (err) {
    if (!isRecordProblem(err)) throw err;
    // A property missing from HubSpot fails every record alike: bisecting would only multiply calls.
    if (missingProperty(err)) {
      throw new CrmError({
        provider: 'hubspot',
        kind: 'invalid_request',
        status: err.status,
        code: 'PROPERTY_DOESNT_EXIST',
        cause: err,
        message: `${reasonFrom(err)}: run \`partnersync provision\` to create partnersync's properties, or fix crm.mappings`,
      });
    }
    const object = type === 'deals' ? 'deal' : 'partner';
    const named = namedRefusals(err, batch);
    if (named !== null) {
      const refused = new Set(named.map((r) => r.index));
      for (const r of named) {
        const input = batch[r.index];
        if (input) failed.push({ object, id: input.id, reason: r.message, properties: r.properties, refusal: true });
      }
      const rest = batch.filter((_, i) => !refused.has(i));
      return rest.length === 0 ? 0 : writeBatch(deps, type, rest, failed);
    }
    if (batch.length === 1) {
      const only = batch[0];
      if (only) failed.push({ object, id: only.id, reason: reasonFrom(err), refusal: true });
      return 0;
    }
    // Bisect: the halves without the bad record go through, the other half splits again.
    const mid = Math.ceil(batch.length / 2);
    return (
      (await writeBatch(deps, type, batch.slice(0, mid), failed)) +
      (await writeBatch(deps, type, batch.slice(mid), failed))
    );
  }
}

async function writeAll(
  deps: WriteDeps,
  type: 'deals' | 'companies',
  inputs: readonly Input[],
  failed: WriteFailure[],
): Promise<number> {
  const batches: Input[][] = [];
  for (let i = 0; i < inputs.length; i += BATCH) batches.push(inputs.slice(i, i + BATCH));
  let written = 0;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < batches.length) {
      const batch = batches[next++];
      if (!batch) continue;
      // Not `written += await …`: that reads `written` before the await and loses the other workers' counts.
      const count = await writeBatch(deps, type, batch, failed);
      written += count;
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, batches.length) }, worker));
  return written;
}

export async function writeBack(deps: WriteDeps, changes: WriteBack): Promise<WriteReport> {
  const failed: WriteFailure[] = [];
  const partnersWritten = await writeAll(deps, 'companies', partnerInputs(changes, deps.fields), failed);
  const dealsWritten = await writeAll(deps, 'deals', dealInputs(changes, deps.fields), failed);
  if (failed.length > 0)
    deps.logger.warn({ failed: failed.length, first: failed[0] }, 'hubspot: some records were not written');
  return { partnersWritten, dealsWritten, failed };
}
