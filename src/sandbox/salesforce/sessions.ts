// Who is calling: tokens the OAuth endpoint issued map to the user they were issued for. The
// Salesforce personality is strict (only issued, live tokens get past the core's gate), so the
// default user only answers for a token whose binding is unknown — issued by an earlier sandbox
// process, before its state was reloaded.

import type { TokenStore } from '../personality.ts';

export class SessionRegistry {
  private readonly users = new Map<string, string>();
  readonly defaultUserId: string;
  readonly #tokens: TokenStore;

  constructor(defaultUserId: string, tokens: TokenStore) {
    this.defaultUserId = defaultUserId;
    this.#tokens = tokens;
  }

  /**
   * The user a live access token acts as, or null when Salesforce would answer INVALID_SESSION_ID
   * (never issued, expired, revoked). For surfaces other than the REST gate (the Pub/Sub server).
   */
  authenticate(accessToken: string): string | null {
    if (this.#tokens.verify(accessToken) !== 'valid') return null;
    return this.users.get(accessToken) ?? this.defaultUserId;
  }

  bind(accessToken: string, userId: string): void {
    this.users.set(accessToken, userId);
  }

  userFor(authorization: string | undefined): string {
    const token = authorization?.replace(/^Bearer\s+/i, '').trim();
    return (token === undefined ? undefined : this.users.get(token)) ?? this.defaultUserId;
  }
}
