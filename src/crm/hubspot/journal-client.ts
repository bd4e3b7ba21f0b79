// HubSpot's webhooks journal (2026-03), read with the app's own token: client credentials on
// /oauth/v1/token with the journal scopes (an install's token or a service key is refused), kept
// until shortly before it expires. Calls go through HubspotApi (retries, timeouts, a refresh on
// 401, a zod parse of every answer) on an instance of their own: HubSpot exempts the journal from
// the ten-second and daily limits, so it never takes from the budget the syncs use.
// https://developers.hubspot.com/docs/api-reference/latest/webhooks-journal/guide
// https://developers.hubspot.com/docs/api-reference/latest/webhooks-journal/journal-entries/guide
// https://developers.hubspot.com/docs/apps/developer-platform/build-apps/authentication/overview#client-credentials

import type { Client } from '@hubspot/api-client';
import type { z } from 'zod';
import type { Logger } from '../../log.ts';
import { CrmError } from '../port.ts';
import { HubspotHttpError, parseErrorBody, PROVIDER, type RetrySettings } from './failures.ts';
import { HubspotApi, type CallKind } from './hubspot-api.ts';
import {
  clientCredentialsRaw,
  journalBatchRaw,
  journalFileRaw,
  journalSubscriptionRaw,
  journalSubscriptionsRaw,
  type JournalEventRaw,
  type JournalFetchRaw,
  type JournalSubscriptionRaw,
} from './journal-schemas.ts';
import type { Timer } from './rate-limiter.ts';
import { oauthToken } from './token-source.ts';

const VERSION = '2026-03';
const JOURNAL = `/webhooks-journal/journal-local/${VERSION}`;
const SUBSCRIPTIONS = `/webhooks-journal/subscriptions/${VERSION}`;

/** What the app's client-credentials token asks for: the journal and its subscriptions, and the objects read. */
export const JOURNAL_SCOPES = [
  'developer.webhooks_journal.read',
  'developer.webhooks_journal.subscriptions.read',
  'developer.webhooks_journal.subscriptions.write',
  'crm.objects.deals.read',
  'crm.objects.companies.read',
] as const;

export interface JournalCredentials {
  clientId: string;
  clientSecret: string;
}

export interface JournalClientOptions {
  basePath: string;
  credentials: JournalCredentials;
  requestTimeoutMs: number;
  logger: Logger;
  timer?: Timer | undefined;
  retry?: Partial<RetrySettings> | undefined;
}

/** What to subscribe to, in the subscription API's terms. */
export type SubscriptionInput =
  | {
      subscriptionType: 'OBJECT';
      objectTypeId: string;
      portalId: number;
      actions: string[];
      properties: string[];
      objectIds: number[];
    }
  | {
      subscriptionType: 'ASSOCIATION';
      objectTypeId: string;
      portalId: number;
      actions: string[];
      associatedObjectTypeIds: string[];
      objectIds: number[];
    };

/** An offset HubSpot no longer keeps (or never had): events after it may be lost. */
export class JournalOffsetGone extends Error {
  override readonly name = 'JournalOffsetGone';
}

export class JournalClient {
  readonly api: HubspotApi;
  readonly #timeoutMs: number;

  constructor(options: JournalClientOptions) {
    const timer = options.timer;
    let api: HubspotApi | null = null;
    const tokens = oauthToken({
      // client credentials have no refresh token: each "refresh" asks for a new token
      refreshToken: '',
      now: () => (timer ? timer.now() : Date.now()),
      exchange: async () => {
        if (api === null) throw new Error('hubspot journal: token before the client exists');
        const issued = await requestToken(api, options.credentials);
        return { accessToken: issued.access_token, expiresIn: issued.expires_in };
      },
    });
    api = new HubspotApi({
      basePath: options.basePath,
      tokens,
      // exempt from HubSpot's limits; ours only keeps a runaway loop polite
      rateLimitPer10s: 1000,
      searchPerSecond: 50,
      requestTimeoutMs: options.requestTimeoutMs,
      logger: options.logger,
      timer,
      retry: options.retry,
    });
    this.api = api;
    this.#timeoutMs = options.requestTimeoutMs;
  }

