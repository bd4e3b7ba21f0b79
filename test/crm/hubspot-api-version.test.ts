// crm.hubspot.apiVersion (issue 14): the default, the accepted values with a refusal naming the
// key, and the start-up warning of `legacy` with HubSpot's 2027 dates.

import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { HubspotAdapter } from '../../src/crm/hubspot/adapter.ts';
import { staticToken } from '../../src/crm/hubspot/token-source.ts';
import { ConfigError } from '../../src/config/errors.ts';
import { createLogger } from '../../src/log.ts';
import { hubspotConfig, hubspotSettings } from './hubspot-fixtures.ts';

function adapterLog(crmYaml: string): { adapter: HubspotAdapter; lines: () => string[] } {
  const out: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      out.push(chunk.toString('utf8'));
      done();
    },
  });
  const adapter = new HubspotAdapter({
    settings: hubspotSettings(crmYaml),
    env: {},
    logger: createLogger({ level: 'info', destination }),
    basePath: 'http://127.0.0.1:9',
    tokens: staticToken('t'),
    portalId: '1',
  });
  return { adapter, lines: () => out };
}

describe('crm.hubspot.apiVersion', () => {
  it('defaults to 2026-09 and says nothing at start-up', () => {
    const { adapter, lines } = adapterLog('  hubspot: {}\n');
    expect(adapter.api.paths.version).toBe('2026-09');
    expect(adapter.api.paths.objects('deals')).toBe('/crm/objects/2026-09/deals');
    expect(lines()).toEqual([]);
  });

  it('legacy keeps the v3/v4 paths and warns with the 2027 dates', () => {
    const { adapter, lines } = adapterLog('  hubspot: { apiVersion: legacy }\n');
    expect(adapter.api.paths.objects('deals')).toBe('/crm/v3/objects/deals');
    expect(adapter.api.paths.associations('deals', 'companies')).toBe('/crm/v4/associations/deals/companies');
    const warning = lines().join('');
    expect(warning).toContain('"level":40');
    expect(warning).toContain('30 March 2027');
    expect(warning).toContain('September 2027');
  });

  it('refuses another value, naming the key and the accepted ones', () => {
    let error: unknown = null;
    try {
      hubspotConfig('  hubspot: { apiVersion: "2025-09" }\n');
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/crm\.hubspot\.apiVersion[\s\S]*2026-09, 2026-03, legacy/);
  });
});
