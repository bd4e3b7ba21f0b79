// SOQL over REST, paged by hand through `nextRecordsUrl` (never jsforce's autoFetch, which stops
// silently at maxFetch = 10,000), with pages of 2,000 asked for in `Sforce-Query-Options`. Each
// page is parsed (numbers kept exact) and handed over before the next is read, so callers can
// checkpoint per page. A finished query must have delivered `totalSize` records.
// https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_query.htm
// https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_queryall.htm
// https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/headers_queryoptions.htm

import { z } from 'zod';
import { badPayload } from './errors.ts';
import type { SalesforceClient } from './salesforce-client.ts';

export const QUERY_BATCH_SIZE = 2000;

const pageSchema = z.object({
  totalSize: z.coerce.number().int().min(0),
  done: z.boolean(),
  nextRecordsUrl: z.string().startsWith('/services/').nullish(),
  records: z.array(z.record(z.string(), z.unknown())),
});

export interface QueryPage {
  records: Record<string, unknown>[];
  /** Rows the whole query matches (the same on every page). */
  totalSize: number;
  /** Salesforce's clock when it answered (the Date header), or null without one. */
  serverTime: number | null;
}

export interface QueryOptions {
  /** queryAll: deleted and archived rows too (IsDeleted = true). */
  all?: boolean | undefined;
  /** The Tooling API's query endpoint (CustomField). */
  tooling?: boolean | undefined;
  /** Names the query in errors and logs. */
  what: string;
}

export async function* queryPages(
  client: SalesforceClient,
  soql: string,
  options: QueryOptions,
): AsyncGenerator<QueryPage> {
  const headers = { 'Sforce-Query-Options': `batchSize=${QUERY_BATCH_SIZE}` };
  const endpoint = options.tooling === true ? '/tooling/query' : options.all === true ? '/queryAll' : '/query';
  let next: string | null = null;
  let seen = 0;
  let first = true;
  while (first || next !== null) {
    const path: string = next ?? endpoint;
    const { data: page, serverTime } = await client.jsonResponse(
      { method: 'GET', path, query: first ? { q: soql } : undefined, headers, idempotent: true, what: options.what },
      pageSchema,
      { exactNumbers: true },
    );
    first = false;
    seen += page.records.length;
    next = page.done ? null : (page.nextRecordsUrl ?? null);
    if (!page.done && next === null)
      throw badPayload(`Salesforce ${options.what}`, 'done is false but there is no nextRecordsUrl');
    if (page.done && seen < page.totalSize) {
      throw badPayload(`Salesforce ${options.what}`, `the query ended after ${seen} of ${page.totalSize} records`);
    }
    yield { records: page.records, totalSize: page.totalSize, serverTime };
  }
}

/** All records of a (small) query. */
export async function queryAllRecords(
  client: SalesforceClient,
  soql: string,
  options: QueryOptions,
): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  for await (const page of queryPages(client, soql, options)) out.push(...page.records);
  return out;
}

/** Parses each record with a schema; a record that does not fit is a bad payload, never skipped. */
export function parseRecords<S extends z.ZodType>(records: readonly unknown[], schema: S, what: string): z.output<S>[] {
  return records.map((r, i) => {
    const parsed = schema.safeParse(r);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw badPayload(
        `Salesforce ${what}`,
        `record ${i}: ${issue?.path.join('.') ?? ''} ${issue?.message ?? 'invalid'}`,
        parsed.error,
      );
    }
    return parsed.data;
  });
}
