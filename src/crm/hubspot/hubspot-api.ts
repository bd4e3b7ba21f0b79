// Every HubSpot request goes through here: the official SDK (`@hubspot/api-client`) builds and
// sends it; around it we put our limiter (general and search), our retries (backoff with jitter
// on rolling-window 429s, 5xx, 423 and timeouts; DAILY 429 stops), the token (refreshed once on
// 401), per-endpoint call counts and a zod parse of the answer.
//
// The SDK's own retry and limiter stay off: they are process-wide (a singleton set by every
// `new Client`), retry linearly, and its response models drop `policyName`, so a DAILY 429 looks
// like any other. A per-call middleware sees each raw answer first and turns every non-2xx into a
// HubspotHttpError carrying the body as HubSpot sent it.

import { Client } from '@hubspot/api-client';
import type { z } from 'zod';
import type { Logger } from '../../log.ts';
import { CrmError } from '../port.ts';
import { CallStatsRecorder } from '../shared/call-stats.ts';
import { apiPaths, type ApiPaths, type ApiVersion } from './api-paths.ts';
import {
  DEFAULT_RETRY,
  decide,
  HubspotHttpError,
  HubspotTransportError,
  parseErrorBody,
  PROVIDER,
  type RetrySettings,
} from './failures.ts';
import { SlidingWindowLimiter, realTimer, type Timer } from './rate-limiter.ts';
import type { TokenSource } from './token-source.ts';

/** `search` requests have their own 5/s limit; `auth` (the token endpoint) is not limited by us. */
export type CallKind = 'read' | 'write' | 'search' | 'auth';

/** The part of an SDK answer we use (the SDK's HttpInfo). */
interface SdkAnswer<T> {
  httpStatusCode: number;
  headers: Record<string, string>;
  data: T;
}

interface RawResponse {
  httpStatusCode: number;
  headers: Record<string, string>;
  body: { text(): Promise<string> };
}

/** What the SDK's generated methods accept as `_options` to add our middleware for one call. */
export interface CallOptions {
  middleware: {
    pre<C>(context: C): Promise<C>;
    post<R extends RawResponse>(context: R): Promise<R>;
  }[];
  middlewareMergeStrategy: 'append';
}

export type Sender<T> = (sdk: Client, options: CallOptions) => Promise<SdkAnswer<T>>;

export interface HubspotApiOptions {
  basePath: string;
  tokens: TokenSource;
  rateLimitPer10s: number;
  searchPerSecond: number;
  requestTimeoutMs: number;
  logger: Logger;
  timer?: Timer | undefined;
  retry?: Partial<RetrySettings> | undefined;
  /** The API generation whose paths the requests use (default `2026-09`). */
  apiVersion?: ApiVersion | undefined;
}

export class HubspotApi {
  readonly stats = new CallStatsRecorder();
  readonly basePath: string;
  readonly paths: ApiPaths;
  readonly #tokens: TokenSource;
  readonly #general: SlidingWindowLimiter;
  readonly #search: SlidingWindowLimiter;
  readonly #configuredPer10s: number;
  readonly #timeoutMs: number;
  readonly #timer: Timer;
  readonly #retry: RetrySettings;
  readonly #logger: Logger;
  #client: { token: string; sdk: Client } | null = null;

  constructor(options: HubspotApiOptions) {
    this.basePath = options.basePath;
    this.paths = apiPaths(options.apiVersion ?? '2026-09');
    this.#tokens = options.tokens;
    this.#timer = options.timer ?? realTimer;
    this.#general = new SlidingWindowLimiter(options.rateLimitPer10s, 10_000, this.#timer, 50);
    this.#configuredPer10s = options.rateLimitPer10s;
    // A one-second window is tight: a request that queues at HubSpot for a moment still counts
    // in the next second there, so search keeps a wider margin.
    this.#search = new SlidingWindowLimiter(options.searchPerSecond, 1000, this.#timer, 150);
    this.#timeoutMs = options.requestTimeoutMs;
    this.#retry = { ...DEFAULT_RETRY, ...options.retry };
    this.#logger = options.logger;
  }

  /** Requests per ten seconds our limiter allows now (below the configured rate while others share the budget). */
  get currentLimit(): number {
    return this.#general.limit;
  }

  get timer(): Timer {
    return this.#timer;
  }

