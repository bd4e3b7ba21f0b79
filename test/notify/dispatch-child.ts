// A dispatcher in its own process, for the crash test: sends the outbox of one account of a store.
// With --pause-after N it announces the N-th message it sent ("SENT <id>") and then hangs before
// recording it, so the test can SIGKILL it between sending and recording. Ends with a JSON report.
//
//   node test/notify/dispatch-child.ts --store URL --config FILE --account KEY [--pause-after N] [--lease-ms MS]

import { parseArgs } from 'node:util';
import { loadConfigFile } from '../../src/config/load.ts';
import { Secrets } from '../../src/config/secrets.ts';
import { silentLogger } from '../../src/log.ts';
import { buildChannels } from '../../src/notify/channels/build-channels.ts';
import { Dispatcher } from '../../src/notify/dispatcher.ts';
import { openStore } from '../../src/store/open-store.ts';
import { systemClock } from '../../src/sync/deps.ts';

const { values } = parseArgs({
  options: {
    store: { type: 'string' },
    config: { type: 'string' },
    account: { type: 'string' },
    'pause-after': { type: 'string' },
    'lease-ms': { type: 'string' },
  },
});
const loaded = loadConfigFile(values.config ?? '');
const notifications = loaded.config.notifications;
if (notifications === undefined) throw new Error('the config has no notifications block');
// the harness hands the secrets over in the environment, as a deployment would
const secrets = Secrets.fromEnv(loaded.config, process.env);
const store = await openStore(values.store ?? '');
const pauseAfter = values['pause-after'] === undefined ? Infinity : Number(values['pause-after']);
let sent = 0;
const dispatcher = new Dispatcher({
  store,
  crm: null,
  account: () => Promise.resolve(values.account ?? ''),
  config: loaded,
  clock: systemClock,
  logger: silentLogger(),
  secrets,
  concurrency: 1,
  leaseMs: values['lease-ms'] === undefined ? undefined : Number(values['lease-ms']),
  channels: buildChannels(notifications, secrets, { publicUrl: undefined, currency: 'USD' }, Date.now),
  afterSend: async (message) => {
    sent++;
    if (sent < pauseAfter) return;
    process.stdout.write(`SENT ${message.id}\n`);
    await new Promise(() => {
      // never settles: the test kills the process here, between sending and recording
    });
  },
});
const report = await dispatcher.dispatchOnce();
await dispatcher.stop();
await store.close();
process.stdout.write(`${JSON.stringify(report)}\n`);
