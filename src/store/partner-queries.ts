// The partner pages' tables over Kysely (SQLite and PostgreSQL alike): see partner-portal.ts.

import type { Kysely, Selectable } from 'kysely';
import type {
  PartnerRegistration,
  PartnerUser,
  PartnerUserStatus,
  RegistrationState,
  RegistrationUpdate,
} from './partner-portal.ts';
import type { Database, PartnerRegistrationRow, PartnerUserRow } from './schema.ts';
import { toNum } from './row-values.ts';

const numOrNull = (v: bigint | number | string | null): number | null => (v === null ? null : toNum(v));

function userFromRow(r: Selectable<PartnerUserRow>): PartnerUser {
  return {
    id: r.id,
    account: r.account,
    partnerId: r.partner_id,
    email: r.email,
    status: r.status as PartnerUserStatus,
    invitedBy: r.invited_by,
    createdAt: toNum(r.created_at),
    updatedAt: toNum(r.updated_at),
    lastSignInAt: numOrNull(r.last_sign_in_at),
  };
}

function registrationFromRow(r: Selectable<PartnerRegistrationRow>): PartnerRegistration {
  return {
    id: r.id,
    account: r.account,
    partnerId: r.partner_id,
    userId: r.user_id,
    idemKey: r.idem_key,
    state: r.state as RegistrationState,
    input: JSON.parse(r.input) as Record<string, unknown>,
    submittedAt: toNum(r.submitted_at),
    customerId: r.customer_id,
    dealId: r.deal_id,
    placement: r.placement === 'existing' || r.placement === 'new' ? r.placement : null,
    error: r.error,
    status: r.status,
    reason: r.reason,
    decidedAt: r.decided_at,
    expiresAt: r.expires_at,
    createdAt: toNum(r.created_at),
    updatedAt: toNum(r.updated_at),
  };
}

export class PartnerQueries {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async createPartnerUser(u: PartnerUser): Promise<void> {
    await this.#db
      .insertInto('partner_users')
      .values({
        id: u.id,
        account: u.account,
        partner_id: u.partnerId,
        email: u.email,
        status: u.status,
        invited_by: u.invitedBy,
        created_at: u.createdAt,
        updated_at: u.updatedAt,
        last_sign_in_at: u.lastSignInAt,
      })
      .execute();
  }

  async partnerUser(id: string): Promise<PartnerUser | null> {
    const row = await this.#db.selectFrom('partner_users').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? null : userFromRow(row);
  }

  async partnerUserByEmail(account: string, partnerId: string, email: string): Promise<PartnerUser | null> {
    const row = await this.#db
      .selectFrom('partner_users')
      .selectAll()
      .where('account', '=', account)
      .where('partner_id', '=', partnerId)
      .where('email', '=', email)
      .where('status', '!=', 'revoked')
      .orderBy('created_at', 'asc')
      .executeTakeFirst();
    return row === undefined ? null : userFromRow(row);
  }

  async listPartnerUsers(account: string): Promise<PartnerUser[]> {
    const rows = await this.#db
      .selectFrom('partner_users')
      .selectAll()
      .where('account', '=', account)
      .orderBy('partner_id')
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map(userFromRow);
  }

  async updatePartnerUser(
    id: string,
    change: Partial<Pick<PartnerUser, 'status' | 'email' | 'lastSignInAt'>>,
    at: number,
  ): Promise<void> {
    await this.#db
      .updateTable('partner_users')
      .set({
        updated_at: at,
        ...(change.status === undefined ? {} : { status: change.status }),
        ...(change.email === undefined ? {} : { email: change.email }),
        ...(change.lastSignInAt === undefined ? {} : { last_sign_in_at: change.lastSignInAt }),
      })
      .where('id', '=', id)
      .execute();
  }

