// SOQL over REST: `query`, `queryAll` (deleted rows too) and their Tooling twin, paged through
// `nextRecordsUrl` locators. Page size follows `Sforce-Query-Options: batchSize=N` within the
// documented 200–2,000 (default 2,000).
// https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_query.htm
// https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/headers_queryoptions.htm

import { Router } from 'express';
import type { Request, Response } from 'express';
import { SfApiError } from '../errors.ts';
import type { Cursor } from '../query-cursors.ts';
import type { SfServices, SfSettings } from '../services.ts';
import { callerOf } from '../services.ts';
import { runQuery } from '../soql/execute.ts';
import type { QueryResult } from '../soql/execute.ts';
import type { QuerySchema } from '../soql/resolve.ts';
import { apiVersion, param, queryParam } from './route-helpers.ts';

type Endpoint = 'query' | 'queryAll';

/** The page size a request asks for, clamped to the limits in force. */
export function batchSize(req: Request, settings: SfSettings): number {
  const header = req.get('sforce-query-options') ?? '';
  const m = /(?:^|[,;\s])batchSize\s*=\s*(\d+)/i.exec(header);
  const max = settings.maxBatchSize ?? Number.POSITIVE_INFINITY;
  const asked = m?.[1] === undefined ? (settings.maxBatchSize ?? 2000) : Number(m[1]);
  return Math.max(settings.minBatchSize ?? 1, Math.min(max, asked));
}

export function querySchemaFor(services: SfServices, req: Request): QuerySchema {
  const { access } = callerOf(services, req);
  const org = services.org;
  return { table: (n) => org.table(n), find: (id) => org.find(id), access };
}

function page(
  services: SfServices,
  cursor: Cursor,
  start: number,
  size: number,
  path: string,
  tooling: boolean,
): Record<string, unknown> {
  const { result } = cursor;
  // COUNT() answers the count in totalSize and no records.
  const totalSize = result.rows.length;
  const end = result.countOnly ? totalSize : Math.min(totalSize, start + size);
  const done = end >= totalSize;
  if (done) services.cursors.close(cursor.id);
  const locator = done ? null : `${cursor.id}-${end}`;
  const records = result.countOnly ? [] : result.rows.slice(start, end).map(result.project);
  // The Tooling API adds size, queryLocator and entityTypeName to the same shape.
  const body: Record<string, unknown> = tooling
    ? { size: totalSize, totalSize, done, queryLocator: locator, entityTypeName: result.table.name }
    : { totalSize, done };
  if (locator !== null) body['nextRecordsUrl'] = `${path}/${locator}`;
  body['records'] = records;
  return body;
}

function startQuery(services: SfServices, endpoint: Endpoint, tooling: boolean) {
  return (req: Request, res: Response): void => {
    const version = apiVersion(req);
    const soql = queryParam(req, 'q');
    if (soql === undefined || soql.trim() === '')
      throw new SfApiError(400, 'MALFORMED_QUERY', 'A query string has to be specified');
    const includeDeleted = endpoint === 'queryAll' || !services.settings.deletedOnlyInQueryAll;
    const result: QueryResult = runQuery(soql, querySchemaFor(services, req), { includeDeleted, tooling }, version);
    const cursor = services.cursors.create(result, includeDeleted);
    const path = `/services/data/v${version}${tooling ? '/tooling' : ''}/${endpoint}`;
    res.json(page(services, cursor, 0, batchSize(req, services.settings), path, tooling));
  };
}

function nextPage(services: SfServices, endpoint: Endpoint, tooling: boolean) {
  return (req: Request, res: Response): void => {
    const version = apiVersion(req);
    const found = services.cursors.resolve(param(req, 'locator'));
    if (found === null) throw new SfApiError(400, 'INVALID_QUERY_LOCATOR', 'invalid query locator');
    const path = `/services/data/v${version}${tooling ? '/tooling' : ''}/${endpoint}`;
    res.json(page(services, found.cursor, found.start, batchSize(req, services.settings), path, tooling));
  };
}

export function queryRoutes(services: SfServices): Router {
  const router = Router();
  for (const endpoint of ['query', 'queryAll'] as const) {
    router.get(`/services/data/:version/${endpoint}`, startQuery(services, endpoint, false));
    router.get(`/services/data/:version/${endpoint}/:locator`, nextPage(services, endpoint, false));
  }
  router.get('/services/data/:version/tooling/query', startQuery(services, 'query', true));
  router.get('/services/data/:version/tooling/query/:locator', nextPage(services, 'query', true));
  return router;
}
