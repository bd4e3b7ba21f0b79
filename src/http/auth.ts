// API tokens with roles (docs/product.md "HTTP API"): PARTNERSYNC_TOKENS="viewer:TOKEN,finance:TOKEN,
// admin:TOKEN", or with a name, "finance:ana:TOKEN" (issue 17: the name is who acted, recorded
// with period closes and in the audit log; unnamed entries are "role#n"). Roles are ordered:
// finance can do what a viewer can, admin what finance can. Tokens are compared in constant time
// (on their SHA-256 digests, so lengths never leak).

import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { ConfigError } from '../config/errors.ts';
import { HttpError } from './errors.ts';

export const ROLES = ['viewer', 'finance', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export interface TokenEntry {
  role: Role;
  digest: Buffer;
  /** Who acts with this token: its name, or the role and the token's position in the list (`admin#2`). */
  label: string;
}

/** A token name: short, no spaces or commas, never mistaken for a token (which is at least 16 characters). */
const TOKEN_NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;

const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

/** Parses PARTNERSYNC_TOKENS; every problem names the entry (never the token itself). */
export function parseTokens(spec: string | undefined): TokenEntry[] {
  if (spec === undefined || spec.trim() === '') return [];
  const entries: TokenEntry[] = [];
  spec.split(',').forEach((raw, i) => {
    const item = raw.trim();
    const colon = item.indexOf(':');
    const role = colon < 0 ? '' : item.slice(0, colon).trim();
    const rest = colon < 0 ? '' : item.slice(colon + 1).trim();
    if (!(ROLES as readonly string[]).includes(role)) {
      throw new ConfigError('environment', [
        {
          path: 'PARTNERSYNC_TOKENS',
          message: `entry ${i + 1}: role must be viewer, finance or admin (write role:TOKEN or role:name:TOKEN, comma-separated)`,
        },
      ]);
    }
    // role:name:TOKEN when what follows the role holds a colon and starts with a valid name
    const second = rest.indexOf(':');
    const named = second > 0 && TOKEN_NAME.test(rest.slice(0, second));
    const name = named ? rest.slice(0, second) : null;
    const token = named ? rest.slice(second + 1).trim() : rest;
    if (name !== null && entries.some((e) => e.label === name))
      throw new ConfigError('environment', [
        {
          path: 'PARTNERSYNC_TOKENS',
          message: `entry ${i + 1}: the name ${name} is used twice; give each token its own name`,
        },
      ]);
    if (token.length < 16)
      throw new ConfigError('environment', [
        {
          path: 'PARTNERSYNC_TOKENS',
          message: `entry ${i + 1}: token is shorter than 16 characters; use a long random token`,
        },
      ]);
    entries.push({ role: role as Role, digest: digest(token), label: name ?? `${role}#${i + 1}` });
  });
  return entries;
}

/** The entry whose token matches, comparing against every entry so timing does not tell which. */
export function findToken(entries: readonly TokenEntry[], token: string): TokenEntry | null {
  const d = digest(token);
  let found: TokenEntry | null = null;
  for (const e of entries) if (timingSafeEqual(e.digest, d) && found === null) found = e;
  return found;
}

export const roleAtLeast = (have: Role, need: Role): boolean => ROLES.indexOf(have) >= ROLES.indexOf(need);

export function bearerToken(req: Request): string | null {
  const header = req.get('authorization');
  if (!header) return null;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m?.[1] ?? null;
}

declare module 'express-serve-static-core' {
  interface Request {
    /** Set by `authenticate`: who is calling. */
    principal?: { role: Role; label: string; via: 'token' | 'session' };
  }
}

/**
 * Sets `req.principal` when the request carries a valid bearer token, and lets every request
 * through: it runs before the rate limiter (which keys budgets by the verified token's entry,
 * so every spelling of one token shares one budget) and before any body is read. Routes still
 * decide with `requireRole`.
 */
export function identifyBearer(entries: readonly TokenEntry[]) {
  return (req: Request, _res: Response, next: NextFunction): void => {
    const token = bearerToken(req);
    const entry = token === null ? null : findToken(entries, token);
    if (entry !== null) req.principal = { role: entry.role, label: entry.label, via: 'token' };
    next();
  };
}

/**
 * Accepts a bearer token (API clients) or a principal already set by the session middleware
 * (dashboard). 401 without valid credentials, 403 with a role below `need`.
 */
export function requireRole(entries: readonly TokenEntry[], need: Role) {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (!req.principal) {
      const token = bearerToken(req);
      const entry = token === null ? null : findToken(entries, token);
      if (entry === null) {
        res.set('WWW-Authenticate', 'Bearer realm="partnersync"');
        next(
          new HttpError(
            401,
            'unauthorized',
            token === null
              ? 'a bearer token is required (Authorization: Bearer TOKEN)'
              : 'the bearer token is not valid',
          ),
        );
        return;
      }
      req.principal = { role: entry.role, label: entry.label, via: 'token' };
    }
    if (!roleAtLeast(req.principal.role, need)) {
      next(new HttpError(403, 'forbidden', `this route needs the ${need} role; your token has ${req.principal.role}`));
      return;
    }
    next();
  };
}
