// OAuth for the Salesforce connector: the client-credentials flow (an External Client App's
// consumer key and secret, running as the app's "run as" user), the JWT bearer flow (the app's
// certificate; the assertion is signed here with node:crypto, RS256) or the refresh-token flow.
// `crm.salesforce.auth` picks one (default: from which variables are set). Tokens come from the
// token endpoint; the answer names the instance URL and, in its `id` URL, the org and the
// integration user. Every flow can be run again when a session expires (jsforce's refresh hook).
// https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_client_credentials_flow.htm
// https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_jwt_flow.htm
// https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_refresh_token_flow.htm

import { createPrivateKey, createSign, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import { ConfigError } from '../../config/errors.ts';
import { CrmError } from '../port.ts';
import { envValue } from '../provider.ts';
import { backoffDelay, DEFAULT_BACKOFF, type BackoffPolicy } from '../shared/retry.ts';
import type { AuthFlow } from './config.ts';
import { PROVIDER } from './errors.ts';

export const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
/** Salesforce accepts assertions that expire within three minutes. */
const ASSERTION_LIFETIME_S = 180;

export type SalesforceCredentials =
  | { flow: 'client_credentials'; clientId: string; clientSecret: string }
  | { flow: 'refresh_token'; clientId: string; clientSecret: string; refreshToken: string }
  | { flow: 'jwt'; clientId: string; username: string; privateKey: string };

/** The variables each flow reads. */
export const FLOW_VARIABLES: Readonly<Record<AuthFlow, readonly string[]>> = {
  client_credentials: ['SF_CLIENT_ID', 'SF_CLIENT_SECRET'],
  jwt: ['SF_CLIENT_ID', 'SF_USERNAME', 'SF_JWT_KEY'],
  refresh_token: ['SF_CLIENT_ID', 'SF_CLIENT_SECRET', 'SF_REFRESH_TOKEN'],
};

const FLOW_NAMES: Readonly<Record<AuthFlow, string>> = {
  client_credentials: 'client credentials',
  jwt: 'JWT bearer',
  refresh_token: 'refresh token',
};

/** What a token grant established. */
export interface SalesforceSession {
  accessToken: string;
  instanceUrl: string;
  orgId: string;
  userId: string;
}

/**
 * Told after every token grant. `refreshToken` is set when Salesforce rotated it (refresh-token
 * rotation is a connected-app setting): store it, or the next process starts with a dead token.
 */
export type TokenListener = (tokens: {
  refreshToken: string | null;
  instanceUrl: string;
  orgId: string;
  userId: string;
}) => void | Promise<void>;

/**
 * The flow `crm.salesforce.auth` names, or by default: `jwt` when SF_JWT_KEY is set, else
 * `refresh_token` when SF_REFRESH_TOKEN is set, else `client_credentials`.
 */
export function chooseFlow(env: Readonly<Record<string, string | undefined>>, auth?: AuthFlow): AuthFlow {
  if (auth !== undefined) return auth;
  if (envValue(env, 'SF_JWT_KEY') !== undefined) return 'jwt';
  if (envValue(env, 'SF_REFRESH_TOKEN') !== undefined) return 'refresh_token';
  return 'client_credentials';
}

/**
 * The credentials of the chosen flow. A missing variable is named; when the flow was chosen by
 * default, the message lists every flow so the fix is clear either way.
 */
export function credentialsFromEnv(
  env: Readonly<Record<string, string | undefined>>,
  auth?: AuthFlow,
): SalesforceCredentials {
  const flow = chooseFlow(env, auth);
  const missing = FLOW_VARIABLES[flow].filter((name) => envValue(env, name) === undefined);
  if (missing.length > 0) {
    if (auth !== undefined)
      throw new ConfigError(
        'environment',
        missing.map((name) => ({
          path: name,
          message: `is not set: crm.salesforce.auth is ${flow} (${FLOW_NAMES[flow]} flow), which needs ${FLOW_VARIABLES[flow].join(', ')}`,
        })),
      );
    throw new ConfigError('environment', [
      {
        path: 'SF_*',
        message: `Salesforce needs SF_CLIENT_ID with SF_CLIENT_SECRET (client credentials of an External Client App, the default), with SF_USERNAME and SF_JWT_KEY (JWT bearer flow), or with SF_CLIENT_SECRET and SF_REFRESH_TOKEN (refresh-token flow); ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not set for the ${FLOW_NAMES[flow]} flow (set them, or choose another flow with crm.salesforce.auth)`,
      },
    ]);
  }
  const value = (name: string): string => envValue(env, name) ?? '';
  switch (flow) {
    case 'jwt':
      return { flow, clientId: value('SF_CLIENT_ID'), username: value('SF_USERNAME'), privateKey: value('SF_JWT_KEY') };
    case 'refresh_token':
      return {
        flow,
        clientId: value('SF_CLIENT_ID'),
        clientSecret: value('SF_CLIENT_SECRET'),
        refreshToken: value('SF_REFRESH_TOKEN'),
      };
    case 'client_credentials':
      return { flow, clientId: value('SF_CLIENT_ID'), clientSecret: value('SF_CLIENT_SECRET') };
  }
}

/** A PEM key from the environment, where newlines are often written as `\n`. */
export function readPrivateKey(pem: string): KeyObject {
  try {
    return createPrivateKey(pem.includes('\\n') ? pem.replace(/\\n/g, '\n') : pem);
  } catch (err) {
    throw new ConfigError('environment', [
      {
        path: 'SF_JWT_KEY',
        message: `is not a readable PEM private key (${err instanceof Error ? err.message : String(err)})`,
      },
    ]);
  }
}

const base64url = (data: string | Buffer): string => Buffer.from(data).toString('base64url');

/** The signed JWT bearer assertion: iss = consumer key, sub = username, aud = login server. */
export function signJwtAssertion(options: {
  clientId: string;
  username: string;
  audience: string;
  key: KeyObject;
  nowMs: number;
}): string {
  const header = base64url(JSON.stringify({ alg: 'RS256' }));
  const claims = base64url(
    JSON.stringify({
      iss: options.clientId,
      sub: options.username,
      aud: options.audience.replace(/\/+$/, ''),
      exp: Math.floor(options.nowMs / 1000) + ASSERTION_LIFETIME_S,
    }),
  );
  const signature = createSign('RSA-SHA256').update(`${header}.${claims}`).sign(options.key);
  return `${header}.${claims}.${base64url(signature)}`;
}

const tokenResponse = z
  .object({
    access_token: z.string().min(1),
    instance_url: z.url(),
    id: z.string().regex(/\/id\/[A-Za-z0-9]{15,18}\/[A-Za-z0-9]{15,18}$/, 'an identity URL …/id/{orgId}/{userId}'),
    refresh_token: z.string().min(1).optional(),
  })
  .loose();

export interface AuthOptions {
  credentials: SalesforceCredentials;
  loginUrl: string;
  onTokens?: TokenListener | undefined;
  /** The refresh token as last stored (the credential vault): another adapter, in a worker thread or another process, may have rotated it. Read before each refresh grant. */
  currentRefreshToken?: (() => Promise<string>) | undefined;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
  backoff?: BackoffPolicy;
  /** Records each token call in the adapter's call stats. */
  record: (status: number | string) => void;
}

/** JSON, or null for an HTML or text error page (the status then says enough). */
function jsonOrNull(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** Obtains sessions; keeps the latest (possibly rotated) refresh token in memory. */
export class SalesforceAuth {
  readonly #options: AuthOptions;
  #credentials: SalesforceCredentials;
  readonly #key: KeyObject | null;

  constructor(options: AuthOptions) {
    this.#options = options;
    this.#credentials = options.credentials;
    this.#key = options.credentials.flow === 'jwt' ? readPrivateKey(options.credentials.privateKey) : null;
  }

  get flow(): SalesforceCredentials['flow'] {
    return this.#credentials.flow;
  }

  /** A new session from the token endpoint; transient failures are retried with backoff. */
  async grant(): Promise<SalesforceSession> {
    const policy = this.#options.backoff ?? DEFAULT_BACKOFF;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#grantOnce();
      } catch (err) {
        if (!(err instanceof CrmError) || err.kind !== 'unavailable' || attempt >= policy.maxAttempts) throw err;
        await this.#options.sleep(backoffDelay(policy, attempt, this.#options.random));
      }
    }
  }

  async #grantOnce(): Promise<SalesforceSession> {
    const stored = this.#credentials;
    // the vault's token wins over the one in memory: Salesforce revokes the older of two rotations
    const latest = stored.flow === 'refresh_token' ? await this.#options.currentRefreshToken?.() : undefined;
    const creds =
      stored.flow === 'refresh_token' && latest !== undefined && latest !== stored.refreshToken
        ? { ...stored, refreshToken: latest }
        : stored;
    this.#credentials = creds;
    const raw = await this.#tokenRequest(this.#grantParams(creds));
    const parsed = tokenResponse.safeParse(raw);
    if (!parsed.success) {
      throw new CrmError({
        provider: PROVIDER,
        kind: 'bad_payload',
        message: `Salesforce token endpoint: unexpected answer (${parsed.error.issues[0]?.message ?? 'invalid'})`,
      });
    }
    const [orgId = '', userId = ''] = parsed.data.id.split('/').slice(-2);
    const rotated = parsed.data.refresh_token;
    if (creds.flow === 'refresh_token' && rotated !== undefined && rotated !== creds.refreshToken) {
      this.#credentials = { ...creds, refreshToken: rotated };
    }
    const session = { accessToken: parsed.data.access_token, instanceUrl: parsed.data.instance_url, orgId, userId };
    await this.#options.onTokens?.({
      refreshToken:
        creds.flow === 'refresh_token' && rotated !== undefined && rotated !== creds.refreshToken ? rotated : null,
      instanceUrl: session.instanceUrl,
      orgId,
      userId,
    });
    return session;
  }

  #grantParams(creds: SalesforceCredentials): Record<string, string> {
    switch (creds.flow) {
      case 'jwt':
        return { grant_type: JWT_BEARER_GRANT, assertion: this.#assertion(creds) };
      case 'refresh_token':
        return {
          grant_type: 'refresh_token',
          client_id: creds.clientId,
          client_secret: creds.clientSecret,
          refresh_token: creds.refreshToken,
        };
      case 'client_credentials':
        // Only an External Client App (or connected app) with the flow enabled and a "run as"
        // user answers this; the token endpoint must be the org's My Domain, not login.salesforce.com.
        return { grant_type: 'client_credentials', client_id: creds.clientId, client_secret: creds.clientSecret };
    }
  }

  #assertion(creds: Extract<SalesforceCredentials, { flow: 'jwt' }>): string {
    if (this.#key === null) throw new Error('JWT flow without a key');
    return signJwtAssertion({
      clientId: creds.clientId,
      username: creds.username,
      audience: this.#options.loginUrl,
      key: this.#key,
      nowMs: this.#options.now(),
    });
  }

  /**
   * POST /services/oauth2/token, made here rather than through jsforce's OAuth2 client: that
   * client keeps the HTTP status only when the error body is not JSON, and Salesforce answers
   * transient failures as HTTP 500 with `{"error":"unknown_error"}` — which must be retried,
   * not taken for a refused login.
   * https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_refresh_token_flow.htm
   */
  async #tokenRequest(params: Record<string, string>): Promise<unknown> {
    const url = `${this.#options.loginUrl.replace(/\/+$/, '')}/services/oauth2/token`;
    let res: Response;
    try {
      res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: new URLSearchParams(params).toString(),
      });
    } catch (err) {
      this.#options.record('network');
      throw new CrmError({
        provider: PROVIDER,
        kind: 'unavailable',
        message: `Salesforce token endpoint unreachable: ${err instanceof Error ? err.message : String(err)}`,
        cause: err,
      });
    }
    const text = await res.text();
    this.#options.record(res.status);
    const body = jsonOrNull(text);
    if (res.ok) return body;
    const { error, error_description: description } = (body ?? {}) as { error?: unknown; error_description?: unknown };
    const code = typeof error === 'string' ? error : null;
    const detail = typeof description === 'string' ? description : text.slice(0, 200);
    if (res.status >= 500 || res.status === 429 || code === 'unknown_error') {
      throw new CrmError({
        provider: PROVIDER,
        kind: 'unavailable',
        status: res.status,
        code,
        message: `Salesforce token endpoint unavailable (HTTP ${res.status}${code === null ? '' : ` ${code}`}): ${detail}`,
      });
    }
    throw new CrmError({
      provider: PROVIDER,
      kind: 'auth',
      status: res.status,
      code,
      message: `Salesforce login (${FLOW_NAMES[this.#credentials.flow]}) refused (HTTP ${res.status}${code === null ? '' : ` ${code}`}): ${detail}`,
    });
  }
}
