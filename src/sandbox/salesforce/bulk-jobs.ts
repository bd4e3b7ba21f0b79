// Bulk API 2.0 query jobs. The query runs when the job is created (a snapshot, as Salesforce's
// is); each status poll moves the job one step, UploadComplete → InProgress → JobComplete, so a
// client's polling loop is exercised deterministically without timers. Results are CSV pages
// addressed by `Sforce-Locator` (base64 of the next row index, 'null' after the last page).
// https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/query_create_job.htm

import { stringify } from 'csv-stringify/sync';
import { formatDateTime, csvValue } from './format.ts';
import { makeId } from './ids.ts';
import type { QueryResult } from './soql/execute.ts';

export type JobState = 'UploadComplete' | 'InProgress' | 'JobComplete' | 'Aborted' | 'Failed';
export type ColumnDelimiter = 'COMMA' | 'TAB' | 'PIPE' | 'SEMICOLON' | 'CARET' | 'BACKQUOTE';

const DELIMITERS: Readonly<Record<ColumnDelimiter, string>> = {
  COMMA: ',',
  TAB: '\t',
  PIPE: '|',
  SEMICOLON: ';',
  CARET: '^',
  BACKQUOTE: '`',
};

export interface QueryJob {
  id: string;
  operation: 'query' | 'queryAll';
  object: string;
  query: string;
  createdById: string;
  createdDate: number;
  systemModstamp: number;
  state: JobState;
  columnDelimiter: ColumnDelimiter;
  lineEnding: 'LF' | 'CRLF';
  apiVersion: string;
  result: QueryResult;
}

export interface NewJob {
  operation: 'query' | 'queryAll';
  query: string;
  columnDelimiter: ColumnDelimiter;
  lineEnding: 'LF' | 'CRLF';
  apiVersion: string;
  createdById: string;
  now: number;
  result: QueryResult;
}

export class BulkJobStore {
  private readonly jobs = new Map<string, QueryJob>();
  private sequence = 0;

  create(spec: NewJob): QueryJob {
    this.sequence++;
    const job: QueryJob = {
      id: makeId('750', this.sequence),
      operation: spec.operation,
      object: spec.result.table.name,
      query: spec.query,
      createdById: spec.createdById,
      createdDate: spec.now,
      systemModstamp: spec.now,
      state: 'UploadComplete',
      columnDelimiter: spec.columnDelimiter,
      lineEnding: spec.lineEnding,
      apiVersion: spec.apiVersion,
      result: spec.result,
    };
    this.jobs.set(job.id, job);
    return job;
  }

  get(id: string): QueryJob | undefined {
    return this.jobs.get(id);
  }

  all(): QueryJob[] {
    return [...this.jobs.values()];
  }

  delete(id: string): boolean {
    return this.jobs.delete(id);
  }

  /** One status poll: advance the job one step towards JobComplete. */
  poll(job: QueryJob, now: number): void {
    if (job.state === 'UploadComplete') job.state = 'InProgress';
    else if (job.state === 'InProgress') job.state = 'JobComplete';
    else return;
    job.systemModstamp = now;
  }
}

export function jobInfo(job: QueryJob): Record<string, unknown> {
  const done = job.state === 'JobComplete';
  return {
    id: job.id,
    operation: job.operation,
    object: job.object,
    createdById: job.createdById,
    createdDate: formatDateTime(job.createdDate),
    systemModstamp: formatDateTime(job.systemModstamp),
    state: job.state,
    concurrencyMode: 'Parallel',
    contentType: 'CSV',
    apiVersion: Number(job.apiVersion),
    jobType: 'V2Query',
    lineEnding: job.lineEnding,
    columnDelimiter: job.columnDelimiter,
    numberRecordsProcessed: done ? job.result.rows.length : 0,
    retries: 0,
    totalProcessingTime: done ? 1 : 0,
    isPkChunkingSupported: true,
  };
}

export function encodeLocator(index: number): string {
  return Buffer.from(String(index)).toString('base64').replace(/=+$/, '');
}

export function decodeLocator(locator: string): number | null {
  const text = Buffer.from(locator, 'base64').toString('utf8');
  return /^\d+$/.test(text) ? Number(text) : null;
}

/** One CSV page (with its header row) and the locator of the next one. */
export function resultsPage(
  job: QueryJob,
  start: number,
  maxRecords: number,
): { csv: string; count: number; next: string } {
  const { rows, fields } = job.result;
  const slice = rows.slice(start, start + maxRecords);
  const header = fields.map((f) => f.canonical);
  const records = slice.map((row) => fields.map((f) => csvValue(f.def, f.get(row))));
  const csv = stringify([header, ...records], {
    delimiter: DELIMITERS[job.columnDelimiter],
    record_delimiter: job.lineEnding === 'CRLF' ? 'windows' : 'unix',
    quoted: true,
  });
  const end = start + slice.length;
  return { csv, count: slice.length, next: end < rows.length ? encodeLocator(end) : 'null' };
}
