// The channels of `notifications.channels`, built once with their secrets.

import type { NotificationsConfig } from '../../config/notifications-schema.ts';
import type { Secrets } from '../../config/secrets.ts';
import type { RenderContext } from '../render.ts';
import type { Channel } from './channel.ts';
import { EmailChannel, type AttachmentSource } from './email-channel.ts';
import { SlackChannel } from './slack-channel.ts';
import { WebhookChannel } from './webhook-channel.ts';

export function buildChannels(
  config: NotificationsConfig,
  secrets: Secrets,
  render: RenderContext,
  now: () => number,
  attach?: AttachmentSource,
): Map<string, Channel> {
  const out = new Map<string, Channel>();
  for (const [id, c] of Object.entries(config.channels)) {
    if (c.type === 'email') out.set(id, new EmailChannel(id, c, secrets, render, attach));
    else if (c.type === 'slack') out.set(id, new SlackChannel(id, c, secrets, render));
    else out.set(id, new WebhookChannel(id, c, secrets, now));
  }
  return out;
}
