// Slack through its official clients: an incoming webhook (@slack/webhook) or a bot token posting
// with chat.postMessage (@slack/web-api). Neither has an idempotency key; the message's id is in
// its last block (and in the bot message's metadata), so a repeat is recognisable.
// https://api.slack.com/messaging/webhooks
// https://api.slack.com/methods/chat.postMessage

import { IncomingWebhook, IncomingWebhookHTTPError } from '@slack/webhook';
import { WebAPIPlatformError, WebClient } from '@slack/web-api';
import type { ChannelConfig } from '../../config/notifications-schema.ts';
import type { Secrets } from '../../config/secrets.ts';
import { renderSlack, type Message, type RenderContext } from '../render.ts';
import { ChannelError, type Channel } from './channel.ts';

type SlackConfig = Extract<ChannelConfig, { type: 'slack' }>;

/** Answers Slack gives for a webhook or channel that will never work again. */
const PERMANENT = new Set([
  'no_service',
  'no_team',
  'invalid_token',
  'channel_not_found',
  'channel_is_archived',
  'not_in_channel',
  'account_inactive',
  'token_revoked',
  'invalid_auth',
]);

export class SlackChannel implements Channel {
  readonly type = 'slack';
  readonly id: string;
  readonly #render: RenderContext;
  readonly #post: (m: Message) => Promise<void>;

  constructor(id: string, config: SlackConfig, secrets: Secrets, render: RenderContext) {
    this.id = id;
    this.#render = render;
    if (config.webhookUrlEnv !== undefined) {
      // the SDK retries nothing by default: our outbox does the retrying
      const hook = new IncomingWebhook(secrets.get(config.webhookUrlEnv), { timeout: 10_000 });
      this.#post = async (m) => {
        const { text, blocks } = renderSlack(m, this.#render);
        try {
          await hook.send({ text, blocks: blocks as never });
        } catch (err) {
          const body = err instanceof IncomingWebhookHTTPError ? err.body.trim() : '';
          const status = err instanceof IncomingWebhookHTTPError ? err.statusCode : 0;
          throw new ChannelError(
            `Slack webhook: ${status === 0 ? (err instanceof Error ? err.message : String(err)) : `${status} ${body}`}`,
            {
              permanent: PERMANENT.has(body) || status === 404 || status === 410,
              cause: err,
            },
          );
        }
      };
    } else {
      const client = new WebClient(secrets.get(config.tokenEnv ?? ''), {
        ...(config.apiUrl === undefined
          ? {}
          : { slackApiUrl: config.apiUrl.endsWith('/') ? config.apiUrl : `${config.apiUrl}/` }),
        retryConfig: { retries: 0 },
        rejectRateLimitedCalls: true,
        timeout: 10_000,
      });
      const channel = config.channel ?? '';
      this.#post = async (m) => {
        const { text, blocks } = renderSlack(m, this.#render);
        try {
          await client.chat.postMessage({
            channel,
            text,
            blocks: blocks as never,
            metadata: { event_type: 'partnersync_notification', event_payload: { id: m.id } },
          });
        } catch (err) {
          const code = err instanceof WebAPIPlatformError ? err.data.error : '';
          throw new ChannelError(`Slack API: ${err instanceof Error ? err.message : String(err)}`, {
            permanent: PERMANENT.has(code),
            cause: err,
          });
        }
      };
    }
  }

  send(m: Message): Promise<void> {
    return this.#post(m);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
