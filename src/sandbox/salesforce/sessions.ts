// Who is calling: tokens the OAuth endpoint issued map to the user they were issued for; any
// other accepted bearer token (the core accepts any non-empty one) acts as the integration user.

export class SessionRegistry {
  private readonly users = new Map<string, string>();
  readonly defaultUserId: string;

  constructor(defaultUserId: string) {
    this.defaultUserId = defaultUserId;
  }

  bind(accessToken: string, userId: string): void {
    this.users.set(accessToken, userId);
  }

  userFor(authorization: string | undefined): string {
    const token = authorization?.replace(/^Bearer\s+/i, '').trim();
    return (token === undefined ? undefined : this.users.get(token)) ?? this.defaultUserId;
  }
}
