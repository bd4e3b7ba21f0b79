// The naive baseline (issue 8): a HubSpot connector written the way a quick script would be —
// through the official SDK, one read and one write per record. It lists the ids (pages of 100),
// fetches every partner company and every deal on its own (the deal with its company association
// and its influencer history, so one read per record is enough), computes the same results with
// the same engine, and writes every result field of every record back, one update per record,
// changed or not. No limiter, no retries, no incremental reads, no tasks: it makes fewer kinds of
// calls than partnersync, never more kinds. Run on the same sandbox data with limits off.
// Usage (bench/run.ts runs it): node bench/naive-hubspot.ts --url URL [--as-of ISO]
// Prints one JSON line: { wallMs, records, writes, peakRssMb }. Calls are counted by the sandbox.

import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Client } from '@hubspot/api-client';
import {
  Filter,
  FilterGroup,
  FilterOperatorEnum,
  PublicObjectSearchRequest,
  SimplePublicObjectInput as CompanyInput,
} from '@hubspot/api-client/lib/codegen/crm/companies/index.js';
import { SimplePublicObjectInput as DealInput } from '@hubspot/api-client/lib/codegen/crm/deals/index.js';
import { readFileSync } from 'node:fs';
import { parseConfigText } from '../src/config/load.ts';
import { resolveFieldMap } from '../src/crm/hubspot/field-map.ts';
import { influencerTouches } from '../src/crm/hubspot/influencer-touches.ts';
import { hubspotObjectRaw, pipelinesRaw } from '../src/crm/hubspot/raw-schemas.ts';

/** The SDK's models as HubSpot sent them (its Date objects back to ISO text), for the JSON schemas. */
const asJson = (model: unknown): unknown => JSON.parse(JSON.stringify(model)) as unknown;
import { buildStageMap, NO_STAGES } from '../src/crm/hubspot/stage-map.ts';
import { createdAtOf, influencerIds, toDeal, toPartner, type MapContext } from '../src/crm/hubspot/to-snapshot.ts';
import type { PulledDeal, PulledPartner } from '../src/crm/port.ts';
import type { Alert } from '../src/domain/alerts.ts';
import { computeDetailed } from '../src/domain/engine.ts';
import { dealOutcomes, partnerOutcomes } from '../src/domain/outcomes.ts';
import { TimeZone } from '../src/domain/time.ts';

const { values } = parseArgs({ options: { url: { type: 'string' }, 'as-of': { type: 'string' } } });
if (values.url === undefined) throw new Error('--url is required');
const asOf = values['as-of'] === undefined ? Math.floor(Date.now() / 1000) * 1000 : Date.parse(values['as-of']);

// The benchmark's program (config/examples/program.yaml) and HubSpot's default field names.
const programText = readFileSync(new URL('../config/examples/program.yaml', import.meta.url), 'utf8');
const loaded = parseConfigText(`${programText}\ncrm:\n  provider: hubspot\n`, 'program.yaml');
if (loaded.config.crm === undefined) throw new Error('no crm section');
const { map: fields } = resolveFieldMap(loaded.programConfig, loaded.config.crm);
const client = new Client({ accessToken: 'naive-script', basePath: values.url, numberOfApiCallRetries: 0 });
const tz = new TimeZone(loaded.program.timezone);
const fitCriteria = Object.keys(loaded.programConfig.fit.criteria);

/** Request bodies as the SDK's generated classes. */
function partnerSearch(after: string): PublicObjectSearchRequest {
  const filter = Object.assign(new Filter(), {
    propertyName: 'type',
    operator: FilterOperatorEnum.Eq,
    value: 'PARTNER',
  });
  return Object.assign(new PublicObjectSearchRequest(), {
    filterGroups: [Object.assign(new FilterGroup(), { filters: [filter] })],
    properties: ['hs_object_id'],
    limit: 100,
    after,
    sorts: [],
  });
}

const t0 = performance.now();

