// Notification test set-up: a config whose channels point at the local receivers, and a
// dispatcher over a world's store and fake CRM.

import type { LoadedConfig } from '../../src/config/load.ts';
import { Secrets } from '../../src/config/secrets.ts';
import type { CrmAdapter } from '../../src/crm/port.ts';
import { silentLogger } from '../../src/log.ts';
import { buildChannels } from '../../src/notify/channels/build-channels.ts';
import { Dispatcher, type DispatcherOptions } from '../../src/notify/dispatcher.ts';
import type { Store } from '../../src/store/store.ts';
import type { Clock } from '../../src/sync/deps.ts';
import { PROGRAM_YAML, testConfig } from '../sync/helpers.ts';
import type { HttpReceiver, SmtpReceiver } from './receivers.ts';

export const HOOK_SECRET = 'whsec-test-0123456789abcdef';

export function receiverEnv(http: HttpReceiver): Record<string, string> {
  return {
    TEST_SLACK_URL: `${http.url}/slack-hook/T000/B000/xyz`,
    TEST_HOOK_SECRET: HOOK_SECRET,
    TEST_SLACK_TOKEN: 'xoxb-test-token',
  };
}

/** The `notifications:` block: e-mail to the SMTP receiver, Slack and a webhook to the HTTP receiver. */
export function notificationsYaml(smtp: SmtpReceiver, http: HttpReceiver, routes: string, extra = ''): string {
  return `
notifications:
  finance: [finance@example.test]
  partnerContacts: { where: { role: partner-manager } }
  channels:
    mail: { type: email, from: "partnersync <ps@example.test>", smtp: { host: 127.0.0.1, port: ${smtp.port} } }
    team: { type: slack, webhookUrlEnv: TEST_SLACK_URL }
    bot: { type: slack, tokenEnv: TEST_SLACK_TOKEN, channel: "#partners", apiUrl: "${http.url}/slack-api/" }
    hook: { type: webhook, url: "${http.url}/hooks/a", secretEnv: TEST_HOOK_SECRET }
  routes:
${routes}
${extra}`;
}

export function notifyConfig(yaml: string): LoadedConfig {
  return testConfig(PROGRAM_YAML + yaml);
}

export function dispatcherFor(
  o: {
    store: Store;
    crm: CrmAdapter | null;
    config: LoadedConfig;
    clock: Clock;
    env: Record<string, string>;
    account: string;
  },
  extra: Partial<DispatcherOptions> = {},
): Dispatcher {
  const notifications = o.config.config.notifications;
  if (notifications === undefined) throw new Error('the test config has no notifications block');
  const secrets = Secrets.fromEnv(o.config.config, o.env);
  return new Dispatcher({
    store: o.store,
    crm: o.crm,
    account: () => Promise.resolve(o.account),
    config: o.config,
    clock: o.clock,
    logger: silentLogger(),
    secrets,
    // webhook signatures carry the real time: receivers compare it with theirs
    channels: buildChannels(
      notifications,
      secrets,
      { publicUrl: 'https://ps.example.test', currency: 'USD' },
      Date.now,
    ),
    ...extra,
  });
}
