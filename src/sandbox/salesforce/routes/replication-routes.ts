// Replication resources: ids updated, and records deleted, in a time window
// (`sobjects/{Obj}/updated/?start=&end=`, `…/deleted/?start=&end=`), the other way a connector
// learns about deletes besides queryAll.
// https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_getupdated.htm
// https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_getdeleted.htm

import { Router } from 'express';
import type { Request, Response } from 'express';
import { SfApiError } from '../errors.ts';
import { formatDateTime } from '../format.ts';
import { parseDateTimeInput } from '../records/coerce.ts';
import type { SfServices } from '../services.ts';
import { apiVersion, queryParam } from './route-helpers.ts';
import { tableOf } from './sobject-routes.ts';

const DAY = 86_400_000;
/** Deleted records stay in the recycle bin (and this feed) for 15 days. */
const RETENTION_DAYS = 15;

function window(req: Request): { start: number; end: number } {
  const start = parseDateTimeInput(queryParam(req, 'start') ?? '');
  const end = parseDateTimeInput(queryParam(req, 'end') ?? '');
  if (start === null || end === null)
    throw new SfApiError(400, 'INVALID_REPLICATION_DATE', 'start and end must be dateTimes');
  if (end < start) throw new SfApiError(400, 'INVALID_REPLICATION_DATE', 'end must be after start');
  return { start, end };
}

function inWindow(value: unknown, w: { start: number; end: number }): boolean {
  return typeof value === 'number' && value >= w.start && value < w.end;
}

function updated(services: SfServices) {
  return (req: Request, res: Response): void => {
    apiVersion(req);
    const table = tableOf(services, req, false);
    const w = window(req);
    const ids: string[] = [];
    for (const row of table.rows.values()) {
      if (row['IsDeleted'] !== true && inWindow(row['SystemModstamp'], w)) ids.push(String(row['Id']));
    }
    res.json({ ids, latestDateCovered: formatDateTime(Math.min(w.end, services.ctx.clock.now())) });
  };
}

function deleted(services: SfServices) {
  return (req: Request, res: Response): void => {
    apiVersion(req);
    const table = tableOf(services, req, false);
    const w = window(req);
    const now = services.ctx.clock.now();
    const earliest = now - RETENTION_DAYS * DAY;
    if (w.start < earliest)
      throw new SfApiError(400, 'INVALID_REPLICATION_DATE', `start must be on or after ${formatDateTime(earliest)}`);
    const deletedRecords: { id: string; deletedDate: string }[] = [];
    for (const row of table.rows.values()) {
      const at = row['SystemModstamp'];
      if (row['IsDeleted'] === true && inWindow(at, w) && typeof at === 'number')
        deletedRecords.push({ id: String(row['Id']), deletedDate: formatDateTime(at) });
    }
    res.json({
      deletedRecords,
      earliestDateAvailable: formatDateTime(earliest),
      latestDateCovered: formatDateTime(Math.min(w.end, now)),
    });
  };
}

export function replicationRoutes(services: SfServices): Router {
  const router = Router();
  router.get(
    ['/services/data/:version/sobjects/:object/updated', '/services/data/:version/sobjects/:object/updated/'],
    updated(services),
  );
  router.get(
    ['/services/data/:version/sobjects/:object/deleted', '/services/data/:version/sobjects/:object/deleted/'],
    deleted(services),
  );
  return router;
}
