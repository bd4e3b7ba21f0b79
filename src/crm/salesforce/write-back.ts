// Result fields onto Accounts and Opportunities through sObject Collections: up to 200 records
// per PATCH, `allOrNone: false`, so a record Salesforce rejects is reported (id and reason) while
// the others are written. Only the values the caller passes are sent. Updates by id are
// idempotent, so a call that failed on the way (5xx, network) is retried by the client; a
// request Salesforce refuses as a whole because one value cannot be read is split in halves until
// the bad record stands alone. Rows locked by another transaction get one more try.
// https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_composite_sobjects_collections_update.htm

import { z } from 'zod';
import type { FieldValues, WriteBack, WriteFailure, WriteReport } from '../port.ts';
import { CrmError } from '../port.ts';
import { DEAL_RESULT_KEYS, PARTNER_RESULT_KEYS, type FieldMap } from './fields.ts';
import { rawNumber } from './json.ts';
import type { SalesforceClient } from './salesforce-client.ts';

export const COLLECTION_LIMIT = 200;
const DECIMAL = /^-?\d+(\.\d+)?$/;

const saveResults = z.array(
  z
    .object({
      id: z.string().nullish(),
      success: z.boolean(),
      errors: z.array(
        z.object({ statusCode: z.string(), message: z.string(), fields: z.array(z.string()).nullish() }).loose(),
      ),
    })
    .loose(),
);
type SaveResult = z.output<typeof saveResults>[number];

interface Pending {
  object: 'partner' | 'deal';
  id: string;
  record: Record<string, unknown>;
}

/** A canonical value as the JSON value Salesforce takes: numbers exact, enums through value maps. */
function wireValue(fields: FieldMap, key: string, value: string | null): unknown {
  if (value === null || value === '') return null;
  const field = fields.get(key);
  if (field.kind === 'number' && DECIMAL.test(value)) return rawNumber(value);
  if (field.kind === 'enum') return fields.toCrm(key, value);
  return value;
}

function recordOf(
  fields: FieldMap,
  type: 'Account' | 'Opportunity',
  id: string,
  values: FieldValues<string>,
  keys: Readonly<Record<string, string>>,
): Record<string, unknown> {
  const record: Record<string, unknown> = { attributes: { type }, Id: id };
  for (const [name, v] of Object.entries(values)) {
    const key = keys[name];
    if (key === undefined || v === undefined) continue;
    record[fields.get(key).apiName] = wireValue(fields, key, v);
  }
  return record;
}

export function pendingRecords(fields: FieldMap, changes: WriteBack): Pending[] {
  const out: Pending[] = [];
  for (const p of changes.partners)
    out.push({ object: 'partner', id: p.id, record: recordOf(fields, 'Account', p.id, p.fields, PARTNER_RESULT_KEYS) });
  for (const d of changes.deals) {
    const record = recordOf(fields, 'Opportunity', d.id, d.fields, DEAL_RESULT_KEYS);
    if (d.expireRegistration === true)
      record[fields.get('deal.registration.status').apiName] = fields.toCrm('deal.registration.status', 'expired');
    out.push({ object: 'deal', id: d.id, record });
  }
  // A record with nothing to set is not sent at all.
  return out.filter((p) => Object.keys(p.record).length > 2);
}

const reasonOf = (r: SaveResult): string =>
  r.errors
    .map((e) => `${e.statusCode}: ${e.message}${e.fields && e.fields.length > 0 ? ` (${e.fields.join(', ')})` : ''}`)
    .join('; ') || 'rejected without a reason';

export class SalesforceWriter {
  readonly #client: SalesforceClient;
  readonly #fields: FieldMap;

  constructor(client: SalesforceClient, fields: FieldMap) {
    this.#client = client;
    this.#fields = fields;
  }

  async writeBack(changes: WriteBack): Promise<WriteReport> {
    const report: WriteReport = { partnersWritten: 0, dealsWritten: 0, failed: [] };
    // Accounts first, then Opportunities: a call holds at most two runs of one type.
    const pending = pendingRecords(this.#fields, changes);
    for (let i = 0; i < pending.length; i += COLLECTION_LIMIT) {
      await this.#write(pending.slice(i, i + COLLECTION_LIMIT), report, true);
    }
    return report;
  }

  async #write(batch: readonly Pending[], report: WriteReport, retryLocked: boolean): Promise<void> {
    let results: SaveResult[];
    try {
      results = await this.#patch(batch);
    } catch (err) {
      if (!(err instanceof CrmError) || err.kind !== 'invalid_request' || err.status !== 400) throw err;
      // Refused as a whole. A value the deserializer could not read belongs to one record: halve
      // until it stands alone. Anything else (a field this user cannot see) fails every record.
      if (batch.length === 1 || err.code !== 'JSON_PARSER_ERROR') {
        for (const item of batch) report.failed.push({ object: item.object, id: item.id, reason: err.message });
        return;
      }
      const half = Math.ceil(batch.length / 2);
      await this.#write(batch.slice(0, half), report, retryLocked);
      await this.#write(batch.slice(half), report, retryLocked);
      return;
    }
    const locked: Pending[] = [];
    batch.forEach((item, i) => {
      const r = results[i];
      if (r?.success === true) {
        if (item.object === 'partner') report.partnersWritten++;
        else report.dealsWritten++;
      } else if (retryLocked && r?.errors.some((e) => e.statusCode === 'UNABLE_TO_LOCK_ROW') === true)
        locked.push(item);
      else report.failed.push(failure(item, r));
    });
    if (locked.length > 0) await this.#write(locked, report, false);
  }

  async #patch(batch: readonly Pending[]): Promise<SaveResult[]> {
    const results = await this.#client.json(
      {
        method: 'PATCH',
        path: '/composite/sobjects',
        idempotent: true,
        what: `update ${batch.length} records`,
        body: JSON.stringify({ allOrNone: false, records: batch.map((b) => b.record) }),
      },
      saveResults,
    );
    if (results.length !== batch.length) {
      throw new CrmError({
        provider: 'salesforce',
        kind: 'bad_payload',
        message: `Salesforce update ${batch.length} records: ${results.length} results came back`,
      });
    }
    return results;
  }
}

/** Salesforce error codes that judge the record's values: sent again unchanged, they fail again. */
const CONTENT_REFUSALS: ReadonlySet<string> = new Set([
  'FIELD_CUSTOM_VALIDATION_EXCEPTION',
  'REQUIRED_FIELD_MISSING',
  'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
  'STRING_TOO_LONG',
  'NUMBER_OUTSIDE_VALID_RANGE',
]);

function failure(item: Pending, result: SaveResult | undefined): WriteFailure {
  if (result === undefined) return { object: item.object, id: item.id, reason: 'no result' };
  const refusal = result.errors.length > 0 && result.errors.every((e) => CONTENT_REFUSALS.has(e.statusCode));
  return { object: item.object, id: item.id, reason: reasonOf(result), ...(refusal ? { refusal } : {}) };
}
