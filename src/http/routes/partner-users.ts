// Partner users for admins (issue 19): GET /v1/partner-users, POST /v1/partner-users {partnerId,
// email} (invites: e-mails a single-use sign-in link), DELETE /v1/partner-users/{id} (revokes:
// access ends, the address is deleted).

import { Router, type Request } from 'express';
import { z } from 'zod';
import type { PartnerUser } from '../../store/partner-portal.ts';
import { invitePartnerUser, PortalInputError, revokePartnerUser, type PortalDeps } from '../../sync/partner-users.ts';
import { requireRole } from '../auth.ts';
import type { AppDeps } from '../deps.ts';
import { HttpError, noQuery, parseOr400 } from '../errors.ts';
import { baseUrl } from '../sso/sso-routes.ts';

const inviteBody = z.strictObject({
  partnerId: z.string().min(1).max(200),
  email: z.string().min(3).max(254),
});
const idParams = z.strictObject({
  id: z.uuid({ error: 'must be a partner user id (GET /v1/partner-users)' }),
});

export const partnerUserJson = (u: PartnerUser): Record<string, unknown> => ({
  id: u.id,
  partnerId: u.partnerId,
  email: u.email,
  status: u.status,
  invitedBy: u.invitedBy,
  createdAt: new Date(u.createdAt).toISOString(),
  lastSignInAt: u.lastSignInAt === null ? null : new Date(u.lastSignInAt).toISOString(),
});

const actor = (req: Request): string => req.principal?.label ?? 'unknown';

async function portalErrors<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof PortalInputError)
      throw new HttpError(
        err.status,
        err.status === 404 ? 'not_found' : 'invalid_request',
        `${err.field}: ${err.message}`,
      );
    throw err;
  }
}

export function partnerUserRoutes(deps: AppDeps): Router {
  const router = Router();
  const admin = requireRole(deps.tokens, 'admin');
  const portal: PortalDeps = { ...deps, mailer: deps.mailer ?? null };

  router.get('/partner-users', admin, async (req, res) => {
    parseOr400(noQuery, req.query, 'query');
    const users = await deps.store.partners.listPartnerUsers(await deps.account());
    res.set('Cache-Control', 'no-store').json({ users: users.map(partnerUserJson) });
  });

  router.post('/partner-users', admin, async (req, res) => {
    const body = parseOr400(inviteBody, req.body, 'body');
    const account = await deps.account();
    const { user, expiresAt } = await portalErrors(() =>
      invitePartnerUser(portal, { account, ...body, actor: actor(req), baseUrl: baseUrl(deps, req) }),
    );
    res.status(201).json({ user: partnerUserJson(user), linkExpiresAt: new Date(expiresAt).toISOString() });
  });

  router.delete('/partner-users/:id', admin, async (req, res) => {
    const { id } = parseOr400(idParams, req.params, 'params');
    const user = await portalErrors(async () =>
      revokePartnerUser(portal, { account: await deps.account(), userId: id, actor: actor(req) }),
    );
    res.json({ user: partnerUserJson(user) });
  });
  return router;
}
