// Dashboard sessions: a signed cookie (HMAC-SHA256) that carries the role, a session id, the
// expiry and a fingerprint of the API token it was exchanged for. Nothing is stored on the
// server but a list of logged-out session ids, so several processes sharing
// PARTNERSYNC_SESSION_SECRET accept each other's sessions (logout then holds per process until
// the cookie expires). Removing a token from PARTNERSYNC_TOKENS ends the sessions opened with it.
//
// A session opened through single sign-on (issue 18) carries the user's name instead of a token
// fingerprint; it ends when SSO is switched off, as token sessions end when token sign-in is.
//
// CSRF: the cookie is SameSite=Strict, and every form POST also carries a token derived from the
// session id (or, for the login form, from a signed pre-login nonce cookie, good for one
// submission: each guess at a token needs a fresh form, and failed sign-ins are limited per
// client in index.ts).

import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { Clock } from '../../sync/deps.ts';
import { ROLES, type Role, type TokenEntry } from '../auth.ts';

export const SESSION_COOKIE = 'psync_session';
export const LOGIN_COOKIE = 'psync_login';
export const COOKIE_PATH = '/ui';
/** How long a session lasts after login (not sliding: log in again after a working day). */
export const SESSION_TTL_MS = 8 * 60 * 60 * 1000;
/** How long a login form may wait before it is submitted. */
export const LOGIN_TTL_MS = 30 * 60 * 1000;

export interface Session {
  role: Role;
  /** Who: the token's name (or role#n), or the SSO user (e-mail, else subject); never a token. */
  label: string;
  /** How the session was opened. */
  via: 'token' | 'sso';
  /** Random id: the CSRF token and logout refer to it. */
  sid: string;
  /** Expiry, ms since the epoch. */
  exp: number;
}

const payloadSchema = z.strictObject({
  v: z.literal(1),
  r: z.enum(ROLES),
  l: z.string().max(200),
  k: z.union([z.string().regex(/^[A-Za-z0-9_-]{22}$/), z.literal('sso')]),
  s: z.string().regex(/^[A-Za-z0-9_-]{22}$/),
  e: z.number().int().positive(),
});

const b64url = (buf: Buffer): string => buf.toString('base64url');

/** Constant-time comparison of two ASCII strings (false when lengths differ). */
function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

export interface CookieOptions {
  secure: boolean;
  maxAgeSeconds: number;
  /** Lax only for the sign-in state cookie, which must come back on the identity provider's redirect. */
  sameSite?: 'Strict' | 'Lax';
}

/** A Set-Cookie value: HTTP-only, SameSite=Strict, limited to /ui, Secure over https. */
export function cookieHeader(name: string, value: string, o: CookieOptions): string {
  return [
    `${name}=${value}`,
    `Path=${COOKIE_PATH}`,
    `Max-Age=${o.maxAgeSeconds}`,
    'HttpOnly',
    `SameSite=${o.sameSite ?? 'Strict'}`,
    ...(o.secure ? ['Secure'] : []),
  ].join('; ');
}

/** Reads one cookie from a Cookie header (names and values of ours are plain ASCII). */
export function readCookie(header: string | undefined, name: string): string | null {
  if (header === undefined) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}

export class SessionKeeper {
  readonly #key: Buffer;
  readonly #clock: Clock;
  readonly #tokens: readonly { entry: TokenEntry; fingerprint: string }[];
  /** Logged-out session ids until their expiry. */
  readonly #revoked = new Map<string, number>();
  /** Login nonces already submitted, until their expiry. */
  readonly #usedNonces = new Map<string, number>();
  readonly #tokenSessions: boolean;
  readonly #ssoSessions: boolean;

