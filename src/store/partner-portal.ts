// What the partner pages keep (issue 19): partner users (a CRM partner's contact with access to
// /partner), their single-use sign-in links, and the registrations they submit. The store port
// part is PartnerPortalStore; partner-queries.ts implements it over Kysely.

export type PartnerUserStatus = 'active' | 'revoked' | 'disabled';

export interface PartnerUser {
  id: string;
  account: string;
  partnerId: string;
  /** Null once revoked: revoking deletes the address. */
  email: string | null;
  status: PartnerUserStatus;
  invitedBy: string;
  createdAt: number;
  updatedAt: number;
  lastSignInAt: number | null;
}

export type RegistrationState = 'pending' | 'done' | 'refused';

export interface PartnerRegistration {
  id: string;
  account: string;
  partnerId: string;
  userId: string;
  idemKey: string;
  state: RegistrationState;
  input: Record<string, unknown>;
  submittedAt: number;
  customerId: string | null;
  dealId: string | null;
  placement: 'existing' | 'new' | null;
  error: string | null;
  status: string | null;
  reason: string | null;
  decidedAt: string | null;
  expiresAt: string | null;
  createdAt: number;
  updatedAt: number;
}

export type RegistrationUpdate = Partial<
  Pick<
    PartnerRegistration,
    'state' | 'customerId' | 'dealId' | 'placement' | 'error' | 'status' | 'reason' | 'decidedAt' | 'expiresAt'
  >
>;

export interface PartnerPortalStore {
  createPartnerUser(user: PartnerUser): Promise<void>;
  partnerUser(id: string): Promise<PartnerUser | null>;
  /** The active or disabled user of this partner with this (lower-case) address. */
  partnerUserByEmail(account: string, partnerId: string, email: string): Promise<PartnerUser | null>;
  listPartnerUsers(account: string): Promise<PartnerUser[]>;
  updatePartnerUser(
    id: string,
    change: Partial<Pick<PartnerUser, 'status' | 'email' | 'lastSignInAt'>>,
    at: number,
  ): Promise<void>;
  /** Marks the active users of these partners disabled; answers how many. */
  disablePartnerUsers(account: string, partnerIds: readonly string[], at: number): Promise<number>;

  saveSignInLink(link: { digest: string; userId: string; expiresAt: number; createdAt: number }): Promise<void>;
  /**
   * Uses a sign-in link once: answers its user id when the link exists, is unexpired and was not
   * used before (and marks it used, atomically); null otherwise.
   */
  useSignInLink(digest: string, now: number): Promise<string | null>;

  /** Inserts the registration unless its (account, user, key) exists; answers the stored one. */
  claimRegistration(reg: PartnerRegistration): Promise<{ registration: PartnerRegistration; created: boolean }>;
  updateRegistration(id: string, change: RegistrationUpdate, at: number): Promise<void>;
  registration(id: string): Promise<PartnerRegistration | null>;
  registrations(
    account: string,
    filter: { partnerId?: string; state?: RegistrationState },
  ): Promise<PartnerRegistration[]>;
  /** How many registrations this user submitted at or after `since` (the hourly limit). */
  countRegistrationsSince(userId: string, since: number): Promise<number>;
}
