// Payee details per partner (issue 20): entered by finance, sealed before they reach the store
// (payee-crypto.ts), shown masked, opened only to write a payout file. The audit log records who
// changed them, never the details.

import { LedgerInputError } from './errors.ts';
import type { FinanceDeps } from './finance-deps.ts';
import { maskedPayee, payeeSchema, seal, unseal, type PayeeDetails } from './payee-crypto.ts';

/** The sealing key, or an error telling finance how to configure one. */
export function requireKey(key: Buffer | undefined): Buffer {
  if (key === undefined)
    throw new LedgerInputError(
      'payee details need a key: set finance.payees.keyEnv to the name of an environment variable holding 32 random bytes (openssl rand -hex 32)',
    );
  return key;
}

export function parsePayee(body: unknown): PayeeDetails {
  const r = payeeSchema.safeParse(body);
  if (!r.success)
    throw new LedgerInputError(
      r.error.issues.map((i) => `${i.path.length === 0 ? 'payee' : i.path.join('.')}: ${i.message}`).join('; '),
    );
  return r.data;
}

export async function savePayee(
  deps: FinanceDeps,
  key: Buffer | undefined,
  account: string,
  partnerId: string,
  details: PayeeDetails,
  by: string,
): Promise<ReturnType<typeof maskedPayee>> {
  const k = requireKey(key);
  await deps.store.finance.savePayee(account, {
    partnerId,
    sealed: seal(k, JSON.stringify(details)),
    updatedBy: by,
    updatedAt: deps.clock.now(),
  });
  await deps.audit('payee.update', by, partnerId, { currency: details.currency });
  return maskedPayee(details);
}

/** Every partner's details, opened (for a payout file only). */
export async function openPayees(
  deps: FinanceDeps,
  key: Buffer | undefined,
  account: string,
): Promise<Map<string, PayeeDetails>> {
  const k = requireKey(key);
  const out = new Map<string, PayeeDetails>();
  for (const p of await deps.store.finance.payees(account))
    out.set(p.partnerId, payeeSchema.parse(JSON.parse(unseal(k, p.sealed))));
  return out;
}

/** Who has details on file, masked (holder, currency, last four characters of the account). */
export async function listPayees(
  deps: FinanceDeps,
  key: Buffer | undefined,
  account: string,
): Promise<{ partnerId: string; updatedBy: string; updatedAt: string; payee: ReturnType<typeof maskedPayee> }[]> {
  const k = requireKey(key);
  return (await deps.store.finance.payees(account)).map((p) => ({
    partnerId: p.partnerId,
    updatedBy: p.updatedBy,
    updatedAt: new Date(p.updatedAt).toISOString(),
    payee: maskedPayee(payeeSchema.parse(JSON.parse(unseal(k, p.sealed)))),
  }));
}
