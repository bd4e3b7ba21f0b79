// Sends the notification outbox (issue 18). One pass:
//  1. leases indirect deliveries (`owner`, `partner-contacts`) that are due and expands each into
//     one delivery per address the CRM names (stable ids, so a re-expansion adds nothing);
//  2. leases immediate deliveries and sends each, a few at a time, recording each right after it
//     went out (a crash between the two resends it with the same id);
//  3. leases due digest items and sends one message per channel, recipient and local day.
// Failures are retried with exponential backoff (backoff.ts) until notifications.retryHours after
// queueing; permanent refusals fail at once. The lease keeps two instances off the same rows.

import { DateTime } from 'luxon';
import type { LoadedConfig } from '../config/load.ts';
import type { Secrets } from '../config/secrets.ts';
import { CrmError, type CrmAdapter } from '../crm/port.ts';
import type { Logger } from '../log.ts';
import type { ClaimKind, ClaimedDelivery, DeliveryOutcome } from '../store/notifications.ts';
import type { Store } from '../store/store.ts';
import type { Clock } from '../sync/deps.ts';
import { nextAttempt } from './backoff.ts';
import { ChannelError, type Channel } from './channels/channel.ts';
import { isIndirect, stableId } from './plan.ts';
import { resolveRecipients } from './recipients.ts';
import type { Message } from './render.ts';

export interface DispatcherOptions {
  store: Store;
  /** Resolves `owner` and `partner-contacts`; without one those deliveries wait. */
  crm: CrmAdapter | null;
  /** The CRM account whose notifications this dispatcher sends (its CRM names the recipients); default every account. */
  account?: (() => Promise<string>) | undefined;
  config: LoadedConfig;
  channels: ReadonlyMap<string, Channel>;
  clock: Clock;
  logger: Logger;
  secrets: Secrets;
  batchSize?: number | undefined;
  leaseMs?: number | undefined;
  /** Messages in flight at once. */
  concurrency?: number | undefined;
  /** Test hook: runs after a message went out and before it is recorded (a crash here must lose nothing). */
  afterSend?: ((message: Message, deliveryIds: readonly string[]) => Promise<void>) | undefined;
}

export interface DispatchReport {
  /** Messages that went out (a digest is one). */
  messages: number;
  /** Deliveries recorded as sent. */
  sent: number;
  retried: number;
  failed: number;
  skipped: number;
  expanded: number;
}

const emptyReport = (): DispatchReport => ({ messages: 0, sent: 0, retried: 0, failed: 0, skipped: 0, expanded: 0 });
/** Upper bound of rounds per pass, so one pass always ends. */
const MAX_ROUNDS = 100;
const DIGEST_CLAIM = 5000;

export class Dispatcher {
  readonly #o: DispatcherOptions;
  readonly #batch: number;
  readonly #leaseMs: number;
  readonly #concurrency: number;
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<DispatchReport> | null = null;
  #again = false;
  #stopped = false;

  constructor(options: DispatcherOptions) {
    this.#o = options;
    this.#batch = options.batchSize ?? 100;
    this.#leaseMs = options.leaseMs ?? 120_000;
    this.#concurrency = options.concurrency ?? 4;
  }

