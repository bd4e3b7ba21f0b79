// Signed outgoing webhooks (issue 18): POST the event's envelope `{ id, type, createdAt, data }`
// as JSON with `Partnersync-Event-Id` and `Partnersync-Signature: t=…,v1=…` (HMAC-SHA256 of
// "t.body" with the endpoint's secret). Any 2xx is delivered; anything else is retried by the
// outbox with backoff for notifications.retryHours.

import type { ChannelConfig } from '../../config/notifications-schema.ts';
import type { Secrets } from '../../config/secrets.ts';
import { webhookEnvelope, type Message } from '../render.ts';
import { EVENT_ID_HEADER, SIGNATURE_HEADER, signatureHeader } from '../webhook-signature.ts';
import { ChannelError, type Channel } from './channel.ts';

type WebhookConfig = Extract<ChannelConfig, { type: 'webhook' }>;

export class WebhookChannel implements Channel {
  readonly type = 'webhook';
  readonly id: string;
  readonly #config: WebhookConfig;
  readonly #secret: string;
  readonly #now: () => number;

  constructor(id: string, config: WebhookConfig, secrets: Secrets, now: () => number) {
    this.id = id;
    this.#config = config;
    this.#secret = secrets.get(config.secretEnv);
    this.#now = now;
  }

  async send(m: Message): Promise<void> {
    const event = m.events[0];
    if (event === undefined || m.events.length !== 1)
      throw new ChannelError('a webhook carries exactly one event', { permanent: true });
    const body = JSON.stringify(webhookEnvelope(event));
    let res: Response;
    try {
      res = await fetch(this.#config.url, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          'User-Agent': 'partnersync-webhooks/1',
          [EVENT_ID_HEADER]: event.id,
          [SIGNATURE_HEADER]: signatureHeader(this.#secret, body, Math.floor(this.#now() / 1000)),
        },
        body,
        redirect: 'error',
        signal: AbortSignal.timeout(this.#config.timeoutSeconds * 1000),
      });
    } catch (err) {
      throw new ChannelError(`webhook: ${err instanceof Error ? err.message : String(err)}`, {
        permanent: false,
        cause: err,
      });
    }
    // read the answer so the connection goes back to the pool; its content does not matter
    await res.arrayBuffer().catch(() => undefined);
    if (!res.ok) throw new ChannelError(`webhook: the endpoint answered ${res.status}`, { permanent: false });
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
