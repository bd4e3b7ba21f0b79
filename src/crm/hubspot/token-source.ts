// Where the bearer token comes from: a private-app / service-key token as given, or OAuth
// (client id, secret and refresh token) refreshed ahead of its expiry and once after a 401.
// https://developers.hubspot.com/docs/api-reference/auth-oauth-v1/guide

export interface TokenSource {
  readonly kind: 'static' | 'oauth';
  /** A token valid for a while yet (refreshes first when it is about to expire). */
  token(): Promise<string>;
  /**
   * After a 401 with `rejected`: a fresh token, or null when no refresh is possible. Callers ask
   * once per request (refresh once on 401).
   */
  refreshAfter401(rejected: string): Promise<string | null>;
}

export function staticToken(token: string): TokenSource {
  return {
    kind: 'static',
    token: () => Promise.resolve(token),
    refreshAfter401: () => Promise.resolve(null),
  };
}

export interface IssuedAccessToken {
  accessToken: string;
  /** Seconds, from the token endpoint's `expires_in`. */
  expiresIn: number;
  refreshToken?: string | undefined;
}

export interface OauthOptions {
  refreshToken: string;
  /** Calls HubSpot's token endpoint with a refresh token (through the limiter-free auth call path). */
  exchange: (refreshToken: string) => Promise<IssuedAccessToken>;
  now: () => number;
  /** Refresh this long before `expires_in` runs out (HubSpot tokens live 30 minutes). */
  earlyMs?: number;
}

/** OAuth tokens: one refresh at a time, shared by every request waiting for it. */
export function oauthToken(options: OauthOptions): TokenSource {
  const early = options.earlyMs ?? 5 * 60_000;
  let refreshToken = options.refreshToken;
  let current: { token: string; refreshAt: number } | null = null;
  let pending: Promise<string> | null = null;

  const refresh = (): Promise<string> => {
    pending ??= (async () => {
      try {
        const issued = await options.exchange(refreshToken);
        if (issued.refreshToken) refreshToken = issued.refreshToken;
        // Refresh early, but never sooner than halfway through a short-lived token.
        const lifetime = issued.expiresIn * 1000;
        current = { token: issued.accessToken, refreshAt: options.now() + Math.max(lifetime - early, lifetime / 2) };
        return issued.accessToken;
      } finally {
        pending = null;
      }
    })();
    return pending;
  };

  return {
    kind: 'oauth',
    token: async () => {
      if (current && options.now() < current.refreshAt) return current.token;
      return refresh();
    },
    refreshAfter401: async (rejected) => {
      // Another request may have refreshed already; only the rejected token needs replacing.
      if (current && current.token !== rejected && options.now() < current.refreshAt) return current.token;
      return refresh();
    },
  };
}
