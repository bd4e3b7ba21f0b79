// Salesforce REST errors: every failure is an array of `{message, errorCode, fields?}` with an
// HTTP status. Handlers throw `SfApiError`; the router turns it into that body.
// https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/errorcodes.htm

export interface SfErrorBody {
  message: string;
  errorCode: string;
  fields?: string[];
}

export class SfApiError extends Error {
  readonly status: number;
  readonly errorCode: string;
  readonly fields: readonly string[] | undefined;
  /** Further errors of the same failure (a record breaking several rules). */
  readonly more: readonly SfErrorBody[];

  constructor(
    status: number,
    errorCode: string,
    message: string,
    fields?: readonly string[],
    more: readonly SfErrorBody[] = [],
  ) {
    super(message);
    this.name = 'SfApiError';
    this.status = status;
    this.errorCode = errorCode;
    this.fields = fields;
    this.more = more;
  }

  body(): SfErrorBody[] {
    const one: SfErrorBody = { message: this.message, errorCode: this.errorCode };
    if (this.fields !== undefined) one.fields = [...this.fields];
    return [one, ...this.more];
  }
}

export const notFound = (message = 'The requested resource does not exist'): SfApiError =>
  new SfApiError(404, 'NOT_FOUND', message);

export const badRequest = (errorCode: string, message: string, fields?: readonly string[]): SfApiError =>
  new SfApiError(400, errorCode, message, fields);

export const sessionExpired = (): SfApiError => new SfApiError(401, 'INVALID_SESSION_ID', 'Session expired or invalid');

export const limitExceeded = (): SfApiError =>
  new SfApiError(403, 'REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.');
