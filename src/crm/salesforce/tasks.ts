// Check-in Tasks on partner Accounts (WhatId = the Account, owned by the Account owner), created
// through sObject Collections. Salesforce has no idempotency key, so each task carries its
// marker: in full at the end of its Comments, and as a short hash tag at the end of its
// Subject — the one text field of Task that SOQL can filter on — so `findTasks` finds it again
// after a crash instead of creating a duplicate.
// https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_task.htm
// https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_composite_sobjects_collections_create.htm

import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { TimeZone } from '../../domain/time.ts';
import type { Logger } from '../../log.ts';
import type { TaskRequest, TaskResult } from '../port.ts';
import { CrmError } from '../port.ts';
import { PROVIDER } from './errors.ts';
import { parseRecords, queryAllRecords } from './query.ts';
import type { SalesforceClient } from './salesforce-client.ts';
import { chunk, select, where, type SoqlAllowList } from './soql.ts';
import { COLLECTION_LIMIT } from './write-back.ts';

const SUBJECT_MAX = 255;
const DESCRIPTION_MAX = 32_000;
const MARKERS_PER_QUERY = 40;
const PRIORITY: Readonly<Record<TaskRequest['priority'], string>> = { HIGH: 'High', MEDIUM: 'Normal', LOW: 'Low' };
/** Errors that mean the owner cannot own the task; it is then created for the integration user. */
const OWNER_ERRORS = new Set([
  'INACTIVE_OWNER_OR_USER',
  'INVALID_CROSS_REFERENCE_KEY',
  'INSUFFICIENT_ACCESS_ON_CROSS_REFERENCE_ENTITY',
]);

/** `[ps:1a2b3c4d5e6f]`: 48 bits of the marker's SHA-256, enough to tell markers apart. */
export function markerTag(marker: string): string {
  return `[ps:${createHash('sha256').update(marker).digest('hex').slice(0, 12)}]`;
}

const markerLine = (marker: string): string => `partnersync marker: ${marker}`;

const saveResults = z.array(
  z
    .object({
      id: z.string().nullish(),
      success: z.boolean(),
      errors: z.array(z.object({ statusCode: z.string(), message: z.string() }).loose()),
    })
    .loose(),
);

const taskRow = z
  .object({ Id: z.string(), Subject: z.string().nullable(), Description: z.string().nullable() })
  .loose();

export class SalesforceTasks {
  readonly #client: SalesforceClient;
  readonly #allow: SoqlAllowList;
  readonly #tz: TimeZone;
  readonly #logger: Logger;

  constructor(client: SalesforceClient, allow: SoqlAllowList, tz: TimeZone, logger: Logger) {
    this.#client = client;
    this.#allow = allow;
    this.#tz = tz;
    this.#logger = logger;
  }

