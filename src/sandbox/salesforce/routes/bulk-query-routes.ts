// Bulk API 2.0 query jobs: create, list, poll, results (CSV pages addressed by Sforce-Locator and
// sized by maxRecords), abort and delete.
// https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/query_get_job_results.htm

import { Router } from 'express';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { decodeLocator, jobInfo, resultsPage } from '../bulk-jobs.ts';
import type { QueryJob } from '../bulk-jobs.ts';
import { SfApiError } from '../errors.ts';
import type { SfServices } from '../services.ts';
import { callerOf } from '../services.ts';
import { runQuery } from '../soql/execute.ts';
import { apiVersion, param, queryParam } from './route-helpers.ts';
import { querySchemaFor } from './query-routes.ts';

const createBody = z
  .object({
    operation: z.enum(['query', 'queryAll']),
    query: z.string().min(1),
    contentType: z.literal('CSV').optional(),
    columnDelimiter: z.enum(['COMMA', 'TAB', 'PIPE', 'SEMICOLON', 'CARET', 'BACKQUOTE']).optional(),
    lineEnding: z.enum(['LF', 'CRLF']).optional(),
  })
  .loose();
const abortBody = z.object({ state: z.literal('Aborted') });

function jobOf(services: SfServices, req: Request): QueryJob {
  apiVersion(req);
  const job = services.jobs.get(param(req, 'jobId'));
  if (job === undefined) throw new SfApiError(404, 'NOT_FOUND', 'The requested resource does not exist');
  return job;
}

function create(services: SfServices) {
  return (req: Request, res: Response): void => {
    const version = apiVersion(req);
    const parsed = createBody.safeParse(req.body);
    if (!parsed.success)
      throw new SfApiError(400, 'INVALIDJOB', `Invalid job: ${parsed.error.issues[0]?.message ?? 'unreadable body'}`);
    const spec = parsed.data;
    const includeDeleted = spec.operation === 'queryAll' || !services.settings.deletedOnlyInQueryAll;
    const result = runQuery(spec.query, querySchemaFor(services, req), { includeDeleted, tooling: false }, version);
    if (result.countOnly)
      throw new SfApiError(
        400,
        'INVALIDJOB',
        'Aggregate queries (COUNT()) are not supported by Bulk API 2.0 query jobs',
      );
    const job = services.jobs.create({
      operation: spec.operation,
      query: spec.query,
      columnDelimiter: spec.columnDelimiter ?? 'COMMA',
      lineEnding: spec.lineEnding ?? 'LF',
      apiVersion: version,
      createdById: callerOf(services, req).userId,
      now: services.ctx.clock.now(),
      result,
    });
    res.status(200).json(jobInfo(job));
  };
}

function results(services: SfServices) {
  return (req: Request, res: Response): void => {
    const job = jobOf(services, req);
    if (job.state !== 'JobComplete')
      throw new SfApiError(400, 'INVALIDJOBSTATE', `Job ${job.id} is not complete (state ${job.state})`);
    const locator = queryParam(req, 'locator');
    const start = locator === undefined || locator === '' ? 0 : decodeLocator(locator);
    if (start === null) throw new SfApiError(400, 'INVALIDLOCATOR', `Invalid locator: ${locator ?? ''}`);
    const max = Number(queryParam(req, 'maxRecords') ?? services.settings.bulkResultsPage);
    if (!Number.isInteger(max) || max < 1)
      throw new SfApiError(400, 'INVALID_INPUT', 'maxRecords must be a positive integer');
    const pageOut = resultsPage(job, start, max);
    res.set({
      'Content-Type': 'text/csv',
      'Sforce-Locator': pageOut.next,
      'Sforce-NumberOfRecords': String(pageOut.count),
    });
    res.status(200).send(pageOut.csv);
  };
}

export function bulkQueryRoutes(services: SfServices): Router {
  const router = Router();
  const root = '/services/data/:version/jobs/query';
  router.post(root, create(services));
  router.get(root, (req, res) => {
    apiVersion(req);
    res.json({ done: true, records: services.jobs.all().map(jobInfo), nextRecordsUrl: null });
  });
  router.get(`${root}/:jobId`, (req, res) => {
    const job = jobOf(services, req);
    const info = jobInfo(job);
    services.jobs.poll(job, services.ctx.clock.now());
    res.json(info);
  });
  router.get(`${root}/:jobId/results`, results(services));
  router.patch(`${root}/:jobId`, (req, res) => {
    const job = jobOf(services, req);
    if (!abortBody.safeParse(req.body).success)
      throw new SfApiError(400, 'INVALIDJOB', 'Only {"state":"Aborted"} can be set on a query job');
    if (job.state !== 'JobComplete') job.state = 'Aborted';
    res.json(jobInfo(job));
  });
  router.delete(`${root}/:jobId`, (req, res) => {
    const job = jobOf(services, req);
    services.jobs.delete(job.id);
    res.status(204).end();
  });
  return router;
}
