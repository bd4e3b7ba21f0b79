// The plug-in interface of a sandbox CRM "personality" (HubSpot, Salesforce, …).
//
// How to implement one (see src/sandbox/hubspot/ for a complete example):
//  1. Write a factory `(init, ctx) => Personality`. `init` is either the logical seed data
//     (`{ from: 'seed', seed }`, src/sandbox/seed-model.ts) to map onto your CRM's objects, or
//     what your own `serialize()` returned earlier (`{ from: 'saved', saved }`, a state file).
//  2. Build an express `Router` with your CRM's API paths, as the CRM documents them. The core
//     mounts it at the server root, after its own middleware has: checked the bearer token (except
//     on paths your `isPublic` allows), applied injected faults, and asked your `rateLimit` hook.
//     Parse bodies yourself (zod) and answer errors in your CRM's error shape.
//  3. `routeKey(method, path)` names a request for `/__sandbox/stats` with ids templated
//     ("PATCH /crm/v3/objects/deals/{id}"); return null for paths you do not serve.
//  4. `authFailure` and `faultResponse` give your CRM's exact error for a missing/expired token and
//     for an injected HTTP status (401, 429, 500, 503, …; you may change the status, e.g.
//     Salesforce answers a "rate limit" with 403 REQUEST_LIMIT_EXCEEDED).
//  5. `rateLimit(req)` is called once per API request before routing: count it, return headers to
//     add to the response, and `reject` when a limit is exceeded (the core counts it as rateLimited).
//     Read limit values with `limitValue(ctx.limits, name, realValue)` so each is switchable.
//  6. `dumpState()` answers `GET /__sandbox/state` (`{ hubspot: {…} }` / `{ salesforce: {…} }`),
//     `mutate(count)` answers `POST /__sandbox/mutate` (change N random deals, bump their modified
//     date, return their CRM ids), `serialize()` is saved to the state file (JSON-able).
//  7. Use `ctx.clock` for every timestamp and `ctx.rng` for every random choice (deterministic
//     under --seed); call `ctx.markDirty()` after changes made outside an HTTP request.
//  8. Register the factory in src/sandbox/personalities.ts (one line).

import type { IncomingHttpHeaders } from 'node:http';
import type { Router } from 'express';
import type { Clock } from './clock.ts';
import type { Rng } from './rng.ts';
import type { SeedData } from './seed-model.ts';

export const CRM_NAMES = ['hubspot', 'salesforce'] as const;
export type CrmName = (typeof CRM_NAMES)[number];

/** `provisioned`: the partnersync fields exist with seed values; `bare`: a plain CRM (provisioning tests). */
export type FieldsMode = 'provisioned' | 'bare';

/**
 * Which CRM limits apply. In `real` mode every limit has its documented value unless overridden;
 * in `off` mode none applies unless an override gives it a number. An override of `false`
 * switches one limit off. Names are the personality's ("hubspot.search.perSecond", …).
 */
export interface LimitSettings {
  mode: 'real' | 'off';
  overrides: Readonly<Record<string, number | false>>;
}

/** The value of one limit under the settings, or null when that limit is off. */
export function limitValue(settings: LimitSettings, name: string, real: number): number | null {
  const override = settings.overrides[name];
  if (override === false) return null;
  if (typeof override === 'number') return override;
  return settings.mode === 'real' ? real : null;
}

/** A complete HTTP answer in a CRM's shape. `body` is sent as JSON unless it is a string. */
export interface CrmResponse {
  status: number;
  headers?: Readonly<Record<string, string>>;
  body?: unknown;
}

export interface IssuedToken {
  accessToken: string;
  refreshToken: string;
  expiresInSeconds: number;
}

/** `unknown`: a token this sandbox never issued. */
export type TokenVerdict = 'valid' | 'expired' | 'unknown';

/**
 * Bearer tokens. Lenient personalities (HubSpot) accept any non-empty token, except tokens the
 * sandbox issued whose lifetime has passed on `ctx.clock`, and tokens in use when a test called
 * `expireAll()`. Strict personalities (`strictTokens`, Salesforce) accept only tokens the sandbox
 * issued and that are still alive: `verify(token) === 'valid'` — also what a non-HTTP surface of
 * a personality (a gRPC server) calls to check a token it is handed.
 */
export interface TokenStore {
  issue(ttlSeconds: number): IssuedToken;
  /** Lenient: `valid` for any token not issued here. */
  check(token: string): 'valid' | 'expired';
  /** Strict: `valid` only for an issued, unexpired, unrevoked token. */
  verify(token: string): TokenVerdict;
  expireAll(): void;
}

export interface PersonalityOptions {
  fields: FieldsMode;
  /** Search/query results lag writes by this many ms (HubSpot search); 0 = immediately visible. */
  searchLagMs: number;
  /** Daily API allocation; null = the CRM's real default. */
  dailyLimit: number | null;
  /** Lifetime of tokens the OAuth endpoints issue; null = the CRM's real default. */
  tokenTtlSeconds: number | null;
  /** The account's time zone (IANA), the program's: seeded close dates are local midnights there. */
  timezone: string;
  /** CRM-specific settings, documented by each personality. */
  extra: Readonly<Record<string, unknown>>;
}

export interface PersonalityContext {
  clock: Clock;
  /** The personality's own random stream (mutate, generated ids), derived from --seed. */
  rng: Rng;
  limits: LimitSettings;
  options: PersonalityOptions;
  tokens: TokenStore;
  /** Ask for a (debounced) state-file save after a change made outside an HTTP write. */
  markDirty(): void;
}

export type PersonalityInit = { from: 'seed'; seed: SeedData } | { from: 'saved'; saved: unknown };

/** What the core knows of a request when it asks `rateLimit`. */
export interface SandboxRequestInfo {
  method: string;
  path: string;
  routeKey: string;
  headers: IncomingHttpHeaders;
}

export interface RateLimitOutcome {
  /** Headers to add to the response, limited or not (X-HubSpot-RateLimit-*, Sforce-Limit-Info). */
  headers?: Readonly<Record<string, string>>;
  /** Set when a limit is exceeded: sent instead of routing the request. */
  reject?: CrmResponse;
}

export interface Personality {
  readonly crm: CrmName;
  /** The CRM's API paths, mounted at the server root. */
  readonly router: Router;
  /** Optional extra test controls, mounted at `/__sandbox/{crm}/` (no token needed). */
  readonly adminRouter?: Router;
  routeKey(method: string, path: string): string | null;
  /** Paths that need no bearer token (OAuth token endpoints, version lists). */
  isPublic(method: string, path: string): boolean;
  /** Only tokens the sandbox issued are accepted (TokenStore.verify); otherwise any non-empty one (check). */
  readonly strictTokens?: boolean;
  /** `expired` also answers an unknown token under `strictTokens`. */
  authFailure(reason: 'missing' | 'expired'): CrmResponse;
  faultResponse(status: number): CrmResponse;
  rateLimit?(req: SandboxRequestInfo): RateLimitOutcome;
  /** Records as stored, keyed by the CRM name: `{ hubspot: { companies: […], … } }`. */
  dumpState(): Readonly<Record<string, unknown>>;
  /** Change `count` random deals' amount or stage, bump their modified date; answer their CRM ids. */
  mutate(count: number): string[];
  /** JSON-able state for the state file; given back as `{ from: 'saved', saved }`. */
  serialize(): unknown;
}

export type PersonalityFactory = (init: PersonalityInit, ctx: PersonalityContext) => Personality;
