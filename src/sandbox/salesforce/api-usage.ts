// Daily API request counting over Salesforce's rolling 24 hours (in hourly buckets). Every REST
// call under /services/data/vXX.X/ counts, /limits included; the versions list, the OAuth token
// endpoint and the identity URL do not (they are not API calls).
// https://developer.salesforce.com/docs/atlas.en-us.salesforce_app_limits_cheatsheet.meta/salesforce_app_limits_cheatsheet/salesforce_app_limits_platform_api.htm

import type { Clock } from '../clock.ts';

const HOUR = 3_600_000;
const WINDOW_HOURS = 24;
const COUNTED_PATH = /^\/services\/data\/v\d+\.\d+(\/|$)/;

export function countsAsApiCall(path: string): boolean {
  return COUNTED_PATH.test(path);
}

export class ApiUsage {
  private readonly clock: Clock;
  private readonly buckets = new Map<number, number>();
  /** Shown as the allocation (header, /limits) even when the limit is not enforced. */
  readonly allocation: number;

  constructor(clock: Clock, allocation: number) {
    this.clock = clock;
    this.allocation = allocation;
  }

  private hour(): number {
    return Math.floor(this.clock.now() / HOUR);
  }

  used(): number {
    const oldest = this.hour() - WINDOW_HOURS + 1;
    let total = 0;
    for (const [hour, n] of this.buckets) {
      if (hour < oldest) this.buckets.delete(hour);
      else total += n;
    }
    return total;
  }

  record(): void {
    const h = this.hour();
    this.buckets.set(h, (this.buckets.get(h) ?? 0) + 1);
  }

  /** Test control: pretend `n` calls were made in the current hour (and none before). */
  set(n: number): void {
    this.buckets.clear();
    if (n > 0) this.buckets.set(this.hour(), n);
  }

  header(): string {
    return `api-usage=${this.used()}/${this.allocation}`;
  }

  snapshot(): [number, number][] {
    return [...this.buckets];
  }

  restore(entries: readonly (readonly [number, number])[]): void {
    this.buckets.clear();
    for (const [h, n] of entries) this.buckets.set(h, n);
  }
}
