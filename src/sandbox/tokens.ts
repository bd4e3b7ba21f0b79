// Bearer tokens of the sandbox (see TokenStore in personality.ts). Issued tokens are random-looking
// but drawn from the seeded stream, so a test run is reproducible. `check` is the lenient view
// (a token the sandbox never issued passes: HubSpot's static private-app token); `verify` is the
// strict one Salesforce personalities use (only issued, unexpired, unrevoked tokens pass).

import type { Clock } from './clock.ts';
import type { IssuedToken, TokenStore, TokenVerdict } from './personality.ts';
import type { Rng } from './rng.ts';

export function createTokenStore(clock: Clock, rng: Rng): TokenStore {
  const expiresAt = new Map<string, number>();
  const seen = new Set<string>();
  const revoked = new Set<string>();
  const randomToken = (prefix: string): string => {
    let s = prefix;
    for (let i = 0; i < 4; i++)
      s += Math.floor(rng.next() * 0x100000000)
        .toString(16)
        .padStart(8, '0');
    return s;
  };
  return {
    issue(ttlSeconds: number): IssuedToken {
      const accessToken = randomToken('sandbox-at-');
      expiresAt.set(accessToken, clock.now() + ttlSeconds * 1000);
      return { accessToken, refreshToken: randomToken('sandbox-rt-'), expiresInSeconds: ttlSeconds };
    },
    verify(token: string): TokenVerdict {
      if (revoked.has(token)) return 'expired';
      const until = expiresAt.get(token);
      if (until === undefined) return 'unknown';
      return clock.now() >= until ? 'expired' : 'valid';
    },
    check(token: string): 'valid' | 'expired' {
      if (revoked.has(token)) return 'expired';
      const until = expiresAt.get(token);
      if (until !== undefined && clock.now() >= until) return 'expired';
      seen.add(token);
      return 'valid';
    },
    expireAll(): void {
      for (const token of seen) revoked.add(token);
      for (const token of expiresAt.keys()) revoked.add(token);
      seen.clear();
    },
  };
}
