// Writes the CRM refused for what they held (issue 14: HubSpot's portal validation rules, or any
// record-level refusal) are not sent again unchanged on every run: a refused write is held back
// until what partnersync would send changes, a `sync --full` runs, or a day has passed
// (docs/finance-rules.md readings). Pure: the caller passes the time and the stored refusals.

import type { TaskRequest } from '../domain/records.ts';
import type { WriteRefusal } from '../store/store.ts';

/** A refused write is tried again after this long even when nothing changed. */
export const REFUSAL_HOLD_MS = 24 * 60 * 60 * 1000;

/** JSON with object keys sorted, so equal values compare equal whatever their key order. */
export function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        )
      : v,
  );
}

/** Whether the write of `fields` is held back by its record's refusal. */
export function isHeld(
  refusal: WriteRefusal | undefined,
  fields: Record<string, unknown>,
  now: number,
  full: boolean,
): boolean {
  if (refusal === undefined || full) return false;
  if (now - refusal.at >= REFUSAL_HOLD_MS) return false;
  return stableJson(refusal.fields) === stableJson(fields);
}

/** What identifies a task's content: a changed task is a new write. */
export function taskFields(t: TaskRequest): Omit<TaskRequest, 'marker'> {
  return {
    partnerId: t.partnerId,
    dealId: t.dealId,
    ownerId: t.ownerId,
    subject: t.subject,
    body: t.body,
    dueAt: t.dueAt,
    priority: t.priority,
  };
}

/** The request that creates an outbox task in the CRM: its marker and its content, nothing else. */
export const taskRequest = (t: TaskRequest): TaskRequest => ({ marker: t.marker, ...taskFields(t) });

export const refusalKey = (object: WriteRefusal['object'], recordId: string): string => `${object}:${recordId}`;
