// Shared set-up for the HubSpot connector tests: configs built from the example program, an
// adapter pointed at a sandbox (or at nock), a raw SDK client for changes made "by a rep".

import { readFileSync } from 'node:fs';
import { Client } from '@hubspot/api-client';
import { activeCrm, parseConfigText, type LoadedConfig } from '../../src/config/load.ts';
import type { ProviderSettings } from '../../src/crm/provider.ts';
import { HubspotAdapter, type HubspotAdapterOptions } from '../../src/crm/hubspot/adapter.ts';
import type { Timer } from '../../src/crm/hubspot/rate-limiter.ts';
import { staticToken } from '../../src/crm/hubspot/token-source.ts';
import { silentLogger } from '../../src/log.ts';
import { isHubspotPersonality, type HubspotPersonality } from '../../src/sandbox/hubspot/personality.ts';
import { startSandbox, type SandboxHandle, type SandboxOptions } from '../../src/sandbox/server.ts';

export const ANCHOR = '2026-06-01T00:00:00.000Z';
const PROGRAM = readFileSync(new URL('../../config/examples/program.yaml', import.meta.url), 'utf8');

/** The example program plus a `crm:` section (YAML text, indented under `crm:`). */
export function hubspotConfig(crmYaml = ''): LoadedConfig {
  const text = `${PROGRAM}\ncrm:\n  provider: hubspot\n${crmYaml}`;
  return { file: 'test-config.yaml', ...parseConfigText(text, 'test-config.yaml') };
}

/** What the HubSpot provider knows of a config (`crm.hubspot` and the shared keys). */
export function hubspotSettings(crmYaml = ''): ProviderSettings {
  return activeCrm(hubspotConfig(crmYaml)).settings;
}

export interface HubspotSandboxFixture {
  sandbox: SandboxHandle;
  personality: HubspotPersonality;
  adapter: HubspotAdapter;
  /** The official SDK on the sandbox, for changes made behind the adapter's back. */
  client: Client;
  stop(): Promise<void>;
}

export async function hubspotOnSandbox(
  options: { sandbox?: Partial<SandboxOptions>; crmYaml?: string; adapter?: Partial<HubspotAdapterOptions> } = {},
): Promise<HubspotSandboxFixture> {
  const sandbox = await startSandbox({ crm: 'hubspot', anchor: ANCHOR, partners: 12, deals: 300, ...options.sandbox });
  const personality = sandbox.state.personality;
  if (!isHubspotPersonality(personality)) throw new Error('not a HubSpot sandbox');
  const adapter = new HubspotAdapter({
    settings: hubspotSettings(options.crmYaml ?? '  hubspot: { searchLagSeconds: 0 }\n'),
    env: {},
    logger: silentLogger(),
    basePath: sandbox.url,
    tokens: staticToken('test-token'),
    portalId: String(personality.state.portalId),
    ...options.adapter,
  });
  const client = new Client({ accessToken: 'rep-token', basePath: sandbox.url });
  return { sandbox, personality, adapter, client, stop: () => sandbox.stop() };
}

/** A timer whose sleeps return at once (and advance its clock): backoff tests without waiting. */
export function instantTimer(start = Date.parse(ANCHOR)): Timer & { slept: number[] } {
  let now = start;
  const slept: number[] = [];
  return {
    slept,
    now: () => now,
    sleep: (ms) => {
      slept.push(ms);
      now += ms;
      return Promise.resolve();
    },
  };
}

/** Id of a customer (non-partner) company other than `not`. */
export function customerCompany(personality: HubspotPersonality, not: string | null): string {
  const found = personality.state.tables.companies
    .all()
    .find((c) => c.archivedAt === null && c.props['type'] !== 'PARTNER' && c.id !== not);
  if (!found) throw new Error('no customer company in the sandbox');
  return found.id;
}
