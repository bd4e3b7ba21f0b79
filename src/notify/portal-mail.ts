// Plain e-mail for the partner pages (issue 19): sign-in links go straight to the invited
// address through the e-mail channel `registrations.emailChannel` names (not through the
// notification routes: a link is for one person, now, and is never put in the outbox).

import nodemailer, { type Transporter } from 'nodemailer';
import type { LoadedConfig } from '../config/load.ts';
import type { Secrets } from '../config/secrets.ts';

export interface PortalMail {
  to: string;
  subject: string;
  text: string;
}

export interface PortalMailer {
  send(mail: PortalMail): Promise<void>;
  close(): Promise<void>;
}

/** The mailer of `registrations.emailChannel`, or null without a registrations block. */
export function createPortalMailer(config: LoadedConfig, secrets: Secrets): PortalMailer | null {
  const id = config.config.registrations?.emailChannel;
  const channel = id === undefined ? undefined : config.config.notifications?.channels[id];
  if (channel?.type !== 'email') return null;
  const { smtp } = channel;
  const transport: Transporter = nodemailer.createTransport({
    host: smtp.host,
    port: smtp.port,
    secure: smtp.secure,
    connectionTimeout: 15_000,
    greetingTimeout: 15_000,
    socketTimeout: 30_000,
    ...(smtp.user === undefined
      ? {}
      : { auth: { user: smtp.user, pass: smtp.passwordEnv === undefined ? '' : secrets.get(smtp.passwordEnv) } }),
  });
  return {
    send: async (m) => {
      await transport.sendMail({ from: channel.from, to: m.to, subject: m.subject, text: m.text });
    },
    close: () => {
      transport.close();
      return Promise.resolve();
    },
  };
}
