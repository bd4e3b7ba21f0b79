// POST /v1/webhooks/{path}: the configured provider's webhook receivers (src/crm/events.ts). The
// receiver verifies the raw bytes before anything is parsed, the route answers at once (senders
// retry slow answers), drops deliveries it has seen (same event id), and turns the records they
// name into a debounced targeted sync.

import { Router, type Request } from 'express';
import { ReceiverPayloadError, type HttpReceiver, type RequestHeaders } from '../../crm/events.ts';
import type { AppDeps } from '../deps.ts';
import { HttpError } from '../errors.ts';

/** Remembers recent event ids so retried deliveries are not queued twice. */
class RecentIds {
  private readonly ids = new Set<string>();
  private readonly max: number;

  constructor(max: number) {
    this.max = max;
  }

  /** True the first time an id is seen. */
  add(id: string): boolean {
    if (this.ids.has(id)) return false;
    this.ids.add(id);
    if (this.ids.size > this.max) {
      const oldest = this.ids.values().next().value;
      if (oldest !== undefined) this.ids.delete(oldest);
    }
    return true;
  }
}

/** The URL the sender called: the configured public URL, else what this request says. */
function calledUrl(req: Request, publicUrl: string | undefined): string {
  const base = publicUrl ?? `${req.protocol}://${req.get('host') ?? 'localhost'}`;
  return `${base.replace(/\/+$/, '')}${req.originalUrl}`;
}

function headersOf(req: Request): RequestHeaders {
  const out: Record<string, string | undefined> = Object.create(null) as Record<string, string | undefined>;
  for (const [name, value] of Object.entries(req.headers)) out[name] = Array.isArray(value) ? value.join(', ') : value;
  return out;
}

function receiverRoute(router: Router, receiver: HttpReceiver, deps: AppDeps): void {
  const recent = new RecentIds(20_000);
  const count = (outcome: string, n = 1): void => {
    deps.metrics.webhookEvents.inc({ source: receiver.name, outcome }, n);
  };
  // the raw bytes were read by app.ts (rawBody: capped, depth-checked) before this route
  router.post(`/${receiver.path}`, (req, res) => {
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const verdict = receiver.verify(
      body,
      headersOf(req),
      calledUrl(req, deps.config.config.server.publicUrl),
      deps.clock.now(),
    );
    if (!verdict.ok) {
      count(verdict.metric);
      throw new HttpError(verdict.status, verdict.code, verdict.message);
    }
    let events: ReturnType<HttpReceiver['parse']>;
    try {
      events = receiver.parse(body);
    } catch (err) {
      if (!(err instanceof ReceiverPayloadError)) throw err;
      count('invalid_body');
      throw new HttpError(400, 'invalid_request', err.message);
    }
    const deals: string[] = [];
    const partners: string[] = [];
    let fresh = 0;
    for (const e of events) {
      // an event counts as new when any of its ids is new (a retry repeats them all)
      const isNew = e.eventIds.map((id) => recent.add(id)).some(Boolean);
      if (!isNew) {
        count('duplicate');
        continue;
      }
      fresh++;
      deals.push(...e.records.deals);
      partners.push(...e.records.partners);
    }
    count('accepted', fresh);
    if (deals.length + partners.length > 0) deps.syncs.enqueue({ deals, partners });
    res.status(204).end();
  });
}

export function webhookRoutes(deps: AppDeps): Router {
  const router = Router();
  for (const receiver of deps.receivers) receiverRoute(router, receiver, deps);
  return router;
}
