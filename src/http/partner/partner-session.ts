// Partner sessions (issue 19): a signed cookie (HMAC-SHA256) limited to /partner that names the
// partner user and the one CRM partner the session may see. The user is read from the store on
// every request, so revoking a user (or a partner leaving the CRM) ends its sessions at once.
// It is separate from the dashboard session: a partner cookie never opens /ui or /v1, and a
// dashboard cookie never opens /partner. CSRF: SameSite=Strict plus a per-session form token.

import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { Clock } from '../../sync/deps.ts';

export const PARTNER_COOKIE = 'psync_partner';
export const PARTNER_COOKIE_PATH = '/partner';
/** A partner session lasts a working day; the next one needs a new sign-in link. */
export const PARTNER_SESSION_TTL_MS = 8 * 60 * 60 * 1000;

export interface PartnerSession {
  userId: string;
  partnerId: string;
  sid: string;
  exp: number;
}

const payloadSchema = z.strictObject({
  v: z.literal(1),
  u: z.string().min(1).max(100),
  p: z.string().min(1).max(200),
  s: z.string().regex(/^[A-Za-z0-9_-]{22}$/),
  e: z.number().int().positive(),
});

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

export class PartnerSessions {
  readonly #key: Buffer;
  readonly #clock: Clock;
  readonly #revoked = new Map<string, number>();

  constructor(secret: string | undefined, clock: Clock) {
    // a key of its own, derived from the dashboard's secret when one is configured
    this.#key =
      secret === undefined
        ? randomBytes(32)
        : createHmac('sha256', Buffer.from(secret, 'utf8')).update('partner-sessions').digest();
    this.#clock = clock;
  }

  #mac(text: string): string {
    return createHmac('sha256', this.#key).update(text, 'utf8').digest('base64url');
  }

  issue(user: { id: string; partnerId: string }): { value: string; session: PartnerSession } {
    const session: PartnerSession = {
      userId: user.id,
      partnerId: user.partnerId,
      sid: randomBytes(16).toString('base64url'),
      exp: this.#clock.now() + PARTNER_SESSION_TTL_MS,
    };
    const payload = Buffer.from(
      JSON.stringify({ v: 1, u: session.userId, p: session.partnerId, s: session.sid, e: session.exp }),
      'utf8',
    ).toString('base64url');
    return { value: `${payload}.${this.#mac(`partner:${payload}`)}`, session };
  }

  verify(value: string | null): PartnerSession | null {
    if (value === null || value.length > 1024) return null;
    const dot = value.indexOf('.');
    if (dot <= 0) return null;
    const payload = value.slice(0, dot);
    if (!sameText(value.slice(dot + 1), this.#mac(`partner:${payload}`))) return null;
    let parsed: z.output<typeof payloadSchema>;
    try {
      parsed = payloadSchema.parse(JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')));
    } catch {
      // signed by us but not this shape: no session
      return null;
    }
    if (parsed.e <= this.#clock.now() || this.#revoked.has(parsed.s)) return null;
    return { userId: parsed.u, partnerId: parsed.p, sid: parsed.s, exp: parsed.e };
  }

  revoke(session: PartnerSession): void {
    const now = this.#clock.now();
    for (const [sid, exp] of this.#revoked) if (exp <= now) this.#revoked.delete(sid);
    this.#revoked.set(session.sid, session.exp);
  }

  csrfToken(session: PartnerSession): string {
    return this.#mac(`partner-csrf:${session.sid}`);
  }

  checkCsrf(session: PartnerSession, given: unknown): boolean {
    return typeof given === 'string' && sameText(given, this.csrfToken(session));
  }
}

export function partnerCookie(name: string, value: string, o: { secure: boolean; maxAgeSeconds: number }): string {
  return [
    `${name}=${value}`,
    `Path=${PARTNER_COOKIE_PATH}`,
    `Max-Age=${o.maxAgeSeconds}`,
    'HttpOnly',
    'SameSite=Strict',
    ...(o.secure ? ['Secure'] : []),
  ].join('; ');
}
