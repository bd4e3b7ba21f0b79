// The one door to Salesforce: a jsforce Connection (API version always set, session refreshed by
// jsforce on 401 through our refresh function) with what jsforce leaves to us around each call:
// the daily-allocation guard (`Sforce-Limit-Info` on every response, stop before the reserve),
// retries of idempotent calls on 5xx and network failures (jsforce's own retries are switched off
// so every attempt is counted and bounded here), errors as CrmError, and call statistics.
// https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/headers_api_usage.htm

import jsforce, { type Connection, type HttpRequest, type HttpResponse } from 'jsforce';
import type { z } from 'zod';
import type { Logger } from '../../log.ts';
import { CrmError, type CallStats } from '../port.ts';
import { CallStatsRecorder } from '../shared/call-stats.ts';
import { backoffDelay, DEFAULT_BACKOFF, sleep as realSleep, type BackoffPolicy } from '../shared/retry.ts';
import { SalesforceAuth, type SalesforceCredentials, type SalesforceSession, type TokenListener } from './auth.ts';
import { badPayload, httpError, networkError, reserveReached } from './errors.ts';
import { parseJsonExact } from './json.ts';
import { encodeQueryValue } from './soql.ts';

export interface SalesforceClientOptions {
  apiVersion: string;
  loginUrl: string;
  /** Overrides the instance URL the token endpoint names (My Domain setups, the sandbox). */
  instanceUrl?: string | undefined;
  credentials: SalesforceCredentials;
  onTokens?: TokenListener | undefined;
  /** The refresh token as last stored (the credential vault): another adapter, in a worker thread or another process, may have rotated it. Read before each refresh grant. */
  currentRefreshToken?: (() => Promise<string>) | undefined;
  /** Share of the daily allocation left for other integrations (crm.salesforce.dailyReservePercent). */
  reservePercent: number;
  logger: Logger;
  requestTimeoutMs?: number | undefined;
  backoff?: BackoffPolicy | undefined;
  sleep?: ((ms: number) => Promise<void>) | undefined;
  random?: (() => number) | undefined;
  now?: (() => number) | undefined;
}

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE';

export interface SfRequest {
  method: HttpMethod;
  /** Relative to the versioned root (`/query`), or from the host (`/services/data/v66.0/…`). */
  path: string;
  query?: Readonly<Record<string, string>> | undefined;
  headers?: Readonly<Record<string, string>> | undefined;
  /** A JSON body, sent as is. */
  body?: string | undefined;
  /** True when sending it twice does no harm (reads, updates by id): retried on 5xx and network failures. */
  idempotent: boolean;
  /** Names the call in errors: "query Opportunity", "update 200 records". */
  what: string;
}

export interface SfResponse {
  status: number;
  headers: Readonly<Record<string, string>>;
  body: string;
}

export interface ApiUsage {
  used: number;
  limit: number;
}

const DEFAULT_TIMEOUT_MS = 120_000;
/** How long an Sforce-Limit-Info reading is trusted by the reserve guard. */
const USAGE_FRESH_MS = 60_000;
const LIMIT_INFO = /api-usage=(\d+)\/(\d+)/;
const ID_SEGMENT = /^[0-9A-Za-z]{15}(?:[0-9A-Za-z]{3})?$/;
const LOCATOR_SEGMENT = /^01g[0-9A-Za-z]{12,15}-\d+$/;

/** "GET /services/data/v66.0/query/{locator}": the path with ids and locators templated. */
export function endpointKey(method: string, url: string): string {
  const path = url.replace(/^https?:\/\/[^/]+/, '').split('?')[0] ?? '';
  const segments = path
    .split('/')
    .map((s) => (LOCATOR_SEGMENT.test(s) ? '{locator}' : ID_SEGMENT.test(s) && /\d/.test(s) ? '{id}' : s));
  return `${method} ${segments.join('/')}`;
}

export class SalesforceClient {
  readonly conn: Connection;
  readonly apiVersion: string;
  readonly #options: SalesforceClientOptions;
  readonly #auth: SalesforceAuth;
  readonly #stats = new CallStatsRecorder();
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #random: () => number;
  #session: SalesforceSession | null = null;
  #sessionPending: Promise<SalesforceSession> | null = null;
  #usage: ApiUsage | null = null;
  #usageAt = 0;
  /** Why the last session refresh jsforce asked for failed (read by the request that triggered it). */
  #refreshFailure: unknown = null;
  readonly #now: () => number;