  constructor(options: {
    secret: string | undefined;
    clock: Clock;
    tokens: readonly TokenEntry[];
    /** Sessions opened with a token are accepted (false when token sign-in is switched off). */
    tokenSessions?: boolean;
    /** Sessions opened through SSO are accepted (when auth.sso is configured). */
    ssoSessions?: boolean;
  }) {
    this.#tokenSessions = options.tokenSessions ?? true;
    this.#ssoSessions = options.ssoSessions ?? false;
    // Without a configured secret every process signs with its own random key: sessions end
    // when it restarts, which is the safe default for a single instance.
    this.#key = options.secret === undefined ? randomBytes(32) : Buffer.from(options.secret, 'utf8');
    this.#clock = options.clock;
    this.#tokens = options.tokens.map((entry) => ({
      entry,
      fingerprint: this.#mac(`token:${entry.digest.toString('hex')}`).slice(0, 22),
    }));
  }

  #mac(text: string): string {
    return b64url(createHmac('sha256', this.#key).update(text, 'utf8').digest());
  }

  /** A new session for a verified token: the cookie value and the session it carries. */
  issue(entry: TokenEntry): { value: string; session: Session } {
    const fingerprint = this.#tokens.find((t) => t.entry === entry)?.fingerprint;
    if (fingerprint === undefined) throw new Error("issue(): the token entry is not one of this keeper's tokens");
    return this.#seal({ role: entry.role, label: entry.label, via: 'token' }, fingerprint);
  }

  /** A new session for a user the identity provider signed in, with the role mapped from their claims. */
  issueSso(user: { role: Role; label: string }): { value: string; session: Session } {
    return this.#seal({ role: user.role, label: user.label.slice(0, 200), via: 'sso' }, 'sso');
  }

  #seal(who: Pick<Session, 'role' | 'label' | 'via'>, key: string): { value: string; session: Session } {
    const session: Session = { ...who, sid: b64url(randomBytes(16)), exp: this.#clock.now() + SESSION_TTL_MS };
    const payload = b64url(
      Buffer.from(
        JSON.stringify({ v: 1, r: session.role, l: session.label, k: key, s: session.sid, e: session.exp }),
        'utf8',
      ),
    );
    return { value: `${payload}.${this.#mac(`session:${payload}`)}`, session };
  }

  /** A signed, expiring value for a short-lived cookie (the SSO sign-in's state). */
  sealTransient(data: Record<string, string>, ttlMs: number): string {
    const payload = b64url(Buffer.from(JSON.stringify({ ...data, exp: this.#clock.now() + ttlMs }), 'utf8'));
    return `${payload}.${this.#mac(`transient:${payload}`)}`;
  }

  /** The data of a sealed value, or null when it is tampered with or expired. */
  openTransient(value: string | null): Record<string, string> | null {
    if (value === null || value.length > 4096) return null;
    const dot = value.indexOf('.');
    if (dot <= 0 || !sameText(value.slice(dot + 1), this.#mac(`transient:${value.slice(0, dot)}`))) return null;
    try {
      const data = JSON.parse(Buffer.from(value.slice(0, dot), 'base64url').toString('utf8')) as Record<
        string,
        unknown
      >;
      if (typeof data['exp'] !== 'number' || data['exp'] <= this.#clock.now()) return null;
      const out: Record<string, string> = {};
      for (const [k, v] of Object.entries(data)) if (typeof v === 'string') out[k] = v;
      return out;
    } catch {
      // signed by us, so only an older shape could fail to parse: no state
      return null;
    }
  }

  /** The session of a cookie value, or null when it is tampered with, expired, logged out or its token is gone. */
  verify(value: string | null): Session | null {
    if (value === null) return null;
    const dot = value.indexOf('.');
    if (dot <= 0 || value.length > 1024) return null;
    const payload = value.slice(0, dot);
    if (!sameText(value.slice(dot + 1), this.#mac(`session:${payload}`))) return null;
    let parsed: z.output<typeof payloadSchema>;
    try {
      parsed = payloadSchema.parse(JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')));
    } catch {
      // signed by us but not our shape (an older format): treat as no session
      return null;
    }
    const now = this.#clock.now();
    if (parsed.e <= now || this.#revoked.has(parsed.s)) return null;
    if (parsed.k === 'sso') {
      return this.#ssoSessions ? { role: parsed.r, label: parsed.l, via: 'sso', sid: parsed.s, exp: parsed.e } : null;
    }
    if (!this.#tokenSessions) return null;
    const token = this.#tokens.find((t) => sameText(t.fingerprint, parsed.k));
    if (token?.entry.role !== parsed.r) return null;
    return { role: parsed.r, label: parsed.l, via: 'token', sid: parsed.s, exp: parsed.e };
  }

  /** Ends a session in this process (its cookie is also cleared by the caller). */
  revoke(session: Session): void {
    const now = this.#clock.now();
    for (const [sid, exp] of this.#revoked) if (exp <= now) this.#revoked.delete(sid);
    this.#revoked.set(session.sid, session.exp);
  }

  csrfToken(session: Session): string {
    return this.#mac(`csrf:${session.sid}`);
  }

  checkCsrf(session: Session, given: unknown): boolean {
    return typeof given === 'string' && sameText(given, this.csrfToken(session));
  }

  /** A pre-login nonce: the cookie value and the token the login form carries. */
  loginNonce(): { value: string; csrf: string } {
    const nonce = `${b64url(randomBytes(16))}~${this.#clock.now() + LOGIN_TTL_MS}`;
    return { value: `${nonce}.${this.#mac(`login:${nonce}`)}`, csrf: this.#mac(`login-form:${nonce}`) };
  }

  /**
   * The login form's token matches its (unexpired, untampered, unused) nonce cookie; the nonce
   * is then used up, so each form can be submitted once (a wrong token needs a new form). Used
   * nonces are kept in this process until they expire.
   */
  useLogin(cookie: string | null, given: unknown): boolean {
    if (cookie === null || typeof given !== 'string') return false;
    const dot = cookie.lastIndexOf('.');
    if (dot <= 0) return false;
    const nonce = cookie.slice(0, dot);
    if (!sameText(cookie.slice(dot + 1), this.#mac(`login:${nonce}`))) return false;
    const exp = Number(nonce.split('~')[1]);
    const now = this.#clock.now();
    if (!Number.isFinite(exp) || exp <= now || !sameText(given, this.#mac(`login-form:${nonce}`))) return false;
    for (const [used, until] of this.#usedNonces) if (until <= now) this.#usedNonces.delete(used);
    if (this.#usedNonces.has(nonce)) return false;
    this.#usedNonces.set(nonce, exp);
    return true;
  }
}