  /** An SDK client for a token (no SDK retries, no SDK limiter: both are ours). */
  #sdk(token: string): Client {
    if (this.#client?.token !== token) {
      this.#client = {
        token,
        sdk: new Client({ accessToken: token, basePath: this.basePath, numberOfApiCallRetries: 0 }),
      };
    }
    return this.#client.sdk;
  }

  /**
   * Sends one request (retrying as failures allow) and parses its answer with `schema`.
   * `retry: false` is for non-idempotent writes whose caller checks before trying again.
   */
  async call<S extends z.ZodType>(
    endpoint: string,
    kind: CallKind,
    schema: S,
    send: Sender<unknown>,
    options: { retry?: boolean } = {},
  ): Promise<z.infer<S>> {
    const data = await this.#send(endpoint, kind, send, options.retry ?? true);
    const parsed = schema.safeParse(data);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new CrmError({
        provider: PROVIDER,
        kind: 'bad_payload',
        message: `${endpoint}: the answer does not have the documented shape (${issue ? `${issue.path.join('.') || 'body'}: ${issue.message}` : 'invalid'})`,
        cause: parsed.error,
      });
    }
    return parsed.data;
  }

  /**
   * One request on a path we name (the SDK's generated methods are fixed to the v3/v4 paths), sent
   * through the SDK's generic `apiRequest` with the same limiter, retries, counts and schema parse.
   */
  async request<S extends z.ZodType>(
    endpoint: string,
    kind: CallKind,
    schema: S,
    request: RawRequest,
    options: { retry?: boolean } = {},
  ): Promise<z.infer<S>> {
    return this.call(endpoint, kind, schema, (sdk) => sendRaw(sdk, request), options);
  }

  async #send(endpoint: string, kind: CallKind, send: Sender<unknown>, retry: boolean): Promise<unknown> {
    let refreshed = false;
    for (let attempt = 1; ; attempt++) {
      await this.#acquire(kind);
      const token = kind === 'auth' ? '' : await this.#tokens.token();
      const sdk =
        kind === 'auth' ? new Client({ basePath: this.basePath, numberOfApiCallRetries: 0 }) : this.#sdk(token);
      const seen: SeenAnswer = { status: null };
      try {
        const answer = await this.#withTimeout(send(sdk, callOptions(seen)), endpoint);
        this.stats.record(endpoint, answer.httpStatusCode, answer.httpStatusCode === 429);
        this.#observeHeaders(answer.headers);
        return answer.data;
      } catch (err) {
        this.#recordFailure(endpoint, err, seen);
        if (err instanceof HubspotHttpError) this.#observeHeaders(err.headers);
        if (err instanceof HubspotHttpError && err.status === 401 && !refreshed && kind !== 'auth') {
          refreshed = true;
          const fresh = await this.#tokens.refreshAfter401(token);
          if (fresh !== null) continue;
        }
        const decision = decide(normalise(err), attempt, endpoint, this.#retry);
        if (decision.pauseAllMs > 0) this.#general.pause(decision.pauseAllMs);
        if (decision.delayMs === null || !retry) throw decision.error;
        this.#logger.debug(
          { endpoint, attempt, delayMs: decision.delayMs, reason: decision.error.message },
          'hubspot: retrying',
        );
        await this.#timer.sleep(decision.delayMs);
      }
    }
  }

  async #acquire(kind: CallKind): Promise<void> {
    if (kind === 'auth') return;
    // Search has its own per-second limit; it is counted in the general window too, to be safe.
    // The tighter window is taken last, so its timestamp is the closest to the send.
    await this.#general.acquire();
    if (kind === 'search') await this.#search.acquire();
  }

  /**
   * HubSpot's budget headers: `-Max` requests per `-Interval-Milliseconds` for this app on this
   * portal, `-Remaining` of them left. The budget is shared by every client of the app (another
   * deployment, a script with the same key): what the window used beyond our own requests is
   * theirs, and our limiter takes only the rest, less a margin for requests in flight. At 0
   * remaining everybody waits a moment.
   */
  #observeHeaders(headers: Readonly<Record<string, string>>): void {
    const remaining = Number(headers['x-hubspot-ratelimit-remaining'] ?? NaN);
    const max = Number(headers['x-hubspot-ratelimit-max'] ?? NaN);
    const interval = Number(headers['x-hubspot-ratelimit-interval-milliseconds'] ?? NaN);
    if (!Number.isFinite(remaining) || !Number.isFinite(max) || max <= 0) return;
    if (remaining <= 0) this.#general.pause(1000);
    // Only a window like ours (ten seconds) can be compared with our own count.
    if (Number.isFinite(interval) && interval !== this.#general.windowMs) return;
    const others = Math.max(0, max - remaining - this.#general.inWindow());
    if (others === 0) {
      this.#general.setLimit(this.#configuredPer10s);
      return;
    }
    const margin = Math.max(2, Math.ceil(max * 0.05));
    this.#general.setLimit(Math.min(this.#configuredPer10s, max - others - margin));
  }

  #recordFailure(endpoint: string, err: unknown, seen: SeenAnswer): void {
    if (err instanceof HubspotHttpError) this.stats.record(endpoint, err.status, err.status === 429);
    else if (err instanceof HubspotTransportError) this.stats.record(endpoint, err.reason);
    else if (seen.status !== null)
      this.stats.record(endpoint, seen.status, seen.status === 429); // answered, but the SDK could not read it
    else this.stats.record(endpoint, transportFailure(err) ? 'network' : 'error');
  }

  #withTimeout<T>(promise: Promise<T>, endpoint: string): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => {
        reject(new HubspotTransportError('timeout', `no answer within ${this.#timeoutMs} ms`));
      }, this.#timeoutMs);
    });
    // An abandoned request may still settle later; nobody is waiting for it then.
    promise.catch((err: unknown) => {
      this.#logger.trace({ endpoint, err }, 'hubspot: late answer of an abandoned request');
    });
    return Promise.race([promise, timeout]).finally(() => {
      clearTimeout(timer);
    });
  }
}

