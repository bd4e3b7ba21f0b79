// Payee details (issue 20): what a payout file needs to pay a partner (for Wise: the account
// holder, the currency, an IBAN or an account number, an e-mail). Stored sealed with AES-256-GCM
// under a key from the environment (finance.payees.keyEnv), so the database never holds them in
// clear; they are opened only to write a payout file and never logged.

import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { LedgerInputError } from './errors.ts';

const IV_BYTES = 12;
const TAG_BYTES = 16;
/** Version prefix of the sealed text, so a later key rotation can tell formats apart. */
const PREFIX = 'v1:';

/** The 32-byte key from its environment value: 64 hex characters or base64 of 32 bytes. */
export function parsePayeeKey(name: string, value: string): Buffer {
  const v = value.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(v) ? Buffer.from(v, 'hex') : Buffer.from(v, 'base64');
  if (key.length !== 32)
    throw new LedgerInputError(
      `${name}: must hold a 32-byte key, as 64 hex characters or base64 (e.g. \`openssl rand -hex 32\`)`,
    );
  return key;
}

export function seal(key: Buffer, plain: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return PREFIX + Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
}

export function unseal(key: Buffer, sealed: string): string {
  if (!sealed.startsWith(PREFIX)) throw new Error('payee details: unknown sealed format');
  const raw = Buffer.from(sealed.slice(PREFIX.length), 'base64');
  const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV_BYTES));
  decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
  try {
    return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
  } catch (err) {
    throw new Error('payee details cannot be opened with this key (was finance.payees.keyEnv changed?)', {
      cause: err,
    });
  }
}

/** ISO 13616 check: two letters, two check digits, up to 30 letters or digits, mod 97 = 1. */
export function validIban(text: string): boolean {
  const iban = text.replace(/\s+/g, '').toUpperCase();
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$/.test(iban)) return false;
  const moved = iban.slice(4) + iban.slice(0, 4);
  let rest = 0;
  for (const ch of moved) {
    const code = ch >= 'A' ? String(ch.charCodeAt(0) - 55) : ch;
    for (const d of code) rest = (rest * 10 + Number(d)) % 97;
  }
  return rest === 1;
}

export const payeeSchema = z
  .strictObject({
    accountHolder: z.string().trim().min(1, { error: 'is required: the name on the bank account' }).max(140),
    currency: z.string().regex(/^[A-Z]{3}$/, { error: 'must be the ISO 4217 code of the currency paid out, e.g. EUR' }),
    iban: z
      .string()
      .transform((s) => s.replace(/\s+/g, '').toUpperCase())
      .refine(validIban, { error: 'is not a valid IBAN (country, check digits, account): check it with the partner' })
      .optional(),
    accountNumber: z
      .string()
      .regex(/^[A-Za-z0-9 -]{4,34}$/, { error: 'must be 4 to 34 letters, digits, spaces or dashes' })
      .optional(),
    email: z.email({ error: 'must be the e-mail address of the recipient' }),
    type: z.enum(['BUSINESS', 'PRIVATE'], { error: 'must be BUSINESS or PRIVATE' }).default('BUSINESS'),
  })
  .refine((p) => p.iban !== undefined || p.accountNumber !== undefined, {
    error: 'give an iban or an accountNumber',
    path: ['iban'],
  });

export type PayeeDetails = z.output<typeof payeeSchema>;

/** Shown without the account: the holder, the currency and the last four characters. */
export function maskedPayee(p: PayeeDetails): {
  accountHolder: string;
  currency: string;
  account: string;
  email: string;
} {
  const acct = p.iban ?? p.accountNumber ?? '';
  return { accountHolder: p.accountHolder, currency: p.currency, account: `…${acct.slice(-4)}`, email: p.email };
}
