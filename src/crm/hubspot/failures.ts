// What a failed HubSpot request means, and whether and when to try again.
// https://developers.hubspot.com/docs/api-reference/error-handling
// https://developers.hubspot.com/docs/developer-tooling/platform/usage-guidelines

import { backoffDelay } from '../shared/retry.ts';
import { z } from 'zod';
import { CrmError, type CrmErrorKind } from '../port.ts';

export const PROVIDER = 'hubspot';

/** A non-2xx answer with its body as HubSpot sent it (the SDK's models drop `policyName`). */
export class HubspotHttpError extends Error {
  override readonly name = 'HubspotHttpError';
  readonly status: number;
  readonly body: HubspotErrorBody;
  readonly headers: Readonly<Record<string, string>>;

  constructor(status: number, body: HubspotErrorBody, headers: Readonly<Record<string, string>>) {
    super(`HubSpot answered ${status}: ${body.message ?? '(no message)'}`);
    this.status = status;
    this.body = body;
    this.headers = headers;
  }
}

/** A request that got no answer in time, or whose connection failed. */
export class HubspotTransportError extends Error {
  override readonly name = 'HubspotTransportError';
  readonly reason: 'timeout' | 'network';

  constructor(reason: 'timeout' | 'network', message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.reason = reason;
  }
}

const errorDetail = z
  .object({
    message: z.string().optional(),
    code: z.string().optional(),
    in: z.string().optional(),
    context: z.record(z.string(), z.array(z.string())).optional(),
  })
  .loose();

export const hubspotErrorBody = z
  .object({
    status: z.string().optional(),
    message: z.string().optional(),
    category: z.string().optional(),
    subCategory: z.string().optional(),
    errorType: z.string().optional(),
    policyName: z.string().optional(),
    correlationId: z.string().optional(),
    context: z.record(z.string(), z.unknown()).optional(),
    errors: z.array(errorDetail).optional(),
  })
  .loose();
export type HubspotErrorBody = z.infer<typeof hubspotErrorBody>;

/** Parses an error answer's text; a body that is not HubSpot's JSON keeps its text as the message. */
export function parseErrorBody(text: string): HubspotErrorBody {
  if (text.trim() === '') return {};
  try {
    const parsed = hubspotErrorBody.safeParse(JSON.parse(text));
    if (parsed.success) return parsed.data;
  } catch (err) {
    // Not JSON (a proxy's HTML page): keep the start of the text as the message below.
    if (!(err instanceof SyntaxError)) throw err;
  }
  return { message: text.slice(0, 300) };
}

/** The most specific reason HubSpot gives: the first detail's message, else the message. */
export function reasonOf(body: HubspotErrorBody): string {
  const details = (body.errors ?? [])
    .map((e) => e.message)
    .filter((m): m is string => typeof m === 'string' && m !== '');
  const base = body.message ?? body.category ?? 'no message';
  return details.length > 0 ? details.join('; ') : base;
}

export interface RetryDecision {
  /** Try again after `delayMs`; null: give up with `error`. */
  delayMs: number | null;
  error: CrmError;
  /** Everyone should wait this long (a rolling-window 429). */
  pauseAllMs: number;
}

export interface RetrySettings {
  /** Total attempts, the first included. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  random: () => number;
}

export const DEFAULT_RETRY: RetrySettings = {
  maxAttempts: 7,
  baseDelayMs: 500,
  maxDelayMs: 30_000,
  random: Math.random,
};

/** Exponential backoff with jitter (src/crm/shared/retry.ts) from a base that depends on the failure. */
export function backoff(attempt: number, baseMs: number, settings: RetrySettings): number {
  return backoffDelay(
    { maxAttempts: settings.maxAttempts, baseMs, maxMs: settings.maxDelayMs },
    attempt,
    settings.random,
  );
}

function retryAfterMs(headers: Readonly<Record<string, string>>): number | null {
  const value = headers['retry-after'];
  if (value === undefined) return null;
  const seconds = Number(value);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : null;
}

/** Decides what a failure of attempt `attempt` (1-based) means. */
export function decide(err: unknown, attempt: number, endpoint: string, settings: RetrySettings): RetryDecision {
  const last = attempt >= settings.maxAttempts;
  if (err instanceof HubspotTransportError) {
    const error = new CrmError({
      provider: PROVIDER,
      kind: 'unavailable',
      code: err.reason === 'timeout' ? 'TIMEOUT' : 'NETWORK',
      message: `${endpoint}: ${err.message}`,
      cause: err,
    });
    return { delayMs: last ? null : backoff(attempt, 1000, settings), error, pauseAllMs: 0 };
  }
  if (!(err instanceof HubspotHttpError)) {
    return {
      delayMs: null,
      error: new CrmError({
        provider: PROVIDER,
        kind: 'bad_payload',
        message: `${endpoint}: ${err instanceof Error ? err.message : String(err)}`,
        cause: err,
      }),
      pauseAllMs: 0,
    };
  }
  const { status, body, headers } = err;
  const hinted = retryAfterMs(headers);
  const make = (kind: CrmErrorKind, code: string | null, retryAfter: number | null = null): CrmError =>
    new CrmError({
      provider: PROVIDER,
      kind,
      status,
      code,
      retryAfterMs: retryAfter,
      cause: err,
      message: `${endpoint} answered ${status}${code ? ` ${code}` : ''}: ${reasonOf(body)}${body.correlationId ? ` (correlationId ${body.correlationId})` : ''}`,
    });
  if (status === 429) {
    if (body.policyName === 'DAILY') {
      return { delayMs: null, error: make('quota_exhausted', 'DAILY', null), pauseAllMs: 0 };
    }
    const policy = body.policyName ?? 'RATE_LIMIT';
    // A rolling 10-second window frees up gradually: wait at least a second, more on repeats.
    const delay = Math.max(backoff(attempt, 2000, settings), hinted ?? 0);
    return {
      delayMs: last ? null : delay,
      error: make('rate_limited', policy, delay),
      pauseAllMs: policy === 'TEN_SECONDLY_ROLLING' ? delay : 0,
    };
  }
  if (status === 423) {
    const delay = Math.max(2000, backoff(attempt, 2000, settings), hinted ?? 0);
    return { delayMs: last ? null : delay, error: make('unavailable', 'LOCKED', delay), pauseAllMs: 0 };
  }
  if (status >= 500) {
    const delay = Math.max(backoff(attempt, settings.baseDelayMs, settings), hinted ?? 0);
    return { delayMs: last ? null : delay, error: make('unavailable', body.category ?? null, delay), pauseAllMs: 0 };
  }
  if (status === 401 || status === 403)
    return { delayMs: null, error: make('auth', body.category ?? null), pauseAllMs: 0 };
  if (status === 404) return { delayMs: null, error: make('not_found', body.category ?? null), pauseAllMs: 0 };
  return { delayMs: null, error: make('invalid_request', body.category ?? null), pauseAllMs: 0 };
}
