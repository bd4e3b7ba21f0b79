// E-mail over SMTP through nodemailer (pooled connections). The message's id becomes the
// Message-ID header (and X-Partnersync-Notification-Id), so a resend after a crash is the same
// message to the recipient's mail system.

import nodemailer, { type Transporter } from 'nodemailer';
import type { ChannelConfig } from '../../config/notifications-schema.ts';
import type { Secrets } from '../../config/secrets.ts';
import { renderEmail, type Message, type RenderContext } from '../render.ts';
import { ChannelError, type Channel } from './channel.ts';

type EmailConfig = Extract<ChannelConfig, { type: 'email' }>;

export interface Attachment {
  filename: string;
  content: Buffer;
  contentType: string;
}

/** Files a message carries (a partner's PDF statement, issue 20); none for most events. */
export type AttachmentSource = (m: Message) => Promise<Attachment[]>;

export class EmailChannel implements Channel {
  readonly type = 'email';
  readonly id: string;
  readonly #config: EmailConfig;
  readonly #transport: Transporter;
  readonly #render: RenderContext;
  readonly #attach: AttachmentSource | undefined;

  constructor(id: string, config: EmailConfig, secrets: Secrets, render: RenderContext, attach?: AttachmentSource) {
    this.id = id;
    this.#config = config;
    this.#render = render;
    this.#attach = attach;
    const { smtp } = config;
    this.#transport = nodemailer.createTransport({
      host: smtp.host,
      port: smtp.port,
      secure: smtp.secure,
      pool: true,
      maxConnections: 2,
      connectionTimeout: 15_000,
      greetingTimeout: 15_000,
      socketTimeout: 30_000,
      ...(smtp.user === undefined
        ? {}
        : { auth: { user: smtp.user, pass: smtp.passwordEnv === undefined ? '' : secrets.get(smtp.passwordEnv) } }),
    });
  }

  async send(m: Message): Promise<void> {
    const address = m.recipient.replace(/^mailto:/, '');
    const { subject, text } = renderEmail(m, this.#render);
    const first = m.events.length === 1 ? m.events[0] : undefined;
    let attachments: Attachment[];
    try {
      attachments = this.#attach === undefined ? [] : await this.#attach(m);
    } catch (err) {
      throw new ChannelError(`attachment: ${err instanceof Error ? err.message : String(err)}`, {
        permanent: false,
        cause: err,
      });
    }
    try {
      await this.#transport.sendMail({
        from: this.#config.from,
        to: address,
        subject,
        text,
        messageId: `<${m.id}@partnersync>`,
        ...(attachments.length === 0 ? {} : { attachments }),
        headers: {
          'X-Partnersync-Notification-Id': m.id,
          ...(first === undefined
            ? {}
            : { 'X-Partnersync-Event-Id': first.id, 'X-Partnersync-Event-Type': first.type }),
        },
      });
    } catch (err) {
      // 5xx from the server (a refused recipient, a message it will never take) is permanent
      const code = (err as { responseCode?: unknown }).responseCode;
      const permanent = typeof code === 'number' && code >= 500 && code < 600;
      throw new ChannelError(`SMTP: ${err instanceof Error ? err.message : String(err)}`, { permanent, cause: err });
    }
  }

  close(): Promise<void> {
    this.#transport.close();
    return Promise.resolve();
  }
}
