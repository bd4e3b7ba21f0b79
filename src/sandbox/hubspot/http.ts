// Request plumbing shared by the HubSpot routes: JSON bodies (with their raw length, for the
// search body limit), zod parsing into HubSpot's 400, query lists, batch-size checks.

import type { IncomingMessage } from 'node:http';
import express, { type Request, type RequestHandler } from 'express';
import type { z } from 'zod';
import { limitValue, type LimitSettings, type PersonalityContext } from '../personality.ts';
import { notFound, validationError } from './errors.ts';
import { objectTypeOf, type HsObjectType } from './object-types.ts';
import type { HubspotState } from './state.ts';

/** What every HubSpot route module receives. */
export interface HubspotDeps {
  state: HubspotState;
  ctx: PersonalityContext;
}

const rawLengths = new WeakMap<IncomingMessage, number>();

export const jsonBody: RequestHandler = express.json({
  limit: '20mb',
  type: () => true,
  verify: (req, _res, buf) => {
    rawLengths.set(req, buf.length);
  },
});

export function rawBodyLength(req: IncomingMessage): number {
  return rawLengths.get(req) ?? 0;
}

export function parseBody<T extends z.ZodType>(schema: T, body: unknown): z.infer<T> {
  const parsed = schema.safeParse(body ?? {});
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    const where = first && first.path.length > 0 ? ` at ${first.path.join('.')}` : '';
    throw validationError(
      `Invalid input JSON${where}: ${first?.message ?? 'does not match the expected shape'}`,
      parsed.error.issues.map((i) => ({ message: i.message, in: i.path.join('.') })),
    );
  }
  return parsed.data;
}

/** `properties=a&properties=b` and `properties=a,b` both give [a, b]. */
export function listParam(value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  const items = Array.isArray(value) ? value : [value];
  return items
    .flatMap((v) => (typeof v === 'string' ? v.split(',') : []))
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

export function boolParam(value: unknown): boolean {
  return value === 'true' || value === true;
}

export function intParam(value: unknown, fallback: number): number {
  if (typeof value !== 'string' || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw validationError(`${value} is not a valid non-negative integer.`);
  return n;
}

export function objectTypeParam(name: string | undefined): HsObjectType {
  const type = objectTypeOf(name ?? '');
  if (!type) throw notFound(`Unable to infer object type from: ${name ?? ''}`);
  return type;
}

/** Batch endpoints take at most 100 inputs (switchable as `hubspot.batch`). */
export function checkBatchSize(count: number, limits: LimitSettings, name = 'hubspot.batch', real = 100): void {
  const max = limitValue(limits, name, real);
  if (max !== null && count > max)
    throw validationError(`Batch input is limited to ${max} items; got ${count}.`, [
      { message: `Too many inputs: ${count} > ${max}`, code: 'TOO_MANY_INPUTS' },
    ]);
}

export function batchEnvelope(
  results: unknown[],
  startedAt: number,
  completedAt: number,
  errors: unknown[] = [],
): Record<string, unknown> {
  const out: Record<string, unknown> = {
    status: 'COMPLETE',
    results,
    startedAt: new Date(startedAt).toISOString(),
    completedAt: new Date(completedAt).toISOString(),
  };
  if (errors.length > 0) {
    out['errors'] = errors;
    out['numErrors'] = errors.length;
  }
  return out;
}

/** A path parameter as a string (express types lose the names once a body parser sits in front). */
export function param(req: Request, name: string): string {
  const value: unknown = (req.params as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : '';
}
