// The `finance:` block (issue 20): payout runs (the minimum paid out, partners on hold), the key
// that seals payee details (the NAME of an environment variable, never the key), and whether
// partners get their PDF statement by e-mail when a month closes or a payout run is approved.

import { z } from 'zod';

const envName = z.string().regex(/^[A-Z][A-Z0-9_]*$/, {
  error: 'must be the NAME of an environment variable holding the key, e.g. PARTNERSYNC_PAYEE_KEY (never the key)',
});

export const financeSchema = z.strictObject({
  payouts: z
    .strictObject({
      /** A partner whose payable balance is below this (program currency, decimal) waits for a later run. */
      minimum: z
        .string({ error: 'must be a decimal amount in quotes, e.g. "50.00"' })
        .regex(/^\d+(\.\d+)?$/, { error: 'must be a decimal amount that is not negative, e.g. "50.00"' })
        .default('0'),
      /** Partners whose payouts are held (their balances wait until they are removed from the list). */
      holdPartners: z.array(z.string().min(1, { error: 'must be a partner id' })).default([]),
    })
    .default({ minimum: '0', holdPartners: [] }),
  payees: z
    .strictObject({
      /** The environment variable holding the 32-byte AES-256-GCM key (64 hex characters or base64). */
      keyEnv: envName,
    })
    .optional(),
  statements: z
    .strictObject({
      /** E-mail each partner its PDF statement when a month is closed. */
      emailOnClose: z.boolean().default(false),
      /** E-mail each paid partner its PDF statement when a payout run is approved. */
      emailOnPayoutApproval: z.boolean().default(false),
      /** The notifications e-mail channel to send them through (a key of notifications.channels). */
      channel: z.string().min(1).optional(),
    })
    .default({ emailOnClose: false, emailOnPayoutApproval: false }),
});

export type FinanceConfig = z.output<typeof financeSchema>;

/** finance.statements.channel must name an e-mail channel of notifications.channels. */
export function financeIssues(config: {
  finance?: FinanceConfig | undefined;
  notifications?: { channels: Record<string, { type: string }> } | undefined;
}): { path: string; message: string }[] {
  const s = config.finance?.statements;
  if (s === undefined) return [];
  const wanted = s.emailOnClose || s.emailOnPayoutApproval;
  if (s.channel === undefined)
    return wanted
      ? [
          {
            path: 'finance.statements.channel',
            message: 'is required to e-mail statements: name an e-mail channel of notifications.channels',
          },
        ]
      : [];
  const channel = config.notifications?.channels[s.channel];
  if (channel?.type !== 'email')
    return [
      {
        path: 'finance.statements.channel',
        message: `"${s.channel}" is not an e-mail channel of notifications.channels; add one (type: email) or name an existing one`,
      },
    ];
  return [];
}
