// OAuth v1 token endpoint (refresh_token and authorization_code grants) and token introspection.
// Issued access tokens expire after `tokenTtlSeconds` (HubSpot: 1,800 s) on the sandbox clock.
// https://developers.hubspot.com/docs/api-reference/auth-oauth-v1/guide

import express, { Router } from 'express';
import { randomUUID } from 'node:crypto';
import { param, type HubspotDeps } from '../http.ts';

export const HUBSPOT_TOKEN_TTL_SECONDS = 1800;

export function oauthRoutes({ state, ctx }: HubspotDeps): Router {
  const router = Router();
  const ttl = ctx.options.tokenTtlSeconds ?? HUBSPOT_TOKEN_TTL_SECONDS;

  router.post('/oauth/v1/token', express.urlencoded({ extended: false }), (req, res) => {
    const form = (req.body ?? {}) as Record<string, unknown>;
    const field = (name: string): string => (typeof form[name] === 'string' ? form[name] : '');
    const grant = field('grant_type');
    const bad = (status: string, message: string): void => {
      res.status(400).json({ status, message, correlationId: randomUUID() });
    };
    if (field('client_id') === '' || field('client_secret') === '') {
      bad('BAD_CLIENT_ID', 'missing or unknown client id');
      return;
    }
    if (grant === 'refresh_token' && field('refresh_token') === '') {
      bad('BAD_REFRESH_TOKEN', 'missing or unknown refresh token');
      return;
    }
    if (grant === 'authorization_code' && field('code') === '') {
      bad('BAD_AUTH_CODE', 'missing or unknown auth code');
      return;
    }
    if (grant !== 'refresh_token' && grant !== 'authorization_code') {
      bad('BAD_GRANT_TYPE', `unsupported grant_type "${grant}"`);
      return;
    }
    const issued = ctx.tokens.issue(ttl);
    state.tokenApps.set(issued.accessToken, `client:${field('client_id')}`);
    res.json({
      token_type: 'bearer',
      access_token: issued.accessToken,
      // HubSpot keeps the refresh token across refreshes.
      refresh_token: grant === 'refresh_token' ? field('refresh_token') : issued.refreshToken,
      expires_in: issued.expiresInSeconds,
    });
  });

  router.get('/oauth/v1/access-tokens/:token', (req, res) => {
    const valid = ctx.tokens.check(param(req, 'token')) === 'valid';
    if (!valid) {
      res.status(401).json({
        status: 'error',
        message: 'The token is expired or invalid',
        correlationId: randomUUID(),
        category: 'EXPIRED_AUTHENTICATION',
      });
      return;
    }
    res.json({
      token: param(req, 'token'),
      hub_id: state.portalId,
      app_id: 1,
      expires_in: ttl,
      user_id: state.owners[0]?.userId ?? 0,
      token_type: 'access',
      scopes: [
        'crm.objects.deals.read',
        'crm.objects.deals.write',
        'crm.objects.companies.read',
        'crm.objects.companies.write',
        'crm.schemas.deals.write',
        'crm.objects.owners.read',
      ],
    });
  });
  return router;
}
