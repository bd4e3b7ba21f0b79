// A notification channel: sends one message (a single event or a digest) or throws ChannelError.
// Permanent errors (an address the SMTP server refuses, a Slack webhook that no longer exists) are
// not retried; every other failure is.

import type { Message } from '../render.ts';

export class ChannelError extends Error {
  override readonly name = 'ChannelError';
  readonly permanent: boolean;

  constructor(message: string, options: { permanent: boolean; cause?: unknown }) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.permanent = options.permanent;
  }
}

export interface Channel {
  readonly id: string;
  readonly type: 'email' | 'slack' | 'webhook';
  send(message: Message): Promise<void>;
  close(): Promise<void>;
}
