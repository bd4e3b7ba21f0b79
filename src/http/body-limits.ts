// What the service reads of a request body, and when (issue 16, finding 3): nothing over 1 MB,
// no JSON nested deeper than 32 levels, and on the API no body at all before the caller is
// authenticated. The webhook mount reads raw bytes (its signature covers them), under the same
// caps, before its receiver verifies them.

import express, { Router, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { requireRole, type TokenEntry } from './auth.ts';
import { bodyTooLarge, HttpError } from './errors.ts';
import { jsonDepthExceeds } from './json-depth.ts';

/** The largest body any route reads (after decompression); errors.ts's bodyTooLarge names it. */
export const BODY_LIMIT_BYTES = 1024 * 1024;
/** The deepest nesting of objects and arrays a JSON body may have. */
export const JSON_DEPTH_LIMIT = 32;

/** True when the request says it carries a body (a length above zero, or a chunked one). */
export function announcesBody(req: Request): boolean {
  return req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
}

/**
 * Refuses, before anything reads it, a body whose declared length is over the cap. The
 * connection is closed rather than drained. Chunked bodies are cut off by the parsers' limit.
 */
export function declaredBodyCap(req: Request, res: Response, next: NextFunction): void {
  const length = Number(req.headers['content-length'] ?? 0);
  if (Number.isFinite(length) && length > BODY_LIMIT_BYTES) {
    res.set('Connection', 'close');
    next(bodyTooLarge());
    return;
  }
  next();
}

const tooDeep = (): HttpError =>
  new HttpError(
    400,
    'invalid_request',
    `the JSON body nests objects or arrays more than ${JSON_DEPTH_LIMIT} levels deep; send a flatter document`,
  );

const isJson = (req: Request): boolean => /^application\/(?:[\w.+-]+\+)?json\b/i.test(req.get('content-type') ?? '');

/** body-parser's `verify` hook: runs on the raw bytes before JSON.parse. */
function checkDepth(req: Request, _res: Response, buf: Buffer): void {
  if (isJson(req) && jsonDepthExceeds(buf, JSON_DEPTH_LIMIT)) throw tooDeep();
}

/** The raw body as a Buffer (for signed webhooks), capped, and depth-checked when it is JSON. */
export function rawBody(): RequestHandler {
  return express.raw({ type: () => true, limit: BODY_LIMIT_BYTES, verify: checkDepth });
}

/**
 * The API's JSON body parser, behind authentication: a request that carries a body without a
 * valid bearer token is answered 401 before a byte of it is read or parsed. Requests without a
 * body go on to their route (which answers 401 or 404 as usual).
 */
export function authenticatedJsonBody(tokens: readonly TokenEntry[]): Router {
  const authenticate = requireRole(tokens, 'viewer');
  const router = Router();
  router.use(
    (req, res, next) => {
      if (announcesBody(req)) authenticate(req, res, next);
      else next('router');
    },
    express.json({ limit: BODY_LIMIT_BYTES, verify: checkDepth }),
  );
  return router;
}