/** A request on an explicit path: query values left undefined are not sent; `form` is sent url-encoded. */
export interface RawRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  path: string;
  /** Query values; a list repeats the parameter (`properties=a&properties=b`), as the SDK sends it. */
  query?: Record<string, string | readonly string[] | undefined>;
  json?: unknown;
  form?: Record<string, string | undefined>;
}

async function sendRaw(sdk: Client, request: RawRequest): Promise<SdkAnswer<unknown>> {
  const defined = (values: Record<string, string | undefined>): Record<string, string> =>
    Object.fromEntries(Object.entries(values).filter((e): e is [string, string] => e[1] !== undefined));
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(request.query ?? {})) {
    if (value === undefined) continue;
    for (const v of typeof value === 'string' ? [value] : value) query.append(name, v);
  }
  const qs = query.toString();
  const res = await sdk.apiRequest({
    method: request.method,
    path: qs === '' ? request.path : `${request.path}?${qs}`,
    ...(request.form
      ? {
          body: new URLSearchParams(defined(request.form)).toString(),
          defaultJson: false,
          headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
        }
      : request.json === undefined
        ? {}
        : { body: request.json }),
  });
  const headers: Record<string, string> = {};
  res.headers.forEach((value, name) => {
    headers[name] = value;
  });
  const text = await res.text();
  if (res.status >= 400) throw new HubspotHttpError(res.status, parseErrorBody(text), headers);
  let data: unknown = null;
  if (text !== '') {
    try {
      data = JSON.parse(text) as unknown;
    } catch (err) {
      throw new CrmError({
        provider: PROVIDER,
        kind: 'bad_payload',
        status: res.status,
        message: `${request.method} ${request.path}: the answer is not JSON`,
        cause: err,
      });
    }
  }
  return { httpStatusCode: res.status, headers, data };
}

/** fetch rejects with a TypeError ("fetch failed") whose cause is the socket error. */
function transportFailure(err: unknown): boolean {
  if (!(err instanceof TypeError)) return false;
  const cause = err.cause instanceof Error ? `${err.cause.name} ${err.cause.message}` : '';
  return /fetch failed|terminated|socket|network|ECONN|EPIPE|ETIMEDOUT|UND_ERR/i.test(`${err.message} ${cause}`);
}

function normalise(err: unknown): unknown {
  if (err instanceof HubspotHttpError || err instanceof HubspotTransportError) return err;
  if (transportFailure(err))
    return new HubspotTransportError('network', err instanceof Error ? err.message : String(err), err);
  return err;
}

interface SeenAnswer {
  status: number | null;
}

/** One call's middleware: the raw answer, before the SDK turns it into a model (or a lossy error). */
function callOptions(seen: SeenAnswer): CallOptions {
  return {
    middleware: [
      {
        pre: (context) => Promise.resolve(context),
        post: async (context) => {
          seen.status = context.httpStatusCode;
          if (context.httpStatusCode >= 400) {
            throw new HubspotHttpError(
              context.httpStatusCode,
              parseErrorBody(await context.body.text()),
              context.headers,
            );
          }
          return context;
        },
      },
    ],
    middlewareMergeStrategy: 'append',
  };
}
