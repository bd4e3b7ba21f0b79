// sObject Collections: create (POST), update (PATCH), delete (DELETE ?ids=) up to 200 records,
// with `allOrNone`; results in input order, one `{id, success, errors}` per record. A body the
// deserializer cannot read fails the whole call before anything is saved.
// https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_composite_sobjects_collections.htm

import { Router } from 'express';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { SfApiError } from '../errors.ts';
import { wireValue } from '../format.ts';
import { normalizeId } from '../ids.ts';
import { RecordWriter, runBatch } from '../records/record-writer.ts';
import type { Prepared } from '../records/record-writer.ts';
import { checkDeserializable, saveError } from '../records/validate.ts';
import type { SfServices } from '../services.ts';
import { callerOf } from '../services.ts';
import type { Caller } from '../services.ts';
import { attributes } from '../soql/project.ts';
import type { ObjectTable } from '../store/object-table.ts';
import { apiVersion, queryParam } from './route-helpers.ts';
import { tableOf } from './sobject-routes.ts';

const collectionBody = z.object({
  allOrNone: z.boolean().optional(),
  records: z.array(z.record(z.string(), z.unknown())),
});
const retrieveBody = z.object({ ids: z.array(z.string()), fields: z.array(z.string()) });

type JsonRecord = Record<string, unknown>;

function parseBody<T>(schema: z.ZodType<T>, req: Request): T {
  const parsed = schema.safeParse(req.body);
  if (!parsed.success)
    throw new SfApiError(
      400,
      'JSON_PARSER_ERROR',
      `Invalid request body: ${parsed.error.issues[0]?.message ?? 'unreadable'}`,
    );
  return parsed.data;
}

function checkSize(services: SfServices, count: number): void {
  const max = services.settings.maxCollection;
  if (max !== null && count > max) {
    throw new SfApiError(
      400,
      'EXCEEDED_ID_LIMIT',
      `record limit reached. cannot submit more than ${max} records into this call`,
    );
  }
}

function recordTable(services: SfServices, record: JsonRecord): ObjectTable {
  const attrs = record['attributes'];
  const type = typeof attrs === 'object' && attrs !== null && 'type' in attrs ? attrs.type : undefined;
  const table = typeof type === 'string' ? services.org.table(type) : undefined;
  if (table === undefined || table.def.tooling) {
    throw new SfApiError(
      400,
      'INVALID_TYPE',
      typeof type === 'string'
        ? `sObject type '${type}' is not supported.`
        : 'sObject type must be given in attributes.type',
    );
  }
  return table;
}

/** Reads every record's type and values first, so a deserialization error saves nothing. */
function planned(
  services: SfServices,
  caller: Caller,
  records: JsonRecord[],
): { table: ObjectTable; record: JsonRecord }[] {
  return records.map((record) => {
    const table = recordTable(services, record);
    checkDeserializable(table, caller.access, record);
    return { table, record };
  });
}

function saveMany(services: SfServices, mode: 'create' | 'update') {
  return (req: Request, res: Response): void => {
    apiVersion(req);
    const body = parseBody(collectionBody, req);
    checkSize(services, body.records.length);
    const caller = callerOf(services, req);
    const writer = new RecordWriter(services.org, caller.access, caller.userId);
    const ops = planned(services, caller, body.records).map(({ table, record }) => (): Prepared => {
      if (mode === 'create') return writer.prepareCreate(table, record);
      const id = record['id'] ?? record['Id'];
      if (typeof id !== 'string' || id === '')
        return { ok: false, errors: [saveError('MISSING_ARGUMENT', 'Id not specified in an update call')] };
      return writer.prepareUpdate(table, id, record);
    });
    res.json(runBatch(ops, body.allOrNone === true));
  };
}

function deleteMany(services: SfServices) {
  return (req: Request, res: Response): void => {
    apiVersion(req);
    const ids = (queryParam(req, 'ids') ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
    if (ids.length === 0) throw new SfApiError(400, 'MISSING_ARGUMENT', 'ids parameter is required');
    checkSize(services, ids.length);
    const caller = callerOf(services, req);
    const writer = new RecordWriter(services.org, caller.access, caller.userId);
    const results = runBatch(
      ids.map((id) => () => writer.prepareDelete(id)),
      queryParam(req, 'allOrNone') === 'true',
    );
    writer.cascadeDeletes();
    res.json(results);
  };
}

function retrieveMany(services: SfServices) {
  return (req: Request, res: Response): void => {
    const version = apiVersion(req);
    const table = tableOf(services, req, false);
    const { access } = callerOf(services, req);
    const body =
      req.method === 'GET'
        ? { ids: (queryParam(req, 'ids') ?? '').split(','), fields: (queryParam(req, 'fields') ?? '').split(',') }
        : parseBody(retrieveBody, req);
    checkSize(services, body.ids.length);
    const fields = body.fields
      .filter((f) => f !== '')
      .map((name) => {
        const f = table.field(name);
        if (f === undefined || !access.canRead(table, f))
          throw new SfApiError(400, 'INVALID_FIELD', `No such column '${name}' on sobject of type ${table.name}`);
        return f;
      });
    res.json(
      body.ids.map((raw) => {
        const id = normalizeId(raw);
        const row = id === null ? undefined : table.rows.get(id);
        if (row === undefined || row['IsDeleted'] === true) return null;
        const out: JsonRecord = { attributes: attributes(table, row, version) };
        for (const f of fields) out[f.name] = wireValue(f, row[f.name]);
        return out;
      }),
    );
  };
}

export function compositeRoutes(services: SfServices): Router {
  const router = Router();
  const root = '/services/data/:version/composite/sobjects';
  router.post(root, saveMany(services, 'create'));
  router.patch(root, saveMany(services, 'update'));
  router.delete(root, deleteMany(services));
  router.post(`${root}/:object`, retrieveMany(services));
  router.get(`${root}/:object`, retrieveMany(services));
  return router;
}
