// Fault injection: `--faults "429:0.1,500:0.05,timeout:0.02,slow:0.1@800ms"`.
//
// Grammar (items separated by commas):
//   ITEM  := [ROUTE "="] KIND ":" WHEN ["@" DURATION]
//   KIND  := an HTTP status (400–599, answered in the CRM's error shape) | "timeout" | "slow"
//   WHEN  := a probability in [0, 1]  |  "after:" N  (every matching request after the first N fails)
//   ROUTE := a stats route key, `*` matching anything: "POST /crm/v3/objects/*/search", "/services/data/*"
//            (without a method it matches every method)
//   DURATION := N "ms" | N "s"  (slow: added delay, default 500 ms; timeout: how long the request
//            hangs before its socket is destroyed without an answer, default 30 s)
// Every probability rule draws from one seeded stream in rule order for every request it matches,
// so the same request sequence under the same --seed gets the same faults.

import type { Rng } from './rng.ts';

export type FaultKind = { type: 'status'; status: number } | { type: 'timeout' } | { type: 'slow' };

export interface FaultRule {
  /** The item as written, for error messages and stats. */
  source: string;
  route: RegExp | null;
  kind: FaultKind;
  when: { probability: number } | { after: number };
  durationMs: number;
}

export interface FaultDecision {
  /** Added delay before anything else happens. */
  delayMs: number;
  /** The failure to answer with, if any. */
  fail: { kind: 'status'; status: number; rule: string } | { kind: 'timeout'; holdMs: number; rule: string } | null;
}

export class FaultSpecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FaultSpecError';
  }
}

export function parseFaultSpec(spec: string): FaultRule[] {
  return spec
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map(parseItem);
}

function parseItem(item: string): FaultRule {
  const eq = item.lastIndexOf('=');
  const route = eq >= 0 ? item.slice(0, eq).trim() : null;
  const rest = eq >= 0 ? item.slice(eq + 1).trim() : item;
  const at = rest.indexOf('@');
  const main = at >= 0 ? rest.slice(0, at) : rest;
  const duration = at >= 0 ? rest.slice(at + 1) : null;
  const colon = main.indexOf(':');
  if (colon < 0) throw new FaultSpecError(`fault "${item}": expected KIND:WHEN, e.g. 429:0.1 or 500:after:100`);
  const kind = parseKind(main.slice(0, colon).trim(), item);
  const when = parseWhen(main.slice(colon + 1).trim(), item);
  const defaultMs = kind.type === 'timeout' ? 30_000 : 500;
  return {
    source: item,
    route: route === null || route === '' ? null : routePattern(route),
    kind,
    when,
    durationMs: duration === null ? defaultMs : parseDuration(duration, item),
  };
}

function parseKind(text: string, item: string): FaultKind {
  if (text === 'timeout') return { type: 'timeout' };
  if (text === 'slow') return { type: 'slow' };
  const status = Number(text);
  if (Number.isInteger(status) && status >= 400 && status <= 599) return { type: 'status', status };
  throw new FaultSpecError(`fault "${item}": kind must be an HTTP status 400–599, timeout or slow`);
}

function parseWhen(text: string, item: string): FaultRule['when'] {
  const after = /^after:(\d+)$/.exec(text);
  if (after?.[1] !== undefined) return { after: Number(after[1]) };
  const probability = Number(text);
  if (text !== '' && Number.isFinite(probability) && probability >= 0 && probability <= 1) return { probability };
  throw new FaultSpecError(`fault "${item}": expected a probability 0–1 or after:N`);
}

function parseDuration(text: string, item: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s)?$/.exec(text.trim());
  if (!m?.[1]) throw new FaultSpecError(`fault "${item}": duration must look like 800ms or 2s`);
  return Number(m[1]) * (m[2] === 's' ? 1000 : 1);
}

function routePattern(route: string): RegExp {
  const escaped = route
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  // Without a method the pattern matches any method.
  const withMethod = /^[A-Z]+ /.test(route) ? escaped : `[A-Z]+ ${escaped}`;
  return new RegExp(`^${withMethod}$`);
}

/** Decides, per request, which fault (if any) applies. Holds the "after N" counters. */
export class FaultInjector {
  readonly rules: readonly FaultRule[];
  readonly #rng: Rng;
  readonly #seen: number[];

  constructor(rules: readonly FaultRule[], rng: Rng) {
    this.rules = rules;
    this.#rng = rng;
    this.#seen = rules.map(() => 0);
  }

  decide(routeKey: string): FaultDecision {
    const decision: FaultDecision = { delayMs: 0, fail: null };
    this.rules.forEach((rule, i) => {
      if (rule.route && !rule.route.test(routeKey)) return;
      const fires = this.#fires(rule, i);
      if (!fires) return;
      if (rule.kind.type === 'slow') decision.delayMs += rule.durationMs;
      else if (decision.fail === null) {
        decision.fail =
          rule.kind.type === 'timeout'
            ? { kind: 'timeout', holdMs: rule.durationMs, rule: rule.source }
            : { kind: 'status', status: rule.kind.status, rule: rule.source };
      }
    });
    return decision;
  }

  #fires(rule: FaultRule, index: number): boolean {
    if ('after' in rule.when) {
      const seen = (this.#seen[index] ?? 0) + 1;
      this.#seen[index] = seen;
      return seen > rule.when.after;
    }
    // Always draw, so one rule firing does not shift the draws of the next ones.
    return this.#rng.next() < rule.when.probability;
  }
}
