// `crm.provider: sandbox-hubspot`: starts the HubSpot sandbox in this process (seeded from
// `crm.sandbox`, state kept in `crm.sandbox.stateFile` or `<dataDir>/sandbox-hubspot.json`) and
// answers the real HubSpot adapter pointed at it. `close()` stops the sandbox (saving its state).

import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { CrmAdapter } from '../port.ts';
import type { AdapterContext } from '../registry.ts';
import { isHubspotPersonality } from '../../sandbox/hubspot/personality.ts';
import { startSandbox } from '../../sandbox/server.ts';
import { HubspotAdapter, hubspotFieldMap } from './adapter.ts';
import { staticToken } from './token-source.ts';

/** The sandbox accepts any token it did not issue itself. */
const SANDBOX_TOKEN = 'partnersync-sandbox';

export async function createSandboxHubspotAdapter(ctx: AdapterContext): Promise<CrmAdapter> {
  // Config problems first: no sandbox is started for a config that cannot work.
  hubspotFieldMap(ctx.config);
  const settings = ctx.config.config.crm?.sandbox ?? { seed: 1, partners: 50, deals: 2000 };
  const stateFile =
    settings.stateFile !== undefined
      ? path.resolve(settings.stateFile)
      : path.resolve(ctx.dataDir, 'sandbox-hubspot.json');
  await mkdir(path.dirname(stateFile), { recursive: true });
  const sandbox = await startSandbox({
    crm: 'hubspot',
    seed: settings.seed,
    partners: settings.partners,
    deals: settings.deals,
    stateFile,
    fields: 'provisioned',
    onError: (err) => {
      ctx.logger.error({ err }, 'sandbox-hubspot: unexpected error');
    },
  });
  const personality = sandbox.state.personality;
  let adapter: HubspotAdapter;
  try {
    adapter = new HubspotAdapter({
      config: ctx.config,
      env: ctx.env,
      logger: ctx.logger,
      basePath: sandbox.url,
      tokens: staticToken(SANDBOX_TOKEN),
      ...(isHubspotPersonality(personality) ? { portalId: String(personality.state.portalId) } : {}),
    });
  } catch (err) {
    await sandbox.stop();
    throw err;
  }
  ctx.logger.info({ url: sandbox.url, stateFile }, 'sandbox-hubspot: started');
  const close = adapter.close.bind(adapter);
  return Object.assign(adapter, {
    close: async (): Promise<void> => {
      await close();
      await sandbox.stop();
    },
  });
}
