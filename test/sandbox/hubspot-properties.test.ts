// Contract: properties and property groups through the official @hubspot/api-client.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PropertyCreate } from '@hubspot/api-client/lib/codegen/crm/properties/index.js';
import { failure, hubspotSandbox, sdk, type HubspotFixture } from './helpers.ts';

/** The SDK's create model types `type`/`fieldType` as enums; tests send plain strings as JSON would. */
function property(input: {
  name: string;
  label?: string;
  type: string;
  fieldType: string;
  groupName?: string;
  options?: { label: string; value: string; hidden?: boolean }[];
  description?: string;
  hasUniqueValue?: boolean;
}): PropertyCreate {
  return {
    label: input.name,
    groupName: 'partnersync',
    ...input,
    options: (input.options ?? []).map((o) => ({ hidden: false, ...o })),
  } as unknown as PropertyCreate;
}

describe('HubSpot sandbox: properties (provisioned)', () => {
  let fx: HubspotFixture;
  beforeAll(async () => {
    fx = await hubspotSandbox();
  });
  afterAll(async () => {
    await fx.sandbox.stop();
  });

  it('lists partnersync properties in their group, marked as ours, with partner options', async () => {
    const { results } = await fx.client.crm.properties.coreApi.getAll('deals');
    const source = results.find((p) => p.name === 'partner_source');
    expect(source).toMatchObject({ type: 'enumeration', fieldType: 'select', groupName: 'partnersync' });
    expect(source?.description).toContain('Managed by partnersync');
    expect(source?.options).toHaveLength(20);
    expect(source?.createdAt).toBeInstanceOf(Date);
    const influencers = results.find((p) => p.name === 'partner_influencers');
    expect(influencers?.fieldType).toBe('checkbox');
    const companies = await fx.client.crm.properties.coreApi.getAll('companies');
    expect(companies.results.map((p) => p.name)).toEqual(
      expect.arrayContaining(['partner_tier', 'partner_rating_trust', 'partner_fit_reach', 'partner_health_score']),
    );
    const groups = await fx.client.crm.properties.groupsApi.getAll('companies');
    expect(groups.results.map((g) => g.name)).toContain('partnersync');
  });

  it('rejects a property value that is not one of the options, as HubSpot does', async () => {
    const page = await fx.client.crm.deals.basicApi.getPage(1);
    const id = page.results[0]?.id ?? '';
    const err = await failure(
      fx.client.crm.deals.basicApi.update(id, sdk({ properties: { partner_source: 'not-a-partner' } })),
    );
    expect(err.code).toBe(400);
    expect(err.body['category']).toBe('VALIDATION_ERROR');
    expect(String(err.body['message'])).toContain('Property values were not valid');
    const unknown = await failure(
      fx.client.crm.deals.basicApi.update(id, sdk({ properties: { no_such_property: 'x' } })),
    );
    expect(unknown.code).toBe(400);
    expect(JSON.stringify(unknown.body['errors'])).toContain('PROPERTY_DOESNT_EXIST');
  });
});

