// The `notifications:` block (issue 18): channels (SMTP e-mail, Slack, signed outgoing webhooks),
// who gets which event, and the definition of a partner's contacts that later features share.
// Secrets are never written here: each is the NAME of an environment variable (`passwordEnv:
// SMTP_PASSWORD`), read through config/secrets.ts.

import { z } from 'zod';

export const EVENT_TYPES = [
  'alert.opened',
  'alert.resolved',
  'registration.submitted',
  'registration.decided',
  'commission.payable',
  'period.closed',
  'sync.failed',
  'sync.stopped',
  'writeback.failed',
  'payout.approved',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export const SEVERITIES = ['critical', 'warning', 'info'] as const;

/** Indirect recipients, resolved when the notification is sent (the CRM answers who they are). */
export const RECIPIENT_KEYWORDS = ['owner', 'finance', 'partner-contacts'] as const;
export type RecipientKeyword = (typeof RECIPIENT_KEYWORDS)[number];

const envName = z.string().regex(/^[A-Z][A-Z0-9_]*$/, {
  error: 'must be the NAME of an environment variable holding the secret, e.g. SMTP_PASSWORD (never the secret)',
});

const httpUrl = (example: string) =>
  z
    .string()
    .refine((s) => URL.canParse(s) && /^https?:/.test(s), { error: `must be an http(s) URL such as ${example}` });

const email = z.email({ error: 'must be an e-mail address such as finance@example.com' });

const emailChannel = z.strictObject({
  type: z.literal('email'),
  /** The From header: an address, or `Name <address>`. */
  from: z.string().min(3, { error: 'is required: the sender, e.g. "partnersync <partnersync@example.com>"' }),
  smtp: z.strictObject({
    host: z.string().min(1, { error: 'is required: the SMTP server, e.g. smtp.example.com' }),
    port: z.number().int().min(1).max(65535).default(587),
    /** TLS from the first byte (port 465); otherwise STARTTLS when the server offers it. */
    secure: z.boolean().default(false),
    user: z.string().min(1).optional(),
    passwordEnv: envName.optional(),
  }),
});

const slackChannel = z
  .strictObject({
    type: z.literal('slack'),
    /** An incoming-webhook URL, from this environment variable (the URL is the secret). */
    webhookUrlEnv: envName.optional(),
    /** Or a bot token (xoxb-…) from this environment variable, posting to `channel`. */
    tokenEnv: envName.optional(),
    channel: z.string().min(1).optional(),
    /** The Web API's base URL (only for Slack GovSlack or a test double). */
    apiUrl: httpUrl('https://slack.com/api/').optional(),
  })
  .refine((c) => (c.webhookUrlEnv === undefined) !== (c.tokenEnv === undefined), {
    error: 'give either webhookUrlEnv (an incoming webhook) or tokenEnv with channel (a bot token), not both',
  })
  .refine((c) => c.tokenEnv === undefined || c.channel !== undefined, {
    error: 'a bot token needs channel: the Slack channel id or #name to post to',
    path: ['channel'],
  });

const webhookChannel = z.strictObject({
  type: z.literal('webhook'),
  url: httpUrl('https://hooks.example.com/partnersync'),
  /** The endpoint's signing secret (HMAC-SHA256), from this environment variable. */
  secretEnv: envName,
  timeoutSeconds: z.number().int().min(1).max(60).default(10),
});

export const channelSchema = z.discriminatedUnion('type', [emailChannel, slackChannel, webhookChannel], {
  error: 'type must be email, slack or webhook',
});
export type ChannelConfig = z.output<typeof channelSchema>;

const recipient = z.union([z.enum(RECIPIENT_KEYWORDS), email], {
  error: `must be owner, finance, partner-contacts or an e-mail address`,
});

const routeSchema = z.strictObject({
  /** Event types this route sends. */
  events: z.array(z.enum(EVENT_TYPES, { error: `must be one of: ${EVENT_TYPES.join(', ')}` })).min(1),
  /** alert.* only: these codes (default every code). */
  codes: z.array(z.string().regex(/^[A-Z_]+$/, { error: 'must be an alert code such as HEALTH_AT_RISK' })).optional(),
  /** alert.* only: these severities (default every severity). */
  severities: z.array(z.enum(SEVERITIES, { error: 'must be critical, warning or info' })).optional(),
  /** The channel id (a key of notifications.channels). */
  channel: z.string().min(1),
  /** E-mail channels: who receives it. */
  to: z.array(recipient).min(1).optional(),
  /** immediate, or one digest per recipient per day at notifications.digestHour (program time zone). */
  mode: z.enum(['immediate', 'digest']).default('immediate'),
});
export type RouteConfig = z.output<typeof routeSchema>;

export const notificationsSchema = z
  .strictObject({
    channels: z.record(z.string().regex(/^[a-z0-9][a-z0-9_-]*$/), channelSchema).default({}),
    routes: z.array(routeSchema).default([]),
    /** Who `finance` is. */
    finance: z.array(email).default([]),
    /** The partner's contacts: CRM contacts of the partner record with an e-mail that match this filter. */
    partnerContacts: z
      .strictObject({
        where: z.record(z.string().regex(/^[A-Za-z][A-Za-z0-9_]*$/), z.union([z.string(), z.number(), z.boolean()])),
      })
      .default({ where: {} }),
    /** Local hour (program time zone) at which daily digests go out. */
    digestHour: z.number().int().min(0).max(23).default(8),
    /** Failed deliveries are retried with exponential backoff for this long, then given up. */
    retryHours: z.number().min(0.01).max(168).default(24),
  })
  .superRefine((n, ctx) => {
    n.routes.forEach((r, i) => {
      const channel = n.channels[r.channel];
      if (channel === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['routes', i, 'channel'],
          message: `names no channel; define notifications.channels.${r.channel} or use one of: ${Object.keys(n.channels).join(', ') || '(none defined)'}`,
        });
        return;
      }
      if (channel.type === 'email' && r.to === undefined)
        ctx.addIssue({
          code: 'custom',
          path: ['routes', i, 'to'],
          message: 'an e-mail route needs to: [owner | finance | partner-contacts | an address]',
        });
      if (channel.type !== 'email' && r.to !== undefined)
        ctx.addIssue({
          code: 'custom',
          path: ['routes', i, 'to'],
          message: `a ${channel.type} channel has one destination; remove to (or route to an e-mail channel)`,
        });
      if (channel.type === 'webhook' && r.mode === 'digest')
        ctx.addIssue({
          code: 'custom',
          path: ['routes', i, 'mode'],
          message: 'webhooks carry one event each; use mode: immediate',
        });
      const alertsOnly = r.codes !== undefined || r.severities !== undefined;
      if (alertsOnly && r.events.some((e) => !e.startsWith('alert.')))
        ctx.addIssue({
          code: 'custom',
          path: ['routes', i, 'codes'],
          message: 'codes and severities filter alert events only; put other events in a route of their own',
        });
    });
  });
export type NotificationsConfig = z.output<typeof notificationsSchema>;
