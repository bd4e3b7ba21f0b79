// Errors of the ledger's use cases.

/** Bad input to a finance use case (unknown account, period not closable…): exit code 2, HTTP 400/404. */
export class LedgerInputError extends Error {
  override readonly name = 'LedgerInputError';
}