describe('HubSpot sandbox: properties (bare CRM, provisioning)', () => {
  let fx: HubspotFixture;
  beforeAll(async () => {
    fx = await hubspotSandbox({ fields: 'bare' });
  });
  afterAll(async () => {
    await fx.sandbox.stop();
  });

  it('has no partnersync fields or values', async () => {
    const { results } = await fx.client.crm.properties.coreApi.getAll('deals');
    expect(results.some((p) => p.name.startsWith('partner_'))).toBe(false);
    const page = await fx.client.crm.deals.basicApi.getPage(5, undefined, ['partner_source']);
    expect(page.results.every((d) => d.properties['partner_source'] === undefined)).toBe(true);
  });

  it('creates a group and a property, then answers 409 for the same name', async () => {
    const group = await fx.client.crm.properties.groupsApi.create(
      'deals',
      sdk({ name: 'partnersync', label: 'partnersync' }),
    );
    expect(group.name).toBe('partnersync');
    const created = await fx.client.crm.properties.coreApi.create(
      'deals',
      property({
        name: 'partner_recipe',
        type: 'enumeration',
        fieldType: 'select',
        description: 'Managed by partnersync.',
        options: [
          { label: 'Referral', value: 'referral' },
          { label: 'Reseller', value: 'reseller' },
        ],
      }),
    );
    expect(created).toMatchObject({
      name: 'partner_recipe',
      type: 'enumeration',
      fieldType: 'select',
      groupName: 'partnersync',
    });
    expect(created.options.map((o) => o.value)).toEqual(['referral', 'reseller']);
    const again = await failure(
      fx.client.crm.properties.coreApi.create(
        'deals',
        property({
          name: 'partner_recipe',
          type: 'enumeration',
          fieldType: 'select',
          options: [{ label: 'A', value: 'a' }],
        }),
      ),
    );
    expect(again.code).toBe(409);
    expect(again.body['category']).toBe('OBJECT_ALREADY_EXISTS');
    const groupAgain = await failure(
      fx.client.crm.properties.groupsApi.create('deals', sdk({ name: 'partnersync', label: 'x' })),
    );
    expect(groupAgain.code).toBe(409);
  });

  it.each([
    ['a name with capitals', { name: 'Partner_Tier', type: 'string', fieldType: 'text' }],
    ['a name starting with a digit', { name: '1partner', type: 'string', fieldType: 'text' }],
    ['a type/fieldType mismatch', { name: 'partner_score', type: 'number', fieldType: 'select' }],
    ['an unknown type', { name: 'partner_x', type: 'money', fieldType: 'number' }],
    [
      'an option with a trailing space',
      {
        name: 'partner_band',
        type: 'enumeration',
        fieldType: 'select',
        options: [{ label: 'Healthy ', value: 'healthy' }],
      },
    ],
    [
      'an option value with a leading space',
      {
        name: 'partner_band',
        type: 'enumeration',
        fieldType: 'select',
        options: [{ label: 'Healthy', value: ' healthy' }],
      },
    ],
    ['an unknown group', { name: 'partner_y', type: 'string', fieldType: 'text', groupName: 'nope' }],
  ])('rejects %s with a 400', async (_what, input) => {
    const err = await failure(fx.client.crm.properties.coreApi.create('deals', property(input)));
    expect(err.code).toBe(400);
    expect(err.body['category']).toBe('VALIDATION_ERROR');
  });

  it('replaces enumeration options whole on PATCH', async () => {
    await fx.client.crm.properties.coreApi.create(
      'deals',
      property({
        name: 'partner_tier_test',
        type: 'enumeration',
        fieldType: 'radio',
        options: [
          { label: 'Gold', value: 'gold' },
          { label: 'Silver', value: 'silver' },
        ],
      }),
    );
    const patched = await fx.client.crm.properties.coreApi.update(
      'deals',
      'partner_tier_test',
      sdk({ options: [{ label: 'Bronze', value: 'bronze', hidden: false }] }),
    );
    expect(patched.options.map((o) => o.value)).toEqual(['bronze']);
    const read = await fx.client.crm.properties.coreApi.getByName('deals', 'partner_tier_test');
    expect(read.options.map((o) => o.value)).toEqual(['bronze']);
  });

  it('creates and reads properties in batches, reporting existing names as errors (207)', async () => {
    const created = await fx.client.crm.properties.batchApi.create(
      'companies',
      sdk({
        inputs: [
          property({
            name: 'partner_health_score',
            type: 'number',
            fieldType: 'number',
            groupName: 'companyinformation',
          }),
          property({ name: 'partner_alerts', type: 'string', fieldType: 'textarea', groupName: 'companyinformation' }),
        ],
      }),
    );
    expect(created.results.map((p) => p.name).sort()).toEqual(['partner_alerts', 'partner_health_score']);
    const mixed = await fx.client.crm.properties.batchApi.create(
      'companies',
      sdk({
        inputs: [
          property({ name: 'partner_alerts', type: 'string', fieldType: 'textarea', groupName: 'companyinformation' }),
          property({ name: 'partner_win_rate', type: 'number', fieldType: 'number', groupName: 'companyinformation' }),
        ],
      }),
    );
    expect(mixed.results.map((p) => p.name)).toEqual(['partner_win_rate']);
    expect('errors' in mixed && mixed.errors[0]?.category).toBe('OBJECT_ALREADY_EXISTS');
    const read = await fx.client.crm.properties.batchApi.read(
      'companies',
      sdk({ archived: false, inputs: [{ name: 'partner_alerts' }, { name: 'name' }, { name: 'nope' }] }),
    );
    expect(read.results.map((p) => p.name).sort()).toEqual(['name', 'partner_alerts']);
  });
});
