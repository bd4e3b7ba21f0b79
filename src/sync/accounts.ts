// Which CRM account a finance command is about: the only one in the store, or the one named.

import { LedgerInputError } from '../ledger/errors.ts';
import type { Store } from '../store/store.ts';

export { LedgerInputError };

export async function resolveAccount(store: Store, requested: string | undefined): Promise<string> {
  const accounts = await store.listAccounts();
  if (requested !== undefined) {
    if (!accounts.some((a) => a.account === requested)) {
      throw new LedgerInputError(
        `account ${requested} is not in the store (known: ${accounts.map((a) => a.account).join(', ') || 'none'})`,
      );
    }
    return requested;
  }
  const only = accounts[0];
  if (only === undefined)
    throw new LedgerInputError('the store holds no CRM account yet: run `partnersync sync` first');
  if (accounts.length > 1)
    throw new LedgerInputError(
      `the store holds several CRM accounts (${accounts.map((a) => a.account).join(', ')}): pass --account`,
    );
  return only.account;
}