  get #retryHours(): number {
    return this.#o.config.config.notifications?.retryHours ?? 24;
  }

  /** One pass over everything due now. */
  async dispatchOnce(): Promise<DispatchReport> {
    const report = emptyReport();
    const account = await this.#o.account?.();
    const claim = (limit: number, kind: ClaimKind): Promise<ClaimedDelivery[]> =>
      this.#o.store.claimDeliveries(this.#o.clock.now(), limit, this.#leaseMs, kind, account);
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const parents = await claim(this.#batch, 'indirect');
      if (parents.length === 0) break;
      await this.#expand(parents, report);
    }
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const due = await claim(this.#batch, 'immediate');
      if (due.length === 0) break;
      await pool(due, this.#concurrency, (d) =>
        this.#deliver(
          { id: d.id, channel: d.channel, recipient: recipientAddress(d), events: [d.event], digestDay: null },
          [d],
          report,
        ),
      );
    }
    const items = await claim(DIGEST_CLAIM, 'digest');
    if (items.length > 0)
      await pool(this.#digests(items), this.#concurrency, (g) => this.#deliver(g.message, g.items, report));
    return report;
  }

  /** Runs a pass now (or right after the one in progress). */
  kick(): void {
    if (this.#stopped) return;
    if (this.#running !== null) {
      this.#again = true;
      return;
    }
    this.#running = this.dispatchOnce()
      .catch((err: unknown) => {
        this.#o.logger.error({ err: this.#redact(err) }, 'notifications: dispatch pass failed');
        return emptyReport();
      })
      .finally(() => {
        this.#running = null;
        if (this.#again) {
          this.#again = false;
          this.kick();
        }
      });
  }

  /** Passes every `intervalMs` until stop(). */
  start(intervalMs = 10_000): void {
    const tick = (): void => {
      this.kick();
      if (!this.#stopped) {
        this.#timer = setTimeout(tick, intervalMs);
        this.#timer.unref();
      }
    };
    tick();
  }

  /** Stops the loop, waits for the pass in progress, closes the channels. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    while (this.#running !== null) await this.#running;
    for (const c of this.#o.channels.values()) await c.close();
  }

  // ---- internals ------------------------------------------------------------------------------

  #redact(err: unknown): string {
    return this.#o.secrets.redact(err instanceof Error ? err.message : String(err));
  }

  /** The outcome of a failure: retried with backoff, or failed when permanent or out of time. */
  #failure(d: ClaimedDelivery, err: unknown, now: number): DeliveryOutcome {
    const error = this.#redact(err).slice(0, 1000);
    if (err instanceof ChannelError && err.permanent) return { id: d.id, status: 'failed', error };
    const next = nextAttempt({
      failedAttempts: d.attempts + 1,
      createdAt: d.createdAt,
      now,
      retryHours: this.#retryHours,
    });
    return next === null
      ? { id: d.id, status: 'failed', error: `gave up after ${this.#retryHours} h: ${error}` }
      : { id: d.id, status: 'pending', error, nextAttemptAt: next };
  }

  #count(report: DispatchReport, outcomes: readonly DeliveryOutcome[]): void {
    for (const o of outcomes) {
      if (o.status === 'sent') report.sent++;
      else if (o.status === 'pending') report.retried++;
      else if (o.status === 'failed') report.failed++;
      else report.skipped++;
    }
  }

  async #expand(parents: readonly ClaimedDelivery[], report: DispatchReport): Promise<void> {
    const { store, clock, crm } = this.#o;
    const now = clock.now();
    if (crm === null) {
      const outcomes = parents.map((p) => this.#failure(p, new Error('no CRM connection to name the recipients'), now));
      await store.settleDeliveries(outcomes, now);
      this.#count(report, outcomes);
      return;
    }
    let resolved: Map<string, string[]>;
    try {
      resolved = await resolveRecipients(
        crm,
        parents,
        this.#o.config.config.notifications?.partnerContacts.where ?? {},
      );
    } catch (err) {
      if (!(err instanceof CrmError) && !(err instanceof Error)) throw err;
      this.#o.logger.warn(
        { err: this.#redact(err) },
        'notifications: the CRM could not name the recipients; retrying later',
      );
      const outcomes = parents.map((p) => this.#failure(p, err, now));
      await store.settleDeliveries(outcomes, now);
      this.#count(report, outcomes);
      return;
    }
    for (const p of parents) {
      const addresses = resolved.get(p.id) ?? [];
      const children = addresses.map((address) => ({
        id: stableId(p.id, address),
        channel: p.channel,
        recipient: `mailto:${address}`,
        mode: p.mode,
        dueAt: p.nextAttemptAt,
      }));
      await store.expandDelivery(
        p.id,
        children,
        now,
        p.recipient === 'owner'
          ? 'the partner has no owner with an e-mail address'
          : 'the partner has no matching contacts with an e-mail address',
      );
      if (children.length === 0) report.skipped++;
      else report.expanded++;
    }
  }

  #digests(items: readonly ClaimedDelivery[]): { message: Message; items: ClaimedDelivery[] }[] {
    const tz = this.#o.config.program.timezone;
    const groups = new Map<string, { day: string; items: ClaimedDelivery[] }>();
    for (const d of items) {
      const day = DateTime.fromMillis(d.nextAttemptAt, { zone: tz }).toISODate() ?? '';
      const key = `${d.account}\u0000${d.channel}\u0000${d.recipient}\u0000${day}`;
      const g = groups.get(key) ?? { day, items: [] };
      g.items.push(d);
      groups.set(key, g);
    }
    return [...groups.values()].map((g) => {
      const sorted = [...g.items].sort((a, b) => a.event.createdAt - b.event.createdAt || a.id.localeCompare(b.id));
      const first = sorted[0];
      // the same items give the same id: a resend after a crash is recognisable as a repeat
      const id = stableId(
        'digest',
        first?.channel ?? '',
        first?.recipient ?? '',
        g.day,
        ...sorted.map((d) => d.id).sort(),
      );
      return {
        items: sorted,
        message: {
          id,
          channel: first?.channel ?? '',
          recipient: first === undefined ? '' : recipientAddress(first),
          events: sorted.map((d) => d.event),
          digestDay: g.day,
        },
      };
    });
  }

  async #deliver(message: Message, items: readonly ClaimedDelivery[], report: DispatchReport): Promise<void> {
    const { store, clock, logger } = this.#o;
    const channel = this.#o.channels.get(message.channel);
    let outcomes: DeliveryOutcome[];
    if (channel === undefined) {
      outcomes = items.map((d) => ({
        id: d.id,
        status: 'failed' as const,
        error: `channel ${message.channel} is no longer in notifications.channels`,
      }));
    } else {
      try {
        await channel.send(message);
        report.messages++;
        await this.#o.afterSend?.(
          message,
          items.map((d) => d.id),
        );
        outcomes = items.map((d) => ({ id: d.id, status: 'sent' as const, messageId: message.id }));
      } catch (err) {
        const now = clock.now();
        outcomes = items.map((d) => this.#failure(d, err, now));
        logger.warn(
          { channel: message.channel, messageId: message.id, err: this.#redact(err) },
          'notifications: delivery failed',
        );
      }
    }
    await store.settleDeliveries(outcomes, clock.now());
    this.#count(report, outcomes);
  }
}

const recipientAddress = (d: ClaimedDelivery): string =>
  isIndirect(d.recipient) ? '' : d.recipient.replace(/^mailto:/, '');

/** Runs `fn` over items with at most `size` in flight. */
async function pool<T>(items: readonly T[], size: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++];
      if (item !== undefined) await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(size, items.length)) }, worker));
}
