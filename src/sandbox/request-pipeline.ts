// What every CRM API request goes through before the personality's router, in order: stats
// (recorded when the answer finishes), injected faults (slow, timeout, status), the bearer token,
// the personality's rate limits. Then, after the router: 404 and error answers in the CRM's shape.

import { type ErrorRequestHandler, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import type { FaultInjector } from './faults.ts';
import type { Personality, TokenStore } from './personality.ts';
import { sendCrmResponse } from './respond.ts';
import type { StatsRecorder } from './stats.ts';

export interface GateDeps {
  current: () => Personality;
  stats: StatsRecorder;
  faults: FaultInjector;
  tokens: TokenStore;
  /** Pending delayed/held requests, cleared on stop. */
  holds: Set<NodeJS.Timeout>;
  /** Called after a successful write (non-GET 2xx/3xx), for the state file. */
  changed: () => void;
}

export function apiGate(deps: GateDeps): RequestHandler {
  const { current, stats, faults, holds } = deps;
  const later = (ms: number, run: () => void): void => {
    const hold = setTimeout(() => {
      holds.delete(hold);
      run();
    }, ms);
    holds.add(hold);
  };
  return (req, res, next) => {
    const personality = current();
    const routeKey = personality.routeKey(req.method, req.path) ?? `${req.method} ${req.path}`;
    trackRequest(req, res, routeKey, stats, deps.changed);
    const decision = faults.decide(routeKey);
    const proceed = (): void => {
      const fail = decision.fail;
      if (fail?.kind === 'timeout') {
        stats.fault('timeout');
        res.locals['sandboxOutcome'] = 'timeout';
        // No answer at all: the socket is dropped after the hold, as a dead upstream would.
        later(fail.holdMs, () => {
          req.socket.destroy();
        });
        return;
      }
      if (fail?.kind === 'status') {
        stats.fault(String(fail.status));
        const answer = personality.faultResponse(fail.status);
        if (answer.status === 429 || fail.status === 429) stats.rateLimited();
        sendCrmResponse(res, answer);
        return;
      }
      authorizeAndLimit(req, res, next, routeKey, personality, deps);
    };
    if (decision.delayMs > 0) {
      stats.fault('slow');
      later(decision.delayMs, proceed);
    } else proceed();
  };
}

function authorizeAndLimit(
  req: Request,
  res: Response,
  next: NextFunction,
  routeKey: string,
  personality: Personality,
  deps: GateDeps,
): void {
  if (!personality.isPublic(req.method, req.path)) {
    const token = bearerToken(req.get('authorization'));
    const accepted =
      token !== null &&
      (personality.strictTokens === true
        ? deps.tokens.verify(token) === 'valid'
        : deps.tokens.check(token) === 'valid');
    const verdict = token === null ? 'missing' : accepted ? null : 'expired';
    if (verdict) {
      sendCrmResponse(res, personality.authFailure(verdict));
      return;
    }
  }
  const outcome = personality.rateLimit?.({ method: req.method, path: req.path, routeKey, headers: req.headers });
  if (outcome?.headers) res.set(outcome.headers);
  if (outcome?.reject) {
    deps.stats.rateLimited();
    sendCrmResponse(res, outcome.reject);
    return;
  }
  next();
}

/**
 * Unknown paths and unexpected errors, answered in the CRM's error shape. Two app-level handlers
 * (an error handler inside a sub-router would never see the errors of the routers before it).
 */
export function apiFallbacks(
  current: () => Personality,
  onError: (err: unknown) => void,
): [RequestHandler, ErrorRequestHandler] {
  const notFound: RequestHandler = (_req, res) => {
    sendCrmResponse(res, current().faultResponse(404));
  };
  const onFailure: ErrorRequestHandler = (err: unknown, _req, res, next) => {
    // Half-sent answers can only be cut off; express's default handler does that.
    if (res.headersSent) {
      next(err);
      return;
    }
    const status = httpStatusOf(err);
    if (status >= 500) onError(err);
    sendCrmResponse(res, current().faultResponse(status));
  };
  return [notFound, onFailure];
}

function trackRequest(req: Request, res: Response, routeKey: string, stats: StatsRecorder, changed: () => void): void {
  let done = false;
  res.on('finish', () => {
    done = true;
    stats.record(routeKey, res.statusCode);
    if (req.method !== 'GET' && res.statusCode < 400) changed();
  });
  res.on('close', () => {
    if (done) return;
    stats.record(routeKey, res.locals['sandboxOutcome'] === 'timeout' ? 'timeout' : 'aborted');
  });
}

function bearerToken(header: string | undefined): string | null {
  const m = header ? /^Bearer\s+(\S.*)$/i.exec(header.trim()) : null;
  return m?.[1]?.trim() || null;
}

/** Body-parser errors carry their status (400 bad JSON, 413 too large); anything else is a 500. */
function httpStatusOf(err: unknown): number {
  if (
    typeof err === 'object' &&
    err !== null &&
    'status' in err &&
    typeof err.status === 'number' &&
    err.status >= 400 &&
    err.status < 600
  )
    return err.status;
  return 500;
}
