// Salesforce failures as CrmError. REST errors are arrays of `{message, errorCode, fields}`;
// the daily allocation answers 403 REQUEST_LIMIT_EXCEEDED (there is no 429 on the REST API).
// https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/errorcodes.htm

import { z } from 'zod';
import { CrmError, type CrmErrorKind } from '../port.ts';

export const PROVIDER = 'salesforce';

const errorArray = z
  .array(z.object({ message: z.string(), errorCode: z.string(), fields: z.array(z.string()).nullish() }).loose())
  .min(1);
const oauthError = z.object({ error: z.string(), error_description: z.string().optional() }).loose();

export interface SalesforceErrorInfo {
  code: string | null;
  message: string;
}

/** The first error of a Salesforce error body (REST array or OAuth object), or the raw text. */
export function readErrorBody(body: string): SalesforceErrorInfo {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    // Not JSON (an HTML error page from a proxy, an empty body): report the text itself.
    return { code: null, message: body.trim().slice(0, 300) || '(empty body)' };
  }
  const rest = errorArray.safeParse(json);
  if (rest.success) {
    const all = rest.data.map(
      (e) => `${e.errorCode}: ${e.message}${e.fields && e.fields.length > 0 ? ` (${e.fields.join(', ')})` : ''}`,
    );
    return { code: rest.data[0]?.errorCode ?? null, message: all.join('; ') };
  }
  const oauth = oauthError.safeParse(json);
  if (oauth.success) return { code: oauth.data.error, message: oauth.data.error_description ?? oauth.data.error };
  return { code: null, message: body.slice(0, 300) };
}

function kindOf(status: number, code: string | null): CrmErrorKind {
  if (code === 'REQUEST_LIMIT_EXCEEDED') return 'quota_exhausted';
  if (status === 401) return 'auth';
  if (status === 403) return 'auth';
  if (status === 404) return 'not_found';
  if (status === 429) return 'rate_limited';
  if (status >= 500) return 'unavailable';
  return 'invalid_request';
}

export function httpError(what: string, status: number, body: string): CrmError {
  const info = readErrorBody(body);
  const kind = kindOf(status, info.code);
  const advice =
    kind === 'quota_exhausted'
      ? ' — the org has used its daily API allocation; the run stops at its checkpoint and resumes after the reset'
      : info.code === 'INVALID_FIELD' && /No such column/.test(info.message)
        ? ' — a field partnersync uses is missing or hidden from the integration user: run `partnersync provision`, or check crm.mappings'
        : '';
  return new CrmError({
    provider: PROVIDER,
    kind,
    code: info.code,
    status,
    message: `${what}: HTTP ${status} ${info.message}${advice}`,
  });
}

export function networkError(what: string, cause: unknown): CrmError {
  const message = cause instanceof Error ? cause.message : String(cause);
  return new CrmError({ provider: PROVIDER, kind: 'unavailable', message: `${what}: ${message}`, cause });
}

export function badPayload(what: string, detail: string, cause?: unknown): CrmError {
  return new CrmError({
    provider: PROVIDER,
    kind: 'bad_payload',
    message: `${what}: unexpected response (${detail})`,
    cause,
  });
}

/** The clean stop before the org's remaining allocation falls below the reserve. */
export function reserveReached(used: number, limit: number, reservePercent: number): CrmError {
  return new CrmError({
    provider: PROVIDER,
    kind: 'quota_exhausted',
    code: 'DAILY_RESERVE',
    message: `Salesforce API usage ${used}/${limit}: stopping before the remaining daily allocation falls below the reserve of ${reservePercent}% kept for other integrations (crm.salesforce.dailyReservePercent); the run resumes from its checkpoint`,
  });
}
