// sObject resources: describeGlobal, basic info, describe, and single-record create / read /
// update / delete. Single-record failures answer 400 with Salesforce's error array.
// https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_sobject_basic_info.htm
// https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_sobject_retrieve.htm

import { Router } from 'express';
import type { Request, Response } from 'express';
import { describeGlobal, describeObject, globalEntry } from '../describe.ts';
import { SfApiError } from '../errors.ts';
import { wireValue } from '../format.ts';
import { normalizeId } from '../ids.ts';
import { RecordWriter } from '../records/record-writer.ts';
import type { Prepared } from '../records/record-writer.ts';
import type { SfServices } from '../services.ts';
import { callerOf } from '../services.ts';
import { attributes } from '../soql/project.ts';
import type { ObjectTable } from '../store/object-table.ts';
import { apiVersion, objectBody, param, queryParam } from './route-helpers.ts';

export function tableOf(services: SfServices, req: Request, tooling: boolean): ObjectTable {
  const table = services.org.table(param(req, 'object'));
  if (table === undefined || table.def.tooling !== tooling)
    throw new SfApiError(404, 'NOT_FOUND', 'The requested resource does not exist');
  return table;
}

/** A failed single-record operation as the REST error array. */
export function failed(op: Extract<Prepared, { ok: false }>): SfApiError {
  const [first, ...rest] = op.errors;
  const more = rest.map((e) => ({ message: e.message, errorCode: e.statusCode, fields: e.fields }));
  return new SfApiError(
    400,
    first?.statusCode ?? 'UNKNOWN_EXCEPTION',
    first?.message ?? 'failed',
    first?.fields ?? [],
    more,
  );
}

function readRecord(services: SfServices, tooling: boolean) {
  return (req: Request, res: Response): void => {
    const version = apiVersion(req);
    const table = tableOf(services, req, tooling);
    const { access } = callerOf(services, req);
    const id = normalizeId(param(req, 'id'));
    const row = id === null ? undefined : table.rows.get(id);
    if (row === undefined) throw new SfApiError(404, 'NOT_FOUND', 'The requested resource does not exist');
    if (row['IsDeleted'] === true) throw new SfApiError(404, 'ENTITY_IS_DELETED', 'entity is deleted');
    const wanted = queryParam(req, 'fields')
      ?.split(',')
      .map((f) => f.trim())
      .filter((f) => f !== '');
    const fields =
      wanted === undefined
        ? table.def.fields.filter((f) => access.canRead(table, f))
        : wanted.map((name) => {
            const f = table.field(name);
            if (f === undefined || !access.canRead(table, f))
              throw new SfApiError(400, 'INVALID_FIELD', `No such column '${name}' on sobject of type ${table.name}`);
            return f;
          });
    const out: Record<string, unknown> = { attributes: attributes(table, row, version) };
    for (const f of fields) out[f.name] = wireValue(f, row[f.name]);
    res.json(out);
  };
}

function createRecord(services: SfServices) {
  return (req: Request, res: Response): void => {
    apiVersion(req);
    const table = tableOf(services, req, false);
    const { userId, access } = callerOf(services, req);
    const op = new RecordWriter(services.org, access, userId).prepareCreate(table, objectBody(req));
    if (!op.ok) throw failed(op);
    res.status(201).json({ id: op.commit(), success: true, errors: [] });
  };
}

function updateRecord(services: SfServices) {
  return (req: Request, res: Response): void => {
    apiVersion(req);
    const table = tableOf(services, req, false);
    const { userId, access } = callerOf(services, req);
    if (normalizeId(param(req, 'id')) === null || table.rows.get(normalizeId(param(req, 'id')) ?? '') === undefined) {
      throw new SfApiError(404, 'NOT_FOUND', 'The requested resource does not exist');
    }
    const op = new RecordWriter(services.org, access, userId).prepareUpdate(table, param(req, 'id'), objectBody(req));
    if (!op.ok) throw failed(op);
    op.commit();
    res.status(204).end();
  };
}

function deleteRecord(services: SfServices) {
  return (req: Request, res: Response): void => {
    apiVersion(req);
    const table = tableOf(services, req, false);
    const { userId, access } = callerOf(services, req);
    const id = normalizeId(param(req, 'id'));
    if (id === null || !table.rows.has(id))
      throw new SfApiError(404, 'NOT_FOUND', 'The requested resource does not exist');
    const writer = new RecordWriter(services.org, access, userId);
    const op = writer.prepareDelete(id);
    if (!op.ok) throw failed(op);
    op.commit();
    writer.cascadeDeletes();
    res.status(204).end();
  };
}

function basicInfo(services: SfServices, tooling: boolean) {
  return (req: Request, res: Response): void => {
    const version = apiVersion(req);
    res.json({ objectDescribe: globalEntry(tableOf(services, req, tooling), version), recentItems: [] });
  };
}

function describe(services: SfServices, tooling: boolean) {
  return (req: Request, res: Response): void => {
    const version = apiVersion(req);
    const table = tableOf(services, req, tooling);
    res.json(describeObject(services.org, table, callerOf(services, req).access, version));
  };
}

function global(services: SfServices, tooling: boolean) {
  return (req: Request, res: Response): void => {
    res.json(describeGlobal(services.org, tooling, apiVersion(req)));
  };
}

export function sobjectRoutes(services: SfServices): Router {
  const router = Router();
  for (const tooling of [false, true]) {
    const root = `/services/data/:version${tooling ? '/tooling' : ''}/sobjects`;
    router.get(root, global(services, tooling));
    router.get(`${root}/:object`, basicInfo(services, tooling));
    router.get(`${root}/:object/describe`, describe(services, tooling));
    router.get(`${root}/:object/:id`, readRecord(services, tooling));
  }
  const root = '/services/data/:version/sobjects';
  router.post(`${root}/:object`, createRecord(services));
  router.patch(`${root}/:object/:id`, updateRecord(services));
  router.delete(`${root}/:object/:id`, deleteRecord(services));
  return router;
}
