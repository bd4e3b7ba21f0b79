// OAuth 2.0 token endpoint and identity URL of the login server.
// Grants: refresh_token, JWT bearer (urn:ietf:params:oauth:grant-type:jwt-bearer),
// client_credentials and authorization_code. The answer carries `instance_url` (this server) and
// `id` = `{login}/id/{orgId}/{userId}`, which jsforce parses for the user and org ids.
// https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_endpoints.htm

import { createHmac } from 'node:crypto';
import express, { Router } from 'express';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { formatDateTime } from '../format.ts';
import { normalizeId } from '../ids.ts';
import type { SfServices } from '../services.ts';
import { origin, param } from './route-helpers.ts';

const JWT_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

const tokenRequest = z
  .object({
    grant_type: z.string(),
    client_id: z.string().optional(),
    client_secret: z.string().optional(),
    refresh_token: z.string().optional(),
    assertion: z.string().optional(),
    code: z.string().optional(),
  })
  .loose();

type TokenRequest = z.infer<typeof tokenRequest>;

const jwtClaims = z.object({ sub: z.string().optional(), exp: z.number().optional() }).loose();

class OAuthError extends Error {
  readonly error: string;
  constructor(error: string, description: string) {
    super(description);
    this.error = error;
  }
}

function userByUsername(services: SfServices, username: string | undefined): string {
  if (username === undefined) return services.sessions.defaultUserId;
  for (const u of services.org.table('User')?.rows.values() ?? []) {
    if (String(u['Username']).toLowerCase() === username.toLowerCase()) return String(u['Id']);
  }
  // Lenient like the bearer check: an unknown subject acts as the integration user.
  return services.sessions.defaultUserId;
}

/** The user a grant authenticates, after the checks Salesforce makes on it. */
function grantUser(services: SfServices, body: TokenRequest): string {
  switch (body.grant_type) {
    case 'refresh_token':
      if (!body.refresh_token) throw new OAuthError('invalid_grant', 'expired access/refresh token');
      return services.sessions.defaultUserId;
    case JWT_GRANT:
      return jwtUser(services, body.assertion);
    case 'client_credentials':
      if (!body.client_secret) throw new OAuthError('invalid_client', 'invalid client credentials');
      return services.sessions.defaultUserId;
    case 'authorization_code':
      if (!body.code) throw new OAuthError('invalid_grant', 'invalid authorization code');
      return services.sessions.defaultUserId;
    default:
      throw new OAuthError('unsupported_grant_type', 'grant type not supported');
  }
}

function jwtUser(services: SfServices, assertion: string | undefined): string {
  const payload = assertion?.split('.')[1];
  if (assertion?.split('.').length !== 3 || payload === undefined)
    throw new OAuthError('invalid_grant', 'invalid assertion');
  let claims: z.infer<typeof jwtClaims>;
  try {
    claims = jwtClaims.parse(JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')));
  } catch {
    // A payload that is not JSON claims is what Salesforce calls an invalid assertion.
    throw new OAuthError('invalid_grant', 'invalid assertion');
  }
  if (claims.exp !== undefined && claims.exp * 1000 < services.ctx.clock.now())
    throw new OAuthError('invalid_grant', 'expired authorization code');
  return userByUsername(services, claims.sub);
}

function issueToken(services: SfServices, req: Request, body: TokenRequest): Record<string, unknown> {
  if (!body.client_id && body.grant_type !== JWT_GRANT)
    throw new OAuthError('invalid_client_id', 'client identifier invalid');
  const userId = grantUser(services, body);
  const issued = services.ctx.tokens.issue(services.settings.tokenTtlSeconds);
  services.sessions.bind(issued.accessToken, userId);
  const base = origin(req);
  const id = `${base}/id/${services.org.orgId}/${userId}`;
  const issuedAt = String(services.ctx.clock.now());
  const signature = createHmac('sha256', body.client_secret ?? 'sandbox')
    .update(id + issuedAt)
    .digest('base64');
  const answer: Record<string, unknown> = {
    access_token: issued.accessToken,
    signature,
    scope: 'api refresh_token',
    instance_url: base,
    id,
    token_type: 'Bearer',
    issued_at: issuedAt,
  };
  // Only the authorization-code flow hands out a refresh token; refresh, JWT and client credentials do not.
  if (body.grant_type === 'authorization_code') answer['refresh_token'] = issued.refreshToken;
  return answer;
}

function tokenHandler(services: SfServices) {
  return (req: Request, res: Response): void => {
    const parsed = tokenRequest.safeParse(req.body ?? {});
    if (!parsed.success) {
      res.status(400).json({ error: 'unsupported_grant_type', error_description: 'grant type not supported' });
      return;
    }
    try {
      res.json(issueToken(services, req, parsed.data));
    } catch (err) {
      if (!(err instanceof OAuthError)) throw err;
      res.status(400).json({ error: err.error, error_description: err.message });
    }
  };
}

function identityHandler(services: SfServices) {
  return (req: Request, res: Response): void => {
    const userId = normalizeId(param(req, 'userId'));
    const user = userId === null ? undefined : services.org.table('User')?.rows.get(userId);
    if (param(req, 'orgId') !== services.org.orgId || user === undefined) {
      res.status(404).json({ error: 'Bad_Id', error_description: 'Bad_Id' });
      return;
    }
    const base = origin(req);
    res.json({
      id: `${base}/id/${services.org.orgId}/${String(user['Id'])}`,
      asserted_user: true,
      user_id: user['Id'],
      organization_id: services.org.orgId,
      username: user['Username'],
      nick_name: user['Alias'],
      display_name: user['Name'],
      email: user['Email'],
      email_verified: true,
      first_name: user['FirstName'],
      last_name: user['LastName'],
      timezone: user['TimeZoneSidKey'],
      active: user['IsActive'],
      user_type: 'STANDARD',
      language: 'en_US',
      locale: 'en_US',
      utcOffset: 0,
      last_modified_date:
        typeof user['LastModifiedDate'] === 'number' ? formatDateTime(user['LastModifiedDate']) : null,
      urls: {
        rest: `${base}/services/data/v{version}/`,
        sobjects: `${base}/services/data/v{version}/sobjects/`,
        query: `${base}/services/data/v{version}/query/`,
        tooling_rest: `${base}/services/data/v{version}/tooling/`,
        profile: `${base}/${String(user['Id'])}`,
        custom_domain: base,
      },
    });
  };
}

export function oauthRoutes(services: SfServices): Router {
  const router = Router();
  const form = express.urlencoded({ extended: false });
  router.post('/services/oauth2/token', form, tokenHandler(services));
  router.post('/services/oauth2/revoke', form, (_req, res) => {
    res.status(200).end();
  });
  router.get('/id/:orgId/:userId', identityHandler(services));
  return router;
}