// Partner ids: a search on type = PARTNER, 100 per page.
const partnerIds: string[] = [];
for (let after: string | undefined = '0'; after !== undefined;) {
  const page = await client.crm.companies.searchApi.doSearch(partnerSearch(after));
  partnerIds.push(...page.results.map((r) => r.id));
  after = page.paging?.next?.after;
}
// Deal ids: the list endpoint, 100 per page.
const dealIds: string[] = [];
for (let after: string | undefined; ;) {
  const page = await client.crm.deals.basicApi.getPage(100, after);
  dealIds.push(...page.results.map((r) => r.id));
  after = page.paging?.next?.after;
  if (after === undefined) break;
}
const stages = buildStageMap(pipelinesRaw.parse(await client.crm.pipelines.pipelinesApi.getAll('deals')), {});

// One read per record.
const partnerCtx: MapContext = { fields, tz, stages: NO_STAGES, fitCriteria, defaultCurrency: null };
const partners: PulledPartner[] = [];
for (const id of partnerIds) {
  const raw = await client.crm.companies.basicApi.getById(id, fields.properties('companies'));
  partners.push(toPartner(hubspotObjectRaw.parse(asJson(raw)), partnerCtx));
}
const dealCtx: MapContext = { fields, tz, stages, fitCriteria, defaultCurrency: 'USD' };
const influencersProp = fields.name('deal.influencers');
const deals: PulledDeal[] = [];
for (const id of dealIds) {
  const raw = await client.crm.deals.basicApi.getById(
    id,
    [...fields.properties('deals'), 'pipeline'],
    [influencersProp],
    ['companies'],
  );
  const record = hubspotObjectRaw.parse(asJson(raw));
  const links = raw.associations?.['companies']?.results ?? [];
  const customer =
    links.find((l) => l.type === 'deal_to_company')?.id ?? (links.length === 1 ? links[0]?.id : undefined) ?? null;
  const history = (raw.propertiesWithHistory?.[influencersProp] ?? []).map((h) => ({
    value: h.value,
    timestamp: h.timestamp.getTime(),
  }));
  const touches = influencerTouches(influencerIds(record, fields), history, createdAtOf(record, dealCtx), fields);
  deals.push(toDeal(record, { customerId: customer, touches }, dealCtx));
}

// The same results partnersync computes.
const out = computeDetailed(loaded.program, { partners, deals }, { asOf });
const byPartner = new Map<string, Alert[]>();
for (const a of out.result.alerts)
  if (a.partnerId !== null) byPartner.set(a.partnerId, [...(byPartner.get(a.partnerId) ?? []), a]);

// One write per record, every field, changed or not.
let writes = 0;
const partnerResults = partnerOutcomes(loaded.program, out.details, byPartner);
for (const [i, want] of partnerResults.entries()) {
  const id = out.details.partners[i]?.id;
  if (id === undefined) continue;
  const properties: Record<string, string> = {};
  for (const [field, value] of Object.entries(want))
    properties[fields.name(`partner.${field}`)] = fields.write(`partner.${field}`, value as string | null);
  await client.crm.companies.basicApi.update(id, Object.assign(new CompanyInput(), { properties }));
  writes++;
}
for (const [i, want] of dealOutcomes(loaded.program, out.details, asOf).entries()) {
  const id = out.details.deals[i]?.id;
  if (id === undefined) continue;
  const properties: Record<string, string> = {
    [fields.name('deal.commissionAmount')]: fields.write('deal.commissionAmount', want.commissionAmount),
    [fields.name('deal.attributionSummary')]: fields.write('deal.attributionSummary', want.attributionSummary),
  };
  await client.crm.deals.basicApi.update(id, Object.assign(new DealInput(), { properties }));
  writes++;
}

process.stdout.write(
  `${JSON.stringify({
    wallMs: Math.round(performance.now() - t0),
    records: partners.length + deals.length,
    writes,
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
  })}\n`,
);
