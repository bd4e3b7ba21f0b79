// Builds the dispatcher from the config (null without a `notifications:` block): its channels
// with their secrets, and the render context (currency, links to server.publicUrl).

import type { LoadedConfig } from '../config/load.ts';
import type { Secrets } from '../config/secrets.ts';
import type { CrmAdapter } from '../crm/port.ts';
import type { Logger } from '../log.ts';
import type { Store } from '../store/store.ts';
import { systemClock, type Clock } from '../sync/deps.ts';
import { buildChannels } from './channels/build-channels.ts';
import { Dispatcher } from './dispatcher.ts';

export function createDispatcher(o: {
  config: LoadedConfig;
  secrets: Secrets;
  store: Store;
  crm: CrmAdapter | null;
  clock: Clock;
  logger: Logger;
  account?: () => Promise<string>;
}): Dispatcher | null {
  const notifications = o.config.config.notifications;
  // the partner pages (registrations) send decisions to partner users even without routes
  if (notifications === undefined || (notifications.routes.length === 0 && o.config.config.registrations === undefined))
    return null;
  const channels = buildChannels(
    notifications,
    o.secrets,
    { publicUrl: o.config.config.server.publicUrl, currency: o.config.program.currency },
    // webhook signatures carry the wall clock: receivers compare it with theirs
    () => systemClock.now(),
  );
  return new Dispatcher({ ...o, channels, logger: o.logger.child({ component: 'notifications' }) });
}
