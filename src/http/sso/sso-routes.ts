// The single sign-on routes of the dashboard (open: they are how one gets a session):
//   GET /ui/sso/start     → the provider's authorization URL (PKCE, state, nonce kept in a signed,
//                           short-lived, SameSite=Lax cookie: it must come back on the provider's
//                           redirect, which a Strict cookie would not);
//   GET /ui/sso/callback  → code exchanged and checked, role mapped from the claim; a user without
//                           a mapped role is refused with a page that says why; both are audited.

import type { Request, Response, Router } from 'express';
import { recordAudit } from '../../audit/record-audit.ts';
import type { AppDeps } from '../deps.ts';
import { refusedPage, signedInPage, ssoErrorPage } from '../ui/pages/sso.ts';
import { readCookie, SESSION_COOKIE, SESSION_TTL_MS, type SessionKeeper } from '../ui/session.ts';
import type { OidcSignIn } from './oidc-sign-in.ts';

export const OIDC_STATE_COOKIE = 'psync_oidc';
/** The ID token, kept for the provider's logout (id_token_hint). */
export const ID_TOKEN_COOKIE = 'psync_idt';
/** How long a sign-in at the provider may take. */
const STATE_TTL_MS = 10 * 60 * 1000;

export interface SsoRouteContext {
  deps: AppDeps;
  sso: OidcSignIn;
  sessions: SessionKeeper;
  cookie: (req: Request, name: string, value: string, maxAgeMs: number, sameSite?: 'Strict' | 'Lax') => string;
  sendHtml: (res: Response, status: number, body: string) => void;
  safeNext: (value: unknown) => string;
}

/** The public base URL: server.publicUrl, else this request's protocol and host. */
export function baseUrl(deps: AppDeps, req: Request): string {
  return deps.config.config.server.publicUrl ?? `${req.protocol}://${req.get('host') ?? 'localhost'}`;
}

export function redirectUri(deps: AppDeps, req: Request): string {
  return deps.config.config.auth.sso?.redirectUrl ?? `${baseUrl(deps, req)}/ui/sso/callback`;
}

export function ssoRoutes(router: Router, ctx: SsoRouteContext): void {
  const { deps, sso, sessions } = ctx;
  const requestId = (res: Response): unknown => res.locals['requestId'];

  router.get('/sso/start', async (req, res) => {
    const next = ctx.safeNext(req.query['next']);
    let started: Awaited<ReturnType<OidcSignIn['start']>>;
    try {
      started = await sso.start(redirectUri(deps, req));
    } catch (err) {
      deps.logger.error({ err, requestId: requestId(res) }, 'sso: the identity provider cannot be reached');
      ctx.sendHtml(res, 502, ssoErrorPage('The identity provider cannot be reached right now. Try again in a moment.'));
      return;
    }
    const state = sessions.sealTransient({ ...started.pending, next }, STATE_TTL_MS);
    res.append('Set-Cookie', ctx.cookie(req, OIDC_STATE_COOKIE, state, STATE_TTL_MS, 'Lax'));
    res.set('Cache-Control', 'no-store').redirect(303, started.url);
  });

  router.get('/sso/callback', async (req, res) => {
    const pending = sessions.openTransient(readCookie(req.get('cookie'), OIDC_STATE_COOKIE));
    res.append('Set-Cookie', ctx.cookie(req, OIDC_STATE_COOKIE, '', 0, 'Lax'));
    const fail = async (status: number, reason: string, message: string): Promise<void> => {
      await recordAudit(deps, 'signin.failed', 'unknown', null, { via: 'sso', reason });
      deps.logger.warn({ requestId: requestId(res), reason }, 'sso: sign-in refused');
      ctx.sendHtml(res, status, ssoErrorPage(message));
    };
    if (pending?.['verifier'] === undefined || pending['state'] === undefined || pending['nonce'] === undefined) {
      await fail(400, 'no pending sign-in', 'This sign-in expired or was not started here. Please start again.');
      return;
    }
    if (typeof req.query['error'] === 'string') {
      await fail(
        403,
        `provider error ${req.query['error']}`,
        `The identity provider did not sign you in (${req.query['error']}).`,
      );
      return;
    }
    const callback = new URL(redirectUri(deps, req));
    callback.search = new URL(req.originalUrl, 'http://x').search;
    let user: Awaited<ReturnType<OidcSignIn['finish']>>;
    try {
      user = await sso.finish(callback, {
        verifier: pending['verifier'],
        state: pending['state'],
        nonce: pending['nonce'],
      });
    } catch (err) {
      deps.logger.warn({ err, requestId: requestId(res) }, 'sso: the callback did not check out');
      await fail(
        400,
        err instanceof Error ? err.message.slice(0, 200) : 'callback failed',
        'The answer of the identity provider could not be verified. Please sign in again.',
      );
      return;
    }
    if (user.role === null) {
      await recordAudit(deps, 'signin.failed', user.label, null, {
        via: 'sso',
        reason: 'no mapped role',
        groups: user.groups,
      });
      ctx.sendHtml(
        res,
        403,
        refusedPage({
          user: user.label,
          claim: deps.config.config.auth.sso?.roleClaim ?? 'groups',
          groups: user.groups,
          provider: sso.displayName,
        }),
      );
      return;
    }
    const { value, session } = sessions.issueSso({ role: user.role, label: user.label });
    await recordAudit(deps, 'signin', session.label, null, { via: 'sso', role: session.role, subject: user.subject });
    deps.logger.info({ principal: session.label, role: session.role }, 'dashboard session started (sso)');
    res.append('Set-Cookie', ctx.cookie(req, SESSION_COOKIE, value, SESSION_TTL_MS));
    if (user.idToken !== null && user.idToken.length < 3500)
      res.append('Set-Cookie', ctx.cookie(req, ID_TOKEN_COOKIE, user.idToken, SESSION_TTL_MS));
    ctx.sendHtml(res, 200, signedInPage(ctx.safeNext(pending['next'])));
  });
}
