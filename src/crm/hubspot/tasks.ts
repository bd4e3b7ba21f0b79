// Tasks for critical alerts, associated with the partner company (type 192) and the deal (216),
// owned by the given owner, with the alert episode's marker in a hidden task property
// (`partnersync_marker`, created by provisioning) so `findTasks` finds them by exact match. HubSpot
// has no idempotency key: a batch create that fails without a clear "not applied" (timeout, 5xx)
// is followed by a search for its markers before anything is created again. Tasks the portal's
// validation rules refuse (2026-09: required fields, association permissions) come back with
// `refused` and HubSpot's message; the others are created.
// https://developers.hubspot.com/docs/api-reference/crm-tasks-v3/guide

import type { Logger } from '../../log.ts';
import { CrmError, type TaskRequest, type TaskResult } from '../port.ts';
import { backoff, DEFAULT_RETRY } from './failures.ts';
import type { FieldMap } from './field-map.ts';
import type { HubspotApi } from './hubspot-api.ts';
import { namedRefusals } from './refusals.ts';
import { BATCH, batchCreate, searchObjects, type CreateInput } from './requests.ts';

/** HUBSPOT_DEFINED association types from a task. */
export const TASK_TO_COMPANY = 192;
export const TASK_TO_DEAL = 216;
/** Markers per search (one IN filter), and their text per search: HubSpot takes 3,000-character bodies. */
const MARKERS_PER_SEARCH = 50;
const MARKER_CHARS_PER_SEARCH = 2200;

/** Markers in groups that fit one search body. */
function markerChunks(markers: readonly string[]): string[][] {
  const chunks: string[][] = [];
  let current: string[] = [];
  let chars = 0;
  for (const m of markers) {
    if (
      current.length > 0 &&
      (current.length >= MARKERS_PER_SEARCH || chars + m.length + 3 > MARKER_CHARS_PER_SEARCH)
    ) {
      chunks.push(current);
      current = [];
      chars = 0;
    }
    current.push(m);
    chars += m.length + 3;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}
const MAX_ATTEMPTS = 5;

export interface TaskDeps {
  api: HubspotApi;
  fields: FieldMap;
  logger: Logger;
}

function toInput(task: TaskRequest, markerProperty: string): CreateInput & { traceId: string } {
  const properties: Record<string, string> = {
    hs_timestamp: new Date(task.dueAt).toISOString(),
    hs_task_subject: task.subject,
    hs_task_body: task.body,
    hs_task_status: 'NOT_STARTED',
    hs_task_priority: task.priority,
    hs_task_type: 'TODO',
    [markerProperty]: task.marker,
  };
  if (task.ownerId !== null) properties['hubspot_owner_id'] = task.ownerId;
  const associations = [{ toId: task.partnerId, typeId: TASK_TO_COMPANY }];
  if (task.dealId !== null) associations.push({ toId: task.dealId, typeId: TASK_TO_DEAL });
  // The marker doubles as the input's trace id: a refusal names the task it is about.
  return { properties, associations, traceId: task.marker };
}

/** Tasks carrying these markers (the oldest one per marker if a marker was ever used twice). */
export async function findTasks(deps: TaskDeps, markers: readonly string[]): Promise<TaskResult[]> {
  const property = deps.fields.name('task.marker');
  const wanted = [...new Set(markers)];
  const found = new Map<string, string>();
  for (const values of markerChunks(wanted)) {
    let lastId: string | null = null;
    for (;;) {
      const page = await searchObjects(deps.api, 'tasks', {
        groups: [[{ propertyName: property, operator: 'IN', values }]],
        properties: [property],
        afterId: lastId,
      });
      for (const r of page.results) {
        const marker = r.properties[property];
        if (typeof marker === 'string' && values.includes(marker) && !found.has(marker)) found.set(marker, r.id);
      }
      lastId = page.results.at(-1)?.id ?? lastId;
      if (page.paging?.next === undefined || page.results.length === 0) break;
    }
  }
  return [...found].map(([marker, taskId]) => ({ marker, taskId }));
}

async function createBatch(deps: TaskDeps, batch: readonly TaskRequest[]): Promise<TaskResult[]> {
  const property = deps.fields.name('task.marker');
  let pending = [...batch];
  const done: TaskResult[] = [];
  for (let attempt = 1; pending.length > 0; attempt++) {
    try {
      const answer = await batchCreate(
        deps.api,
        'tasks',
        pending.map((t) => toInput(t, property)),
      );
      const byMarker = new Map(answer.results.map((r) => [r.properties[property] ?? '', r.id]));
      // A 207 names the inputs it did not create by their trace id (the marker).
      const refusedBy = new Map<string, string>();
      for (const e of answer.errors ?? [])
        for (const trace of e.context?.['objectWriteTraceId'] ?? [])
          refusedBy.set(trace, e.message ?? e.category ?? 'refused by HubSpot');
      for (const t of pending) {
        const taskId = byMarker.get(t.marker);
        const reason = refusedBy.get(t.marker);
        if (taskId === undefined && reason !== undefined) {
          done.push({ marker: t.marker, taskId: '', refused: { reason, properties: [] } });
          continue;
        }
        if (taskId === undefined)
          throw new CrmError({
            provider: 'hubspot',
            kind: 'bad_payload',
            message: `POST ${deps.api.paths.objects('tasks')}/batch/create: no task came back for marker ${t.marker}`,
          });
        done.push({ marker: t.marker, taskId });
      }
      return done;
    } catch (err) {
      // The portal's rules refused some tasks (2026-09): report exactly those, create the others.
      const named =
        err instanceof CrmError
          ? namedRefusals(
              err,
              pending.map((t) => toInput(t, property)),
            )
          : null;
      if (named !== null) {
        const refused = new Set(named.map((r) => r.index));
        for (const r of named) {
          const task = pending[r.index];
          if (task)
            done.push({ marker: task.marker, taskId: '', refused: { reason: r.message, properties: r.properties } });
        }
        pending = pending.filter((_, i) => !refused.has(i));
        deps.logger.warn(
          { refused: named.length, remaining: pending.length },
          'hubspot: tasks refused by the portal rules',
        );
        continue;
      }
      if (
        !(err instanceof CrmError) ||
        (err.kind !== 'unavailable' && err.kind !== 'rate_limited') ||
        attempt >= MAX_ATTEMPTS
      )
        throw err;
      await deps.api.timer.sleep(err.retryAfterMs ?? backoff(attempt, 1000, DEFAULT_RETRY));
      if (err.kind === 'unavailable') {
        // The failed attempt may have created some tasks: keep those, create only the others.
        const created = await findTasks(
          deps,
          pending.map((t) => t.marker),
        );
        done.push(...created);
        const have = new Set(created.map((c) => c.marker));
        pending = pending.filter((t) => !have.has(t.marker));
        deps.logger.warn(
          { recovered: created.length, remaining: pending.length },
          'hubspot: task creation retried after an unclear failure',
        );
      }
    }
  }
  return done;
}

export async function createTasks(deps: TaskDeps, tasks: readonly TaskRequest[]): Promise<TaskResult[]> {
  const unique = [...new Map(tasks.map((t) => [t.marker, t])).values()];
  const out: TaskResult[] = [];
  for (let i = 0; i < unique.length; i += BATCH) out.push(...(await createBatch(deps, unique.slice(i, i + BATCH))));
  return out;
}