  constructor(options: SalesforceClientOptions) {
    this.#options = options;
    this.apiVersion = options.apiVersion;
    this.#sleep = options.sleep ?? realSleep;
    this.#random = options.random ?? Math.random;
    this.#now = options.now ?? Date.now;
    const clientSecret = options.credentials.flow === 'jwt' ? undefined : options.credentials.clientSecret;
    this.conn = new jsforce.Connection({
      loginUrl: options.loginUrl,
      version: options.apiVersion,
      oauth2: {
        clientId: options.credentials.clientId,
        loginUrl: options.loginUrl,
        ...(clientSecret === undefined ? {} : { clientSecret }),
      },
      // jsforce calls this after a 401 and retries the request with the new token.
      refreshFn: (conn, callback) => {
        this.#auth.grant().then(
          (session) => {
            this.#establish(conn, session);
            callback(null, session.accessToken);
          },
          (err: unknown) => {
            this.#refreshFailure = err;
            callback(err instanceof Error ? err : new Error(String(err)));
          },
        );
      },
    });
    this.#auth = new SalesforceAuth({
      credentials: options.credentials,
      loginUrl: options.loginUrl,
      onTokens: options.onTokens,
      currentRefreshToken: options.currentRefreshToken,
      now: this.#now,
      sleep: this.#sleep,
      random: this.#random,
      backoff: options.backoff ?? DEFAULT_BACKOFF,
      record: (status) => {
        this.#stats.record('POST /services/oauth2/token', status);
      },
    });
  }

  /** The current session (logging in first if needed): org id and integration user id. */
  async session(): Promise<SalesforceSession> {
    if (this.#session !== null) return this.#session;
    this.#sessionPending ??= this.#auth
      .grant()
      .then((session) => {
        this.#establish(this.conn, session);
        return session;
      })
      .finally(() => {
        this.#sessionPending = null;
      });
    return this.#sessionPending;
  }

  /**
   * A new session in place of the current one (a non-REST caller, such as the Pub/Sub API
   * stream, was refused the current token), through the same grant as every other refresh.
   */
  renewSession(): Promise<SalesforceSession> {
    this.#session = null;
    return this.session();
  }

  #establish(conn: Connection, session: SalesforceSession): void {
    const instanceUrl = this.#options.instanceUrl ?? session.instanceUrl;
    this.#session = { ...session, instanceUrl };
    conn._establish({ instanceUrl, accessToken: session.accessToken });
  }

  callStats(): CallStats {
    return this.#stats.snapshot();
  }

  usage(): ApiUsage | null {
    return this.#usage === null ? null : { ...this.#usage };
  }

  /** `/services/data/v66.0` + path. */
  versioned(path: string): string {
    return `/services/data/v${this.apiVersion}${path}`;
  }

  /** Sends a request; non-2xx answers become CrmError; idempotent calls are retried on transient failures. */
  async send(req: SfRequest): Promise<SfResponse> {
    const policy = this.#options.backoff ?? DEFAULT_BACKOFF;
    for (let attempt = 1; ; attempt++) {
      this.#guardReserve();
      await this.session();
      const outcome = await this.#attempt(req);
      if ('response' in outcome && outcome.response.statusCode < 300) {
        return { status: outcome.response.statusCode, headers: outcome.response.headers, body: outcome.response.body };
      }
      const error =
        'response' in outcome
          ? httpError(`Salesforce ${req.what}`, outcome.response.statusCode, outcome.response.body)
          : networkError(`Salesforce ${req.what}`, outcome.error);
      if (error.kind !== 'unavailable' || !req.idempotent || attempt >= policy.maxAttempts) throw error;
      const delay = backoffDelay(policy, attempt, this.#random);
      this.#options.logger.warn(
        { what: req.what, attempt, delayMs: delay, err: error.message },
        'salesforce: retrying',
      );
      await this.#sleep(delay);
    }
  }

  /** Sends a request and parses its JSON body; `exactNumbers` keeps numbers as their source text (money). */
  async json<S extends z.ZodType>(
    req: SfRequest,
    schema: S,
    options: { exactNumbers?: boolean } = {},
  ): Promise<z.output<S>> {
    return (await this.jsonResponse(req, schema, options)).data;
  }

  /** As `json`, with the response headers and the server's clock (the Date header, ms) when it sent them. */
  async jsonResponse<S extends z.ZodType>(
    req: SfRequest,
    schema: S,
    options: { exactNumbers?: boolean } = {},
  ): Promise<{ data: z.output<S>; headers: Readonly<Record<string, string>>; serverTime: number | null }> {
    const res = await this.send(req);
    const date = res.headers['date'];
    const serverTime = date === undefined ? null : Date.parse(date);
    return {
      data: this.#parse(req, res, schema, options),
      headers: res.headers,
      serverTime: serverTime === null || Number.isNaN(serverTime) ? null : serverTime,
    };
  }

  #parse<S extends z.ZodType>(
    req: SfRequest,
    res: SfResponse,
    schema: S,
    options: { exactNumbers?: boolean },
  ): z.output<S> {
    let raw: unknown;
    try {
      raw = options.exactNumbers === true ? parseJsonExact(res.body) : JSON.parse(res.body);
    } catch (err) {
      throw badPayload(`Salesforce ${req.what}`, 'body is not JSON', err);
    }
    const parsed = schema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw badPayload(
        `Salesforce ${req.what}`,
        `${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`,
        parsed.error,
      );
    }
    return parsed.data;
  }

  /**
   * Stops before this call would take the org's remaining allocation below the reserve. Usage
   * seen more than a minute ago is not trusted (other integrations call too, and the 24-hour
   * window moves on): the next call goes out and its header tells again.
   */
  #guardReserve(): void {
    const u = this.#usage;
    if (u === null || u.limit <= 0 || this.#now() - this.#usageAt > USAGE_FRESH_MS) return;
    const floor = (u.limit * this.#options.reservePercent) / 100;
    if (u.limit - u.used - 1 < floor) throw reserveReached(u.used, u.limit, this.#options.reservePercent);
  }

  /**
   * One exchange through jsforce (which may add a token refresh and a second exchange). A
   * per-call transport sees every HTTP response, so status, headers and raw body are ours to
   * read whatever jsforce makes of them.
   */
  async #attempt(req: SfRequest): Promise<{ response: HttpResponse } | { error: unknown }> {
    const url = this.#url(req);
    let last: HttpResponse | undefined;
    const base = this.conn._transport;
    const observe = (res: HttpResponse): void => {
      last = res;
      this.#observe(req.method, url, res);
    };
    const transport = {
      httpRequest: (r: HttpRequest, o?: object) => {
        const pending = base.httpRequest(r, o);
        pending.then(observe, (err: unknown) => {
          this.#stats.record(
            endpointKey(r.method, r.url),
            err instanceof Error && err.name === 'AbortError' ? 'timeout' : 'network',
          );
        });
        return pending;
      },
    };
    const request: HttpRequest = {
      method: req.method,
      url,
      headers: { ...(req.body === undefined ? {} : { 'content-type': 'application/json' }), ...req.headers },
      ...(req.body === undefined ? {} : { body: req.body }),
    };
    try {
      await this.conn.request(request, {
        transport,
        responseType: 'text/plain',
        timeout: this.#options.requestTimeoutMs ?? DEFAULT_TIMEOUT_MS,
        retry: { maxRetries: 0 },
      });
    } catch (err) {
      if (last === undefined) return { error: err };
      const refresh = this.#refreshFailure;
      this.#refreshFailure = null;
      if (last.statusCode === 401 && refresh !== null) {
        // The session expired and getting a new one failed: a token endpoint that was down is
        // worth another attempt; a refused grant is an auth failure, with the grant's reason.
        if (refresh instanceof CrmError && refresh.kind === 'unavailable') return { error: refresh };
        const reason = refresh instanceof Error ? refresh.message : 'unknown failure';
        return {
          response: {
            ...last,
            body: JSON.stringify([
              { errorCode: 'INVALID_SESSION_ID', message: `session expired and could not be refreshed: ${reason}` },
            ]),
          },
        };
      }
      return { response: last };
    }
    if (last === undefined) return { error: new Error('no response') };
    return { response: last };
  }

  #url(req: SfRequest): string {
    const path = req.path.startsWith('/services/') ? req.path : this.versioned(req.path);
    const query =
      req.query === undefined
        ? ''
        : `?${Object.entries(req.query)
            .map(([k, v]) => `${encodeQueryValue(k)}=${encodeQueryValue(v)}`)
            .join('&')}`;
    return `${path}${query}`;
  }

  #observe(method: string, url: string, res: HttpResponse): void {
    const info = res.headers['sforce-limit-info'];
    const m = typeof info === 'string' ? LIMIT_INFO.exec(info) : null;
    if (m?.[1] !== undefined && m[2] !== undefined) {
      this.#usage = { used: Number(m[1]), limit: Number(m[2]) };
      this.#usageAt = this.#now();
    }
    const refused = res.statusCode === 403 && res.body.includes('REQUEST_LIMIT_EXCEEDED');
    this.#stats.record(endpointKey(method, url), res.statusCode, refused);
  }
}
