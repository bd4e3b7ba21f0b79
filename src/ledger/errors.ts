// Errors of the ledger's use cases.

/** Bad input to a finance use case (unknown account, period not closable…): exit code 2, HTTP 400/404. */
export class LedgerInputError extends Error {
  override readonly name = 'LedgerInputError';
}

/**
 * The run no longer owns the account (issue 16): another process took the account lock (its
 * acquisition raised the lease epoch past this run's), or this run's lock session ended. Thrown
 * before anything more is posted or written; the run is recorded `failed: lost the account`.
 */
export class AccountLostError extends Error {
  override readonly name = 'AccountLostError';

  constructor(account: string, why: string) {
    super(`lost the account ${account}: ${why}; this run stopped before posting or writing anything more`);
  }
}

/**
 * The ledger changed between the moment a run read its balances and the posting transaction (a
 * writer that does not hold the account): nothing is posted, and the next run plans again.
 */
export class LedgerMovedError extends Error {
  override readonly name = 'LedgerMovedError';
}
