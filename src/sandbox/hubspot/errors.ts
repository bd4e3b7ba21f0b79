// HubSpot's error bodies: `{status:"error", message, correlationId, category, errors?:[…]}`.
// Handlers throw HubspotError; the personality's error middleware answers it in that shape.
// https://developers.hubspot.com/docs/api-reference/error-handling

import { randomUUID } from 'node:crypto';
import type { CrmResponse } from '../personality.ts';

export interface HubspotErrorDetail {
  message: string;
  code?: string;
  in?: string;
  subCategory?: string;
  context?: Record<string, string[]>;
}

export class HubspotError extends Error {
  readonly status: number;
  readonly category: string;
  readonly errors: readonly HubspotErrorDetail[] | undefined;
  readonly context: Record<string, string[]> | undefined;
  readonly subCategory: string | undefined;

  constructor(
    status: number,
    category: string,
    message: string,
    extra: { errors?: readonly HubspotErrorDetail[]; context?: Record<string, string[]>; subCategory?: string } = {},
  ) {
    super(message);
    this.name = 'HubspotError';
    this.status = status;
    this.category = category;
    this.errors = extra.errors;
    this.context = extra.context;
    this.subCategory = extra.subCategory;
  }

  toResponse(): CrmResponse {
    const body: Record<string, unknown> = {
      status: 'error',
      message: this.message,
      correlationId: randomUUID(),
      category: this.category,
    };
    if (this.subCategory !== undefined) body['subCategory'] = this.subCategory;
    if (this.context !== undefined) body['context'] = this.context;
    if (this.errors !== undefined) body['errors'] = this.errors;
    return { status: this.status, body };
  }
}

export const validationError = (message: string, errors?: readonly HubspotErrorDetail[]): HubspotError =>
  new HubspotError(400, 'VALIDATION_ERROR', message, errors ? { errors } : {});

export const notFound = (message: string): HubspotError => new HubspotError(404, 'OBJECT_NOT_FOUND', message);

export const conflict = (message: string, subCategory?: string): HubspotError =>
  new HubspotError(409, 'OBJECT_ALREADY_EXISTS', message, subCategory ? { subCategory } : {});

/** A 429 exactly as HubSpot sends it (no `category`; `errorType` and `policyName` instead). */
export function rateLimitResponse(
  policyName: 'TEN_SECONDLY_ROLLING' | 'SECONDLY' | 'DAILY',
  headers: Readonly<Record<string, string>> = {},
): CrmResponse {
  const what = policyName === 'DAILY' ? 'daily' : policyName === 'SECONDLY' ? 'secondly' : 'ten_secondly_rolling';
  return {
    status: 429,
    headers,
    body: {
      status: 'error',
      message: `You have reached your ${what} limit.`,
      errorType: 'RATE_LIMIT',
      correlationId: randomUUID(),
      policyName,
    },
  };
}

/** The error HubSpot answers for an injected or unexpected status. */
export function statusResponse(status: number): CrmResponse {
  if (status === 429) return rateLimitResponse('TEN_SECONDLY_ROLLING', { 'Retry-After': '1' });
  const [category, message] =
    STATUS_TEXT[status] ?? (status >= 500 ? ['INTERNAL_ERROR', 'Internal error'] : ['VALIDATION_ERROR', 'Bad request']);
  return new HubspotError(status, category, message).toResponse();
}

const STATUS_TEXT: Readonly<Record<number, readonly [string, string]>> = {
  400: ['VALIDATION_ERROR', 'Invalid input JSON on line 1'],
  401: [
    'INVALID_AUTHENTICATION',
    'Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview',
  ],
  403: ['MISSING_SCOPES', "This app hasn't been granted all required scopes to make this call."],
  404: ['OBJECT_NOT_FOUND', 'Resource not found'],
  413: ['VALIDATION_ERROR', 'Request entity too large'],
  423: ['LOCKED', 'The resource is locked; try again in a few seconds.'],
  500: ['INTERNAL_ERROR', 'Internal error'],
  502: ['BAD_GATEWAY', 'Bad gateway'],
  503: ['SERVICE_UNAVAILABLE', 'Service unavailable'],
  504: ['GATEWAY_TIMEOUT', 'Gateway timeout'],
};

export function authFailureResponse(reason: 'missing' | 'expired'): CrmResponse {
  if (reason === 'missing') return statusResponse(401);
  return new HubspotError(
    401,
    'EXPIRED_AUTHENTICATION',
    'The OAuth token used to make this call expired 0 second(s) ago.',
  ).toResponse();
}
