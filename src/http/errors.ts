// One error shape for every route: { "error": { "code", "message", "details" } }.

import type { NextFunction, Request, Response } from 'express';
import { z, ZodError } from 'zod';
import type { Logger } from '../log.ts';

export class HttpError extends Error {
  override readonly name = 'HttpError';
  readonly status: number;
  readonly code: string;
  readonly details: unknown;

  constructor(status: number, code: string, message: string, details?: unknown) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details ?? null;
  }
}

/** The answer to a body over the 1 MB cap (body-limits.ts), from the cap or from a parser's limit. */
export const bodyTooLarge = (): HttpError =>
  new HttpError(
    413,
    'payload_too_large',
    'the request body is larger than 1 MB (1048576 bytes); send less per request',
  );

function fromZod(err: ZodError, where: string): HttpError {
  const details = err.issues.map((i) => ({ path: [where, ...i.path.map(String)].join('.'), message: i.message }));
  const first = details[0];
  return new HttpError(400, 'invalid_request', first ? `${first.path}: ${first.message}` : 'invalid request', details);
}

/** Parses `value` with `schema`, turning failure into a 400 that names the field. */
export function parseOr400<T>(
  schema: { safeParse: (v: unknown) => { success: true; data: T } | { success: false; error: ZodError } },
  value: unknown,
  where: 'query' | 'params' | 'body',
): T {
  const result = schema.safeParse(value);
  if (!result.success) throw fromZod(result.error, where);
  return result.data;
}

/** The query of a route that reads none: any parameter is a mistake worth saying (400 naming it). */
export const noQuery = z.strictObject({});

export function notFound(_req: Request, _res: Response, next: NextFunction): void {
  next(new HttpError(404, 'not_found', 'no such route'));
}

export function errorHandler(logger: Logger) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction): void => {
    let e: HttpError;
    if (err instanceof HttpError) e = err;
    else if (err instanceof ZodError) e = fromZod(err, 'request');
    else if (isBodyParserError(err))
      e =
        err.type === 'entity.too.large'
          ? bodyTooLarge()
          : new HttpError(err.status, 'invalid_request', 'the request body is not valid JSON');
    else {
      logger.error({ err, requestId: res.locals['requestId'] as unknown, path: req.path }, 'request failed');
      e = new HttpError(500, 'internal', 'the request failed; see the server log with this request id');
    }
    if (e.status >= 500 && err instanceof HttpError) logger.error({ err, path: req.path }, 'request failed');
    res.status(e.status).json({
      error: { code: e.code, message: e.message, details: e.details, requestId: res.locals['requestId'] as unknown },
    });
  };
}

function isBodyParserError(err: unknown): err is { status: number; type: string } {
  return (
    typeof err === 'object' &&
    err !== null &&
    'type' in err &&
    'status' in err &&
    typeof (err as { status: unknown }).status === 'number'
  );
}
