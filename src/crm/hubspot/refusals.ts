// Validation refusals of a batch write (from API version 2026-09 HubSpot enforces the portal's
// conditionally required properties, the create form's required fields and the user's association
// permissions): one 400 VALIDATION_ERROR for the batch, with details that name each refused input
// by object id, objectWriteTraceId or position. Callers drop exactly those inputs and send the
// rest again; when a detail names no input, they fall back to bisecting.

import type { CrmError } from '../port.ts';
import { HubspotHttpError } from './failures.ts';

export interface Refused {
  /** The input's position in the batch sent. */
  index: number;
  /** HubSpot's message for this input. */
  message: string;
  /** The properties concerned (an association refusal is named `association to <type>`). */
  properties: string[];
  code: string | null;
}

/**
 * The refused inputs of `batch` named by a VALIDATION_ERROR, by position; null when the error is
 * not one, or when any of its details does not say which input it is about.
 */
export function namedRefusals(
  err: CrmError,
  batch: readonly { id?: string | undefined; traceId?: string | undefined }[],
): Refused[] | null {
  if (!(err.cause instanceof HubspotHttpError) || err.cause.status !== 400) return null;
  const body = err.cause.body;
  if (body.category !== 'VALIDATION_ERROR') return null;
  const details = body.errors ?? [];
  if (details.length === 0) return null;
  const out = new Map<number, Refused>();
  for (const d of details) {
    const index = inputIndex(d, batch);
    if (index === null) return null;
    const properties = [
      ...(d.context?.['propertyName'] ?? []),
      ...(d.context?.['toObjectType'] ?? []).map((t) => `association to ${t}`),
    ];
    const message = d.message ?? body.message ?? 'refused by HubSpot';
    const prior = out.get(index);
    out.set(
      index,
      prior
        ? {
            ...prior,
            message: `${prior.message}; ${message}`,
            properties: [...new Set([...prior.properties, ...properties])],
          }
        : { index, message, properties, code: d.code ?? null },
    );
  }
  return [...out.values()].sort((a, b) => a.index - b.index);
}

function inputIndex(
  detail: { in?: string | undefined; context?: Record<string, string[]> | undefined },
  batch: readonly { id?: string | undefined; traceId?: string | undefined }[],
): number | null {
  const id = detail.context?.['objectId']?.[0];
  if (id !== undefined) {
    const i = batch.findIndex((b) => b.id === id);
    return i >= 0 ? i : null;
  }
  const trace = detail.context?.['objectWriteTraceId']?.[0];
  if (trace !== undefined) {
    const i = batch.findIndex((b) => b.traceId === trace);
    return i >= 0 ? i : null;
  }
  const m = /^inputs\[(\d+)\]/.exec(detail.in ?? '');
  if (m?.[1] !== undefined) {
    const i = Number(m[1]);
    return i < batch.length ? i : null;
  }
  return null;
}
