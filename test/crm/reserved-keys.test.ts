// CRM values that are names objects inherit (issue 16, finding 6): a Salesforce stage called
// `constructor` or `toString`, a HubSpot property or stage of that name. Lookups keyed by CRM
// text go through Maps or own properties only.

import { describe, expect, it } from 'vitest';
import { buildStageMap, StageMap } from '../../src/crm/hubspot/stage-map.ts';
import { matchesWhere as hubspotWhere } from '../../src/crm/hubspot/to-snapshot.ts';
import { matchesWhere as salesforceWhere, stageOf } from '../../src/crm/salesforce/records.ts';
import { hubspotObjectRaw, type HubspotObjectRaw } from '../../src/crm/hubspot/raw-schemas.ts';

const sfStage = (
  StageName: string,
  IsClosed: boolean,
  IsWon: boolean,
  overrides: Record<string, 'open' | 'won' | 'lost'>,
) => stageOf({ StageName, IsClosed, IsWon }, new Map(Object.entries(overrides)));

describe('Salesforce stage overrides', () => {
  it.each(['constructor', 'toString', 'hasOwnProperty', '__proto__', 'valueOf'])(
    'a stage named %s without an override follows IsClosed/IsWon',
    (name) => {
      expect(sfStage(name, true, true, {})).toBe('won');
      expect(sfStage(name, true, false, {})).toBe('lost');
      expect(sfStage(name, false, false, { 'Closed Won': 'won' })).toBe('open');
    },
  );

  it('an override named constructor or toString applies to that stage only', () => {
    const overrides = { constructor: 'lost', ToString: 'won' } as const;
    expect(sfStage('constructor', false, false, overrides)).toBe('lost');
    expect(sfStage('tostring', false, false, overrides)).toBe('won');
    expect(sfStage('Prospecting', false, false, overrides)).toBe('open');
  });
});

describe('HubSpot stage map', () => {
  const pipelines = {
    results: [
      {
        id: 'default',
        label: 'Sales',
        stages: [
          { id: 'closedwon', label: 'Won', metadata: { isClosed: 'true', probability: '1.0' } },
          { id: 'qualified', label: 'Qualified', metadata: { isClosed: 'false', probability: '0.2' } },
        ],
      },
    ],
  };

  it('knows no stage called constructor or toString unless HubSpot or an override does', () => {
    const map = buildStageMap(pipelines, {});
    for (const id of ['constructor', 'toString', '__proto__']) {
      expect(map.outcome(id)).toBeNull();
      expect(map.has(id)).toBe(false);
    }
    expect(map.outcome('closedwon')).toBe('won');
    expect(map.stages().map((st) => st.id)).toEqual(['closedwon', 'qualified']);
    const overridden = new StageMap([], { toString: 'lost' } as const);
    expect(overridden.outcome('toString')).toBe('lost');
    expect(overridden.outcome('constructor')).toBeNull();
    expect(overridden.unknownOverrides()).toEqual(['toString']);
  });
});

describe('partner filters against CRM records', () => {
  const company = (properties: Record<string, string | null>): HubspotObjectRaw => ({
    id: '1',
    properties,
    createdAt: new Date(0),
    updatedAt: new Date(0),
    archived: false,
  });

  it('HubSpot: a filter on a property called constructor reads the record, not Object.prototype', () => {
    expect(hubspotWhere(company({ type: 'PARTNER' }), { constructor: 'x' })).toBe(false);
    expect(hubspotWhere(company({ type: 'PARTNER', constructor: 'X' }), { constructor: 'x' })).toBe(true);
    expect(hubspotWhere(company({ type: 'PARTNER' }), { type: 'partner' })).toBe(true);
  });

  it('Salesforce: a filter on a field called constructor reads the record, not Object.prototype', () => {
    expect(salesforceWhere({ Type: 'Partner' }, { constructor: 'function Object() { [native code] }' })).toBe(false);
    expect(salesforceWhere({ Type: 'Partner', constructor: 'x' }, { constructor: 'X' })).toBe(true);
  });
});

describe('HubSpot records as parsed', () => {
  it('hold property values without a prototype: an absent `constructor` property is absent', () => {
    const raw = hubspotObjectRaw.parse({
      id: '7',
      properties: { dealname: 'Big deal', toString: 'text' },
      propertiesWithHistory: { amount: [] },
      createdAt: '2026-01-01T00:00:00Z',
      updatedAt: '2026-01-02T00:00:00Z',
    });
    const value = (name: string): string | null | undefined => raw.properties[name];
    expect(value('constructor')).toBeUndefined();
    expect(value('hasOwnProperty')).toBeUndefined();
    expect(value('toString')).toBe('text');
    const history = (name: string): unknown => raw.propertiesWithHistory?.[name];
    expect(history('valueOf')).toBeUndefined();
    expect(history('amount')).toEqual([]);
    expect(raw.properties).toEqual({ dealname: 'Big deal', toString: 'text' });
  });
});