  /** The last `count` entries, oldest first. */
  async latest(portalId: string, count: number): Promise<JournalFetchRaw[]> {
    return (await this.#batch(`GET ${JOURNAL}/batch/latest/{count}`, `${JOURNAL}/batch/latest/${count}`, portalId))
      .results;
  }

  /** The first `count` entries still kept. */
  async earliest(portalId: string, count: number): Promise<JournalFetchRaw[]> {
    return (await this.#batch(`GET ${JOURNAL}/batch/earliest/{count}`, `${JOURNAL}/batch/earliest/${count}`, portalId))
      .results;
  }

  /** Up to `count` entries after `offset`; throws JournalOffsetGone when HubSpot no longer has the offset. */
  async next(portalId: string, offset: string, count: number): Promise<JournalFetchRaw[]> {
    try {
      const path = `${JOURNAL}/batch/${encodeURIComponent(offset)}/next/${count}`;
      return (await this.#batch(`GET ${JOURNAL}/batch/{offset}/next/{count}`, path, portalId)).results;
    } catch (err) {
      if (err instanceof CrmError && err.status === 404)
        throw new JournalOffsetGone(`journal offset ${offset} is not in HubSpot's webhooks journal`, { cause: err });
      throw err;
    }
  }

  /**
   * The events of one entry. Its link is short-lived: when it has expired (403), the entry is
   * asked for again by its offset and the fresh link read.
   */
  async events(portalId: string, entry: JournalFetchRaw): Promise<JournalEventRaw[]> {
    const first = await this.#file(entry.url);
    if (first !== 'expired') return first;
    const again = await this.api.call(`POST ${JOURNAL}/batch/read`, 'read', journalBatchRaw, (sdk) =>
      send(sdk, {
        method: 'POST',
        path: `${JOURNAL}/batch/read`,
        qs: { installPortalId: portalId },
        body: { inputs: [entry.currentOffset] },
      }),
    );
    const fresh = again.results.find((r) => r.currentOffset === entry.currentOffset);
    if (fresh === undefined) throw new JournalOffsetGone(`journal entry ${entry.currentOffset} is no longer kept`);
    const second = await this.#file(fresh.url);
    if (second === 'expired')
      throw new CrmError({
        provider: PROVIDER,
        kind: 'unavailable',
        message: `journal file ${entry.currentOffset}: the fresh link was refused`,
      });
    return second;
  }

  async subscriptions(): Promise<JournalSubscriptionRaw[]> {
    return (
      await this.api.call(`GET ${SUBSCRIPTIONS}`, 'read', journalSubscriptionsRaw, (sdk) =>
        send(sdk, { method: 'GET', path: SUBSCRIPTIONS }),
      )
    ).results;
  }

  /** Creates (or updates) a subscription; the API upserts, so a retry is harmless. */
  upsertSubscription(input: SubscriptionInput): Promise<JournalSubscriptionRaw> {
    return this.api.call(`POST ${SUBSCRIPTIONS}`, 'write', journalSubscriptionRaw, (sdk) =>
      send(sdk, { method: 'POST', path: SUBSCRIPTIONS, body: input }),
    );
  }

  #batch(endpoint: string, path: string, portalId: string): Promise<z.infer<typeof journalBatchRaw>> {
    return this.api.call(endpoint, 'read', journalBatchRaw, (sdk) =>
      send(sdk, { method: 'GET', path, qs: { installPortalId: portalId } }),
    );
  }

  /** A pre-signed storage link: fetched as is, without our bearer token. */
  async #file(url: string): Promise<JournalEventRaw[] | 'expired'> {
    const endpoint = 'GET journal file';
    let res: Response;
    try {
      res = await fetch(url, { signal: AbortSignal.timeout(this.#timeoutMs) });
    } catch (err) {
      this.api.stats.record(endpoint, 'network');
      throw new CrmError({
        provider: PROVIDER,
        kind: 'unavailable',
        message: `journal file: ${String(err)}`,
        cause: err,
      });
    }
    this.api.stats.record(endpoint, res.status);
    if (res.status === 403) return 'expired';
    const text = await res.text();
    if (!res.ok)
      throw new CrmError({
        provider: PROVIDER,
        kind: res.status >= 500 ? 'unavailable' : 'not_found',
        status: res.status,
        message: `journal file: answered ${res.status}`,
      });
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (err) {
      throw new CrmError({ provider: PROVIDER, kind: 'bad_payload', message: 'journal file: not JSON', cause: err });
    }
    const parsed = journalFileRaw.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new CrmError({
        provider: PROVIDER,
        kind: 'bad_payload',
        message: `journal file: not a list of events (${issue ? `${issue.path.join('.') || 'body'}: ${issue.message}` : 'invalid'})`,
        cause: parsed.error,
      });
    }
    return parsed.data;
  }
}

interface RawRequest {
  method: 'GET' | 'POST';
  path: string;
  qs?: Record<string, string>;
  body?: unknown;
}

/** One request through the SDK's generic `apiRequest`: non-2xx answers become HubspotHttpError. */
async function send(
  sdk: Client,
  request: RawRequest,
): Promise<{ httpStatusCode: number; headers: Record<string, string>; data: unknown }> {
  const res = await sdk.apiRequest({
    method: request.method,
    path: request.path,
    ...(request.qs === undefined ? {} : { qs: request.qs }),
    ...(request.body === undefined ? {} : { body: request.body }),
  });
  return answer(res);
}

async function answer(
  res: Response,
): Promise<{ httpStatusCode: number; headers: Record<string, string>; data: unknown }> {
  const headers: Record<string, string> = {};
  res.headers.forEach((value, name) => {
    headers[name] = value;
  });
  const text = await res.text();
  if (res.status >= 400) throw new HubspotHttpError(res.status, parseErrorBody(text), headers);
  return { httpStatusCode: res.status, headers, data: text === '' ? null : (JSON.parse(text) as unknown) };
}

/** POST /oauth/v1/token, grant_type=client_credentials, with the journal scopes. */
function requestToken(api: HubspotApi, credentials: JournalCredentials): Promise<z.infer<typeof clientCredentialsRaw>> {
  const kind: CallKind = 'auth';
  return api.call('POST /oauth/v1/token', kind, clientCredentialsRaw, async (sdk) => {
    const res = await sdk.apiRequest({
      method: 'POST',
      path: '/oauth/v1/token',
      defaultJson: false,
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: credentials.clientId,
        client_secret: credentials.clientSecret,
        scope: JOURNAL_SCOPES.join(' '),
      }).toString(),
    });
    return answer(res);
  });
}
