// The `auth:` block (issue 18): dashboard sign-in with the company's identity provider (OpenID
// Connect, authorization code with PKCE), roles mapped from an ID-token claim, and whether the
// API-token sign-in form stays. API tokens keep working for machines either way.

import { z } from 'zod';

const groups = z.array(z.string().min(1)).default([]);

export const ssoSchema = z.strictObject({
  /** The provider's issuer URL; its /.well-known/openid-configuration is read at the first sign-in. */
  issuer: z.string().refine((s) => URL.canParse(s) && /^https?:/.test(s), {
    error: 'must be the issuer URL, e.g. https://login.example.com',
  }),
  clientId: z.string().min(1, { error: 'is required: the client id registered for partnersync' }),
  /** A confidential client's secret, from this environment variable; without it, a public client (PKCE only). */
  clientSecretEnv: z
    .string()
    .regex(/^[A-Z][A-Z0-9_]*$/, { error: 'must be the NAME of an environment variable, e.g. OIDC_CLIENT_SECRET' })
    .optional(),
  scopes: z.array(z.string().min(1)).default(['openid', 'email', 'profile']),
  /** The ID-token claim holding the user's groups or roles (a string or a list of strings). */
  roleClaim: z.string().min(1).default('groups'),
  /** Claim values per role; the highest role any value maps to wins; none → refused. */
  roles: z
    .strictObject({ viewer: groups, finance: groups, admin: groups })
    .default({ viewer: [], finance: [], admin: [] }),
  /** The callback URL registered at the provider (default: server.publicUrl, else this request's origin, + /ui/sso/callback). */
  redirectUrl: z
    .string()
    .refine((s) => URL.canParse(s) && /^https?:/.test(s), {
      error: 'must be an http(s) URL ending in /ui/sso/callback',
    })
    .optional(),
  /** Shown on the sign-in button ("Sign in with …"). */
  displayName: z.string().min(1).max(40).default('your company account'),
});
export type SsoConfig = z.output<typeof ssoSchema>;

export const authSchema = z
  .strictObject({
    /** The dashboard's sign-in form for API tokens; false needs auth.sso. */
    tokenSignIn: z.boolean().default(true),
    sso: ssoSchema.optional(),
  })
  .refine((a) => a.tokenSignIn || a.sso !== undefined, {
    error: 'tokenSignIn: false leaves no way into the dashboard; configure auth.sso first',
    path: ['tokenSignIn'],
  });
export type AuthConfig = z.output<typeof authSchema>;
