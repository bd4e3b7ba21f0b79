// Bulk API 2.0 query jobs for large reads: create the job, poll it (with a poll timeout far
// above jsforce's 30 s default), then read the CSV results page by page through the
// `Sforce-Locator` header. The paging is ours because jsforce's `bulk2.query` breaks on
// multi-page results (jsforce issue #1546).
// https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/query_create_job.htm
// https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/query_get_one_job.htm
// https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/query_get_job_results.htm

import { parse } from 'csv-parse/sync';
import { z } from 'zod';
import { CrmError } from '../port.ts';
import { badPayload, PROVIDER } from './errors.ts';
import type { SalesforceClient } from './salesforce-client.ts';

export interface BulkQueryOptions {
  all: boolean;
  what: string;
  /** Give up when the job has not completed after this long (default 15 minutes). */
  pollTimeoutMs?: number | undefined;
  /** Rows per results request (maxRecords). */
  pageSize?: number | undefined;
  sleep: (ms: number) => Promise<void>;
  now: () => number;
}

export const BULK_POLL_TIMEOUT_MS = 15 * 60_000;
export const BULK_RESULTS_PAGE = 50_000;
const FIRST_POLL_MS = 1000;
const MAX_POLL_MS = 10_000;

const jobInfo = z
  .object({
    id: z.string().min(1),
    state: z.enum(['Open', 'UploadComplete', 'InProgress', 'JobComplete', 'Aborted', 'Failed']),
    errorMessage: z.string().nullish(),
  })
  .loose();

/** Pages of CSV rows (column → text) of a Bulk 2.0 query job. */
export async function* bulkQuery(
  client: SalesforceClient,
  soql: string,
  options: BulkQueryOptions,
): AsyncGenerator<Record<string, string>[]> {
  const job = await client.json(
    {
      method: 'POST',
      path: '/jobs/query',
      what: `${options.what} (create Bulk 2.0 job)`,
      // A second job after a lost answer costs an API call and nothing else: safe to retry.
      idempotent: true,
      body: JSON.stringify({
        operation: options.all ? 'queryAll' : 'query',
        query: soql,
        contentType: 'CSV',
        columnDelimiter: 'COMMA',
        lineEnding: 'LF',
      }),
    },
    jobInfo,
  );
  await waitForJob(client, job.id, options);
  let locator: string | null = null;
  const pageSize = options.pageSize ?? BULK_RESULTS_PAGE;
  for (;;) {
    const query: Record<string, string> = { maxRecords: String(pageSize) };
    if (locator !== null) query['locator'] = locator;
    const res = await client.send({
      method: 'GET',
      path: `/jobs/query/${job.id}/results`,
      query,
      idempotent: true,
      what: `${options.what} (Bulk 2.0 results)`,
    });
    yield parseCsv(res.body, options.what);
    const next = res.headers['sforce-locator'];
    // The last page says "null" (the text); a missing header also ends the results.
    if (next === undefined || next === '' || next === 'null') return;
    locator = next;
  }
}

async function waitForJob(client: SalesforceClient, jobId: string, options: BulkQueryOptions): Promise<void> {
  const deadline = options.now() + (options.pollTimeoutMs ?? BULK_POLL_TIMEOUT_MS);
  let wait = FIRST_POLL_MS;
  for (;;) {
    const info = await client.json(
      { method: 'GET', path: `/jobs/query/${jobId}`, idempotent: true, what: `${options.what} (Bulk 2.0 job status)` },
      jobInfo,
    );
    if (info.state === 'JobComplete') return;
    if (info.state === 'Failed' || info.state === 'Aborted') {
      throw new CrmError({
        provider: PROVIDER,
        kind: 'invalid_request',
        code: info.state,
        message: `Salesforce ${options.what}: Bulk 2.0 job ${jobId} ${info.state.toLowerCase()}${info.errorMessage ? `: ${info.errorMessage}` : ''}`,
      });
    }
    if (options.now() + wait > deadline) {
      throw new CrmError({
        provider: PROVIDER,
        kind: 'unavailable',
        message: `Salesforce ${options.what}: Bulk 2.0 job ${jobId} still ${info.state} after the poll timeout; the run resumes from its checkpoint`,
      });
    }
    await options.sleep(wait);
    wait = Math.min(MAX_POLL_MS, Math.round(wait * 1.5));
  }
}

function parseCsv(text: string, what: string): Record<string, string>[] {
  try {
    return parse<Record<string, string>>(text, { columns: true, skip_empty_lines: true, relax_column_count: false });
  } catch (err) {
    throw badPayload(`Salesforce ${what}`, 'Bulk 2.0 results are not CSV', err);
  }
}