  async disablePartnerUsers(account: string, partnerIds: readonly string[], at: number): Promise<number> {
    if (partnerIds.length === 0) return 0;
    const result = await this.#db
      .updateTable('partner_users')
      .set({ status: 'disabled', updated_at: at })
      .where('account', '=', account)
      .where('status', '=', 'active')
      .where('partner_id', 'in', [...partnerIds])
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  async saveSignInLink(link: { digest: string; userId: string; expiresAt: number; createdAt: number }): Promise<void> {
    await this.#db
      .insertInto('partner_signin_links')
      .values({
        digest: link.digest,
        user_id: link.userId,
        expires_at: link.expiresAt,
        used_at: null,
        created_at: link.createdAt,
      })
      .execute();
  }

  async useSignInLink(digest: string, now: number): Promise<string | null> {
    // one UPDATE whose WHERE re-checks "unused and unexpired": two clicks at once, one wins
    const result = await this.#db
      .updateTable('partner_signin_links')
      .set({ used_at: now })
      .where('digest', '=', digest)
      .where('used_at', 'is', null)
      .where('expires_at', '>', now)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) !== 1) return null;
    const row = await this.#db
      .selectFrom('partner_signin_links')
      .select('user_id')
      .where('digest', '=', digest)
      .executeTakeFirst();
    return row?.user_id ?? null;
  }

  async claimRegistration(reg: PartnerRegistration): Promise<{ registration: PartnerRegistration; created: boolean }> {
    const result = await this.#db
      .insertInto('partner_registrations')
      .values({
        id: reg.id,
        account: reg.account,
        partner_id: reg.partnerId,
        user_id: reg.userId,
        idem_key: reg.idemKey,
        state: reg.state,
        input: JSON.stringify(reg.input),
        submitted_at: reg.submittedAt,
        customer_id: reg.customerId,
        deal_id: reg.dealId,
        placement: reg.placement,
        error: reg.error,
        status: reg.status,
        reason: reg.reason,
        decided_at: reg.decidedAt,
        expires_at: reg.expiresAt,
        created_at: reg.createdAt,
        updated_at: reg.updatedAt,
      })
      .onConflict((oc) => oc.columns(['account', 'user_id', 'idem_key']).doNothing())
      .executeTakeFirst();
    const created = Number(result.numInsertedOrUpdatedRows ?? 0n) === 1;
    const row = await this.#db
      .selectFrom('partner_registrations')
      .selectAll()
      .where('account', '=', reg.account)
      .where('user_id', '=', reg.userId)
      .where('idem_key', '=', reg.idemKey)
      .executeTakeFirstOrThrow();
    return { registration: registrationFromRow(row), created };
  }

  async updateRegistration(id: string, c: RegistrationUpdate, at: number): Promise<void> {
    await this.#db
      .updateTable('partner_registrations')
      .set({
        updated_at: at,
        ...(c.state === undefined ? {} : { state: c.state }),
        ...(c.customerId === undefined ? {} : { customer_id: c.customerId }),
        ...(c.dealId === undefined ? {} : { deal_id: c.dealId }),
        ...(c.placement === undefined ? {} : { placement: c.placement }),
        ...(c.error === undefined ? {} : { error: c.error }),
        ...(c.status === undefined ? {} : { status: c.status }),
        ...(c.reason === undefined ? {} : { reason: c.reason }),
        ...(c.decidedAt === undefined ? {} : { decided_at: c.decidedAt }),
        ...(c.expiresAt === undefined ? {} : { expires_at: c.expiresAt }),
      })
      .where('id', '=', id)
      .execute();
  }

  async registration(id: string): Promise<PartnerRegistration | null> {
    const row = await this.#db.selectFrom('partner_registrations').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? null : registrationFromRow(row);
  }

  async registrations(
    account: string,
    filter: { partnerId?: string; state?: RegistrationState },
  ): Promise<PartnerRegistration[]> {
    let q = this.#db.selectFrom('partner_registrations').selectAll().where('account', '=', account);
    if (filter.partnerId !== undefined) q = q.where('partner_id', '=', filter.partnerId);
    if (filter.state !== undefined) q = q.where('state', '=', filter.state);
    const rows = await q.orderBy('created_at', 'desc').orderBy('id', 'desc').execute();
    return rows.map(registrationFromRow);
  }

  async countRegistrationsSince(userId: string, since: number): Promise<number> {
    const row = await this.#db
      .selectFrom('partner_registrations')
      .select((eb) => eb.fn.countAll<number | string | bigint>().as('n'))
      .where('user_id', '=', userId)
      .where('created_at', '>=', since)
      .executeTakeFirst();
    return row === undefined ? 0 : Number(row.n);
  }
}
