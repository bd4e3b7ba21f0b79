// OpenID Connect sign-in for the dashboard (issue 18), through openid-client: authorization code
// with PKCE (S256), state and nonce checked on the way back, the provider's metadata read once
// (and again after a failure), and its end-session endpoint for logout when it has one.
// https://openid.net/specs/openid-connect-core-1_0.html#CodeFlowAuth
// https://openid.net/specs/openid-connect-rpinitiated-1_0.html

import * as oidc from 'openid-client';
import type { SsoConfig } from '../../config/auth-schema.ts';
import { ROLES, type Role } from '../auth.ts';

/** What the sign-in keeps between the redirect to the provider and the callback. */
export interface PendingSignIn {
  verifier: string;
  state: string;
  nonce: string;
}

export interface SignedInUser {
  /** Names the user in the audit log and on the page: e-mail, else preferred username, else subject. */
  label: string;
  subject: string;
  /** The mapped role, or null when none of the user's claim values maps to one. */
  role: Role | null;
  /** The claim values seen (for the refusal page and the audit log). */
  groups: string[];
  idToken: string | null;
}

const isLoopback = (url: URL): boolean => ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);

/** The highest role any of the claim values maps to (admin over finance over viewer). */
export function mapRole(values: readonly string[], roles: SsoConfig['roles']): Role | null {
  for (const role of [...ROLES].reverse()) if (roles[role].some((g) => values.includes(g))) return role;
  return null;
}

/** The claim's values: a list of strings, or one string (space- or comma-separated values are one value each). */
export function claimValues(claim: unknown): string[] {
  if (Array.isArray(claim)) return claim.filter((v): v is string => typeof v === 'string');
  if (typeof claim === 'string') return [claim];
  return [];
}

export class OidcSignIn {
  readonly #sso: SsoConfig;
  readonly #secret: string | undefined;
  #config: Promise<oidc.Configuration> | null = null;

  constructor(sso: SsoConfig, clientSecret: string | undefined) {
    this.#sso = sso;
    this.#secret = clientSecret;
  }

  get displayName(): string {
    return this.#sso.displayName;
  }

  /** The provider's metadata, discovered once; a failed discovery is tried again next time. */
  #configuration(): Promise<oidc.Configuration> {
    this.#config ??= (async () => {
      const issuer = new URL(this.#sso.issuer);
      // plain http only for a provider on this machine (development, tests); anything else needs https
      // eslint-disable-next-line @typescript-eslint/no-deprecated -- deprecated only as a warning sign; used for loopback issuers alone
      const execute = issuer.protocol === 'http:' && isLoopback(issuer) ? [oidc.allowInsecureRequests] : [];
      return oidc.discovery(
        issuer,
        this.#sso.clientId,
        undefined,
        this.#secret === undefined ? oidc.None() : oidc.ClientSecretPost(this.#secret),
        { execute },
      );
    })();
    this.#config.catch(() => {
      this.#config = null;
    });
    return this.#config;
  }

  /** The provider's authorization URL for a new sign-in, and what the callback must check. */
  async start(redirectUri: string): Promise<{ url: string; pending: PendingSignIn }> {
    const config = await this.#configuration();
    const pending: PendingSignIn = {
      verifier: oidc.randomPKCECodeVerifier(),
      state: oidc.randomState(),
      nonce: oidc.randomNonce(),
    };
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: this.#sso.scopes.join(' '),
      code_challenge: await oidc.calculatePKCECodeChallenge(pending.verifier),
      code_challenge_method: 'S256',
      state: pending.state,
      nonce: pending.nonce,
    });
    return { url: url.href, pending };
  }

  /** Exchanges the callback's code (checking state, nonce and PKCE) and maps the user's role. */
  async finish(callbackUrl: URL, pending: PendingSignIn): Promise<SignedInUser> {
    const config = await this.#configuration();
    const tokens = await oidc.authorizationCodeGrant(config, callbackUrl, {
      pkceCodeVerifier: pending.verifier,
      expectedState: pending.state,
      expectedNonce: pending.nonce,
      idTokenExpected: true,
    });
    const claims = tokens.claims();
    if (claims === undefined) throw new Error('the identity provider returned no ID token');
    const groups = claimValues(claims[this.#sso.roleClaim]);
    const email = typeof claims['email'] === 'string' ? claims['email'] : null;
    const username = typeof claims['preferred_username'] === 'string' ? claims['preferred_username'] : null;
    return {
      label: email ?? username ?? claims.sub,
      subject: claims.sub,
      role: mapRole(groups, this.#sso.roles),
      groups,
      idToken: tokens.id_token ?? null,
    };
  }

  /** The provider's end-session URL (RP-initiated logout), or null when it has none. */
  async endSessionUrl(o: { idToken: string | null; postLogoutRedirectUri: string }): Promise<string | null> {
    const config = await this.#configuration();
    if (config.serverMetadata().end_session_endpoint === undefined) return null;
    return oidc.buildEndSessionUrl(config, {
      post_logout_redirect_uri: o.postLogoutRedirectUri,
      client_id: this.#sso.clientId,
      ...(o.idToken === null ? {} : { id_token_hint: o.idToken }),
    }).href;
  }
}
