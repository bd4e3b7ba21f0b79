// HubSpot's rate limits: search 5 requests/s (no headers), everything else 190 per rolling 10 s
// with X-HubSpot-RateLimit-* headers, and a daily allocation. Limit names (each switchable):
// `hubspot.search.perSecond`, `hubspot.tenSecondly`, `hubspot.daily`. The ten-second budget is
// counted per app on the portal (every token an OAuth app issued shares its app's budget; a
// private-app token or service key is its own app), the daily one per portal. An external load
// (`POST /__sandbox/hubspot/external-load`) occupies part of one app's ten-second budget, as
// another deployment or a script with the same key would.
// https://developers.hubspot.com/docs/developer-tooling/platform/usage-guidelines

import { limitValue, type PersonalityContext, type RateLimitOutcome, type SandboxRequestInfo } from '../personality.ts';
import { rateLimitResponse } from './errors.ts';
import { isJournalPath } from './routes/journal.ts';

const TEN_SECONDS = 10_000;
const DAY = 86_400_000;
/** Professional/Enterprise private apps. */
export const HUBSPOT_DAILY_LIMIT = 625_000;

/** Timestamps within a rolling window; old ones dropped from the front. */
class Window {
  readonly #times: number[] = [];
  #start = 0;

  count(now: number, spanMs: number): number {
    while (this.#start < this.#times.length && (this.#times[this.#start] ?? 0) <= now - spanMs) this.#start += 1;
    if (this.#start > 1024) {
      this.#times.splice(0, this.#start);
      this.#start = 0;
    }
    return this.#times.length - this.#start;
  }

  add(now: number): void {
    this.#times.push(now);
  }
}

/** Who shares a ten-second budget: the app behind a bearer token. */
export interface BudgetApps {
  appOf(token: string): string;
  /** Requests per rolling ten seconds another client of the app keeps using. */
  externalLoad(app: string): number;
}

function bearerOf(headers: SandboxRequestInfo['headers']): string {
  const value = headers.authorization;
  const m = typeof value === 'string' ? /^Bearer\s+(\S+)/i.exec(value.trim()) : null;
  return m?.[1] ?? '';
}

export function createHubspotRateLimiter(
  ctx: PersonalityContext,
  apps: BudgetApps,
): (req: SandboxRequestInfo) => RateLimitOutcome {
  const search = new Window();
  const rollingByApp = new Map<string, Window>();
  let day = -1;
  let usedToday = 0;
  return (req) => {
    // The OAuth token endpoint has its own (unpublished) limits; faults can still hit it.
    if (req.path.startsWith('/oauth/')) return {};
    // HubSpot exempts the webhooks journal from the ten-second and daily limits.
    if (isJournalPath(req.path)) return {};
    const now = ctx.clock.now();
    const today = Math.floor(now / DAY);
    if (today !== day) {
      day = today;
      usedToday = 0;
    }
    const daily = limitValue(ctx.limits, 'hubspot.daily', ctx.options.dailyLimit ?? HUBSPOT_DAILY_LIMIT);
    if (daily !== null && usedToday >= daily) return { reject: rateLimitResponse('DAILY', dailyHeaders(daily, 0)) };
    if (/^POST \/crm\/(v3\/objects|objects\/[^/]+)\/[^/]+\/search$/.test(req.routeKey)) {
      const perSecond = limitValue(ctx.limits, 'hubspot.search.perSecond', 5);
      if (perSecond !== null && search.count(now, 1000) >= perSecond) return { reject: rateLimitResponse('SECONDLY') };
      search.add(now);
      usedToday += 1;
      return {};
    }
    const max = limitValue(ctx.limits, 'hubspot.tenSecondly', 190);
    const app = apps.appOf(bearerOf(req.headers));
    let rolling = rollingByApp.get(app);
    if (!rolling) {
      rolling = new Window();
      rollingByApp.set(app, rolling);
    }
    const used = rolling.count(now, TEN_SECONDS) + apps.externalLoad(app);
    if (max !== null && used >= max) {
      return {
        reject: rateLimitResponse('TEN_SECONDLY_ROLLING', {
          ...headers(max, 0),
          ...dailyHeaders(daily, daily === null ? null : daily - usedToday),
          // the oldest request of the window leaves it within a second or so
          'Retry-After': '1',
        }),
      };
    }
    rolling.add(now);
    usedToday += 1;
    return {
      headers: {
        ...headers(max, max === null ? null : max - used - 1),
        ...dailyHeaders(daily, daily === null ? null : daily - usedToday),
      },
    };
  };
}

function headers(max: number | null, remaining: number | null): Record<string, string> {
  if (max === null || remaining === null) return {};
  return {
    'X-HubSpot-RateLimit-Interval-Milliseconds': String(TEN_SECONDS),
    'X-HubSpot-RateLimit-Max': String(max),
    'X-HubSpot-RateLimit-Remaining': String(Math.max(remaining, 0)),
  };
}

function dailyHeaders(daily: number | null, remaining: number | null): Record<string, string> {
  if (daily === null || remaining === null) return {};
  return {
    'X-HubSpot-RateLimit-Daily': String(daily),
    'X-HubSpot-RateLimit-Daily-Remaining': String(Math.max(remaining, 0)),
  };
}