  #record(task: TaskRequest, withOwner: boolean): Record<string, unknown> {
    const tag = ` ${markerTag(task.marker)}`;
    const tail = `\n\n${task.dealId === null ? '' : `Opportunity: ${task.dealId}\n`}${markerLine(task.marker)}`;
    const record: Record<string, unknown> = {
      attributes: { type: 'Task' },
      Subject: task.subject.slice(0, SUBJECT_MAX - tag.length) + tag,
      Description: task.body.slice(0, DESCRIPTION_MAX - tail.length) + tail,
      ActivityDate: this.#tz.localDate(task.dueAt),
      Priority: PRIORITY[task.priority],
      Status: 'Not Started',
      WhatId: task.partnerId,
    };
    if (withOwner && task.ownerId !== null) record['OwnerId'] = task.ownerId;
    return record;
  }

  async createTasks(tasks: readonly TaskRequest[]): Promise<TaskResult[]> {
    const out: TaskResult[] = [];
    const failed: string[] = [];
    for (const part of chunk(tasks, COLLECTION_LIMIT)) {
      const { created, rejected } = await this.#createChunk(part);
      out.push(...created);
      failed.push(...rejected);
    }
    if (failed.length > 0) {
      throw new CrmError({
        provider: PROVIDER,
        kind: 'invalid_request',
        message: `Salesforce create tasks: ${failed.length} of ${tasks.length} refused (${failed.slice(0, 5).join('; ')}); ${out.length} created`,
      });
    }
    return out;
  }

  async #createChunk(part: readonly TaskRequest[]): Promise<{ created: TaskResult[]; rejected: string[] }> {
    let results: z.output<typeof saveResults>;
    try {
      results = await this.#post(part, true);
    } catch (err) {
      // Creating is not idempotent: after a failure of unknown outcome, look before trying again.
      if (!(err instanceof CrmError) || err.kind !== 'unavailable') throw err;
      const found = await this.findTasks(part.map((t) => t.marker));
      const done = new Set(found.map((f) => f.marker));
      const rest = part.filter((t) => !done.has(t.marker));
      this.#logger.warn(
        { created: found.length, retrying: rest.length },
        'salesforce: task creation failed on the way; retrying the tasks not found',
      );
      const again = rest.length === 0 ? { created: [], rejected: [] } : await this.#createChunk(rest);
      return { created: [...found, ...again.created], rejected: again.rejected };
    }
    const created: TaskResult[] = [];
    const ownerless: TaskRequest[] = [];
    const rejected: string[] = [];
    part.forEach((task, i) => {
      const r = results[i];
      if (r?.success === true && typeof r.id === 'string') created.push({ marker: task.marker, taskId: r.id });
      else if (task.ownerId !== null && r?.errors.some((e) => OWNER_ERRORS.has(e.statusCode)) === true)
        ownerless.push(task);
      else
        rejected.push(
          `${task.marker}: ${r?.errors.map((e) => `${e.statusCode} ${e.message}`).join(', ') ?? 'no result'}`,
        );
    });
    if (ownerless.length > 0) {
      // The Account owner cannot own it (inactive user, no access): the integration user does.
      const retry = await this.#post(ownerless, false);
      ownerless.forEach((task, i) => {
        const r = retry[i];
        if (r?.success === true && typeof r.id === 'string') created.push({ marker: task.marker, taskId: r.id });
        else
          rejected.push(
            `${task.marker}: ${r?.errors.map((e) => `${e.statusCode} ${e.message}`).join(', ') ?? 'no result'}`,
          );
      });
    }
    return { created, rejected };
  }

  async #post(tasks: readonly TaskRequest[], withOwner: boolean): Promise<z.output<typeof saveResults>> {
    const results = await this.#client.json(
      {
        method: 'POST',
        path: '/composite/sobjects',
        idempotent: false,
        what: `create ${tasks.length} tasks`,
        body: JSON.stringify({ allOrNone: false, records: tasks.map((t) => this.#record(t, withOwner)) }),
      },
      saveResults,
    );
    if (results.length !== tasks.length)
      throw new CrmError({
        provider: PROVIDER,
        kind: 'bad_payload',
        message: `Salesforce create tasks: ${results.length} results for ${tasks.length} tasks`,
      });
    return results;
  }

  /** Tasks carrying these markers (deleted and archived ones too: they were created). */
  async findTasks(markers: readonly string[]): Promise<TaskResult[]> {
    const out: TaskResult[] = [];
    for (const part of chunk([...new Set(markers)], MARKERS_PER_QUERY)) {
      const byTag = new Map(part.map((m) => [markerTag(m), m]));
      const soql = select(this.#allow, {
        object: 'Task',
        fields: ['Id', 'Subject', 'Description'],
        where: where.or(...part.map((m) => where.like('Subject', markerTag(m), { before: true, after: false }))),
      });
      const rows = parseRecords(
        await queryAllRecords(this.#client, soql, { all: true, what: 'queryAll Task by marker' }),
        taskRow,
        'queryAll Task by marker',
      );
      for (const row of rows) {
        const tag = /\[ps:[0-9a-f]{12}\]$/.exec(row.Subject ?? '')?.[0];
        const marker = tag === undefined ? undefined : byTag.get(tag);
        // The full marker in the Comments settles a (very unlikely) tag collision.
        if (marker !== undefined && (row.Description ?? '').includes(markerLine(marker)))
          out.push({ marker, taskId: row.Id });
      }
    }
    return out;
  }
}
