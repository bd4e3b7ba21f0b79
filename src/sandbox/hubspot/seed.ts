// Maps the logical seed data (seed-model.ts) onto a HubSpot account: owners, partner companies
// (`type: PARTNER`), customer companies, deals in two pipelines (the default one and a custom
// "Partner deals" pipeline whose stage ids are numbers, as custom pipelines' are), primary
// deal→company associations and, with `--fields provisioned`, partnersync's properties with
// their seed values and property history (influencer links, stage and registration changes).

import { RECIPE_IDS, SEED_STAGES, TIERS, type SeedData, type SeedDeal, type SeedPartner } from '../seed-model.ts';
import { TimeZone } from '../../domain/time.ts';
import type { FieldsMode } from '../personality.ts';
import {
  CONTACT_TO_COMPANY,
  CONTACT_TO_COMPANY_PRIMARY,
  DEAL_TO_COMPANY,
  DEAL_TO_COMPANY_PRIMARY,
  OBJECT_TYPES,
} from './object-types.ts';
import {
  options,
  partnersyncProperties,
  PARTNERSYNC_GROUP,
  standardProperties,
  STANDARD_GROUPS,
  type HsPropertyDef,
} from './property-defs.ts';
import type { HsHistoryEntry, HsRecord } from './records.ts';
import { HubspotState, type HsPipeline } from './state.ts';

export const PORTAL_ID = 4_811_523;
/** Record ids start here; unknown (deleted) partners get ids below it, which never exist. */
const FIRST_RECORD_ID = 30_000_000_001;
const UNKNOWN_PARTNER_BASE = 29_999_990_000;
const PARTNER_PIPELINE_ID = '75439912';

export function seedHubspot(seed: SeedData, fields: FieldsMode, timezone = 'UTC'): HubspotState {
  const zone = new TimeZone(timezone);
  const anchorMs = Date.parse(seed.params.anchor);
  const state = new HubspotState(PORTAL_ID, FIRST_RECORD_ID);
  addPipelines(state, anchorMs);
  const ownerIds = addOwners(state, seed);
  const definitionsAt = anchorMs - 900 * 86_400_000;
  for (const type of OBJECT_TYPES) {
    for (const g of STANDARD_GROUPS[type]) state.groups[type].set(g.name, { ...g });
    for (const p of standardProperties(type, definitionsAt)) state.properties[type].set(p.name, p);
    if (fields === 'provisioned' && type !== 'tasks') {
      state.groups[type].set(PARTNERSYNC_GROUP, {
        name: PARTNERSYNC_GROUP,
        label: 'partnersync',
        displayOrder: 10,
        archived: false,
      });
      for (const p of partnersyncProperties(type, definitionsAt)) state.properties[type].set(p.name, p);
    }
  }
  const companyIds = new Map<string, string>();
  for (const partner of seed.partners) companyIds.set(partner.id, addPartner(state, partner, ownerIds, fields).id);
  for (const customer of seed.customers) {
    const record = state.newRecord(
      'companies',
      {
        name: customer.name,
        domain: customer.domain,
        lifecyclestage: 'customer',
        hubspot_owner_id: ownerIds.get(customer.ownerId) ?? '',
      },
      Date.parse(customer.createdAt),
      'IMPORT',
    );
    companyIds.set(customer.id, record.id);
  }
  seed.unknownPartnerIds.forEach((id, i) => companyIds.set(id, String(UNKNOWN_PARTNER_BASE + i)));
  fillDynamicOptions(state, seed, companyIds, ownerIds);
  const partnerPipeline = state.pipelines[1];
  for (const deal of seed.deals) addDeal(state, deal, { companyIds, ownerIds, fields, partnerPipeline, zone });
  // contacts last: record ids grow across types, so deals and companies keep the ids they had before
  for (const contact of seed.contacts) addContact(state, contact, companyIds, anchorMs);
  return state;
}

function addContact(
  state: HubspotState,
  contact: SeedData['contacts'][number],
  companyIds: ReadonlyMap<string, string>,
  anchorMs: number,
): void {
  const props: Record<string, string> = {
    firstname: contact.firstName,
    lastname: contact.lastName,
    jobtitle: contact.title,
    lifecyclestage: 'other',
  };
  set(props, 'email', contact.email);
  const record = state.newRecord('contacts', props, anchorMs - 400 * 86_400_000, 'IMPORT');
  const company = companyIds.get(contact.partnerId);
  if (company !== undefined)
    state.associations.add('contacts', record.id, 'companies', company, [
      CONTACT_TO_COMPANY,
      CONTACT_TO_COMPANY_PRIMARY,
    ]);
}

function addPipelines(state: HubspotState, anchorMs: number): void {
  const createdAt = anchorMs - 1000 * 86_400_000;
  const stages = (ids: (s: (typeof SEED_STAGES)[number]) => string): HsPipeline['stages'] =>
    SEED_STAGES.map((s) => ({
      id: ids(s),
      label: s.label,
      displayOrder: s.displayOrder,
      isClosed: s.outcome !== 'open',
      probability: s.probability,
    }));
  state.addPipeline({
    id: 'default',
    label: 'Sales Pipeline',
    displayOrder: 0,
    createdAt,
    stages: stages((s) => s.id),
  });
  state.addPipeline({
    id: PARTNER_PIPELINE_ID,
    label: 'Partner deals',
    displayOrder: 1,
    createdAt,
    stages: stages((s) => partnerStageId(s.displayOrder)),
  });
}

/** Stage ids of the custom pipeline: numbers, as HubSpot gives custom stages. */
function partnerStageId(order: number): string {
  return String(132_087_001 + order);
}

function addOwners(state: HubspotState, seed: SeedData): Map<string, string> {
  const ids = new Map<string, string>();
  seed.owners.forEach((o, i) => {
    const id = String(81_234_500 + i);
    state.owners.push({
      id,
      userId: 5_512_300 + i,
      email: o.email,
      firstName: o.firstName,
      lastName: o.lastName,
      createdAt: Date.parse(o.createdAt),
      archived: false,
    });
    ids.set(o.id, id);
  });
  return ids;
}

function addPartner(
  state: HubspotState,
  partner: SeedPartner,
  ownerIds: ReadonlyMap<string, string>,
  fields: FieldsMode,
): HsRecord {
  const props: Record<string, string> = {
    name: partner.name,
    domain: partner.domain,
    type: 'PARTNER',
    lifecyclestage: 'other',
    hubspot_owner_id: ownerIds.get(partner.ownerId) ?? '',
  };
  if (fields === 'provisioned') {
    set(props, 'partner_recipe', partner.recipe);
    set(props, 'partner_tier', partner.tier);
    set(props, 'partner_onboarded_at', partner.onboardedAt);
    set(props, 'partner_ended_at', partner.endedAt);
    for (const [k, v] of Object.entries(partner.ratings))
      set(props, `partner_rating_${k}`, v === null ? null : String(v));
    for (const [k, v] of Object.entries(partner.fit)) set(props, `partner_fit_${k}`, v === null ? null : String(v));
  }
  return state.newRecord('companies', props, Date.parse(partner.createdAt), 'IMPORT');
}

function set(props: Record<string, string>, name: string, value: string | null): void {
  if (value !== null && value !== '') props[name] = value;
}

/** Option lists that depend on the data: owners, stages, pipelines, partners, recipes, tiers. */
function fillDynamicOptions(
  state: HubspotState,
  seed: SeedData,
  companyIds: ReadonlyMap<string, string>,
  ownerIds: ReadonlyMap<string, string>,
): void {
  const ownerOptions = options(
    seed.owners.map((o) => [ownerIds.get(o.id) ?? '', `${o.firstName} ${o.lastName}`] as const),
  );
  for (const type of OBJECT_TYPES) setOptions(state.properties[type].get('hubspot_owner_id'), ownerOptions);
  const deals = state.properties.deals;
  setOptions(
    deals.get('dealstage'),
    options(state.pipelines.flatMap((p) => p.stages.map((s) => [s.id, s.label] as const))),
  );
  setOptions(deals.get('pipeline'), options(state.pipelines.map((p) => [p.id, p.label] as const)));
  const partnerOptions = options(seed.partners.map((p) => [companyIds.get(p.id) ?? '', p.name] as const));
  for (const name of ['partner_source', 'partner_influencers', 'deal_registration_partner'])
    setOptions(deals.get(name), partnerOptions);
  const recipeOptions = options(RECIPE_IDS.map((r) => [r, r] as const));
  setOptions(deals.get('partner_recipe'), recipeOptions);
  setOptions(state.properties.companies.get('partner_recipe'), recipeOptions);
  setOptions(state.properties.companies.get('partner_tier'), options(TIERS.map((t) => [t, t] as const)));
}

function setOptions(def: HsPropertyDef | undefined, opts: HsPropertyDef['options']): void {
  if (def) def.options = opts.map((o) => ({ ...o }));
}

interface DealMapping {
  companyIds: ReadonlyMap<string, string>;
  ownerIds: ReadonlyMap<string, string>;
  fields: FieldsMode;
  partnerPipeline: HsPipeline | undefined;
  /** The account's time zone (the program's): close dates are local midnights there. */
  zone: TimeZone;
}

/**
 * The close date as a rep sets it, a day: local midnight of the date the Salesforce seed writes
 * as `CloseDate` (the seed instant's UTC date), so that both CRMs hold the same business fact
 * and their adapters — HubSpot reading an instant, Salesforce a date read as local midnight
 * (docs/finance-rules.md §2) — give the same `closedAt`.
 */
function closeDate(closedAt: string | null, zone: TimeZone): string | null {
  if (closedAt === null) return null;
  const midnight = zone.localMidnight(closedAt.slice(0, 10));
  return midnight === null ? closedAt : new Date(midnight).toISOString();
}

function addDeal(state: HubspotState, deal: SeedDeal, m: DealMapping): void {
  const createdMs = Date.parse(deal.createdAt);
  // Co-selling deals live in the custom pipeline, so connectors cannot hard-code "closedwon".
  const custom = deal.recipe === 'co-selling' && m.partnerPipeline !== undefined;
  const stageOf = (stageId: string): string => {
    const order = SEED_STAGES.find((s) => s.id === stageId)?.displayOrder ?? 0;
    return custom ? partnerStageId(order) : stageId;
  };
  const props: Record<string, string> = {
    dealname: deal.name,
    deal_currency_code: deal.currency,
    dealstage: stageOf(deal.stageId),
    pipeline: custom ? (m.partnerPipeline?.id ?? 'default') : 'default',
    hubspot_owner_id: m.ownerIds.get(deal.ownerId) ?? '',
    dealtype: deal.name.endsWith('New business') ? 'newbusiness' : 'existingbusiness',
  };
  set(props, 'amount', deal.amount);
  set(props, 'closedate', closeDate(deal.closedAt, m.zone));
  const history: Record<string, HsHistoryEntry[]> = {};
  if (deal.stage !== 'open' && deal.closedAt) {
    history['dealstage'] = [
      { value: stageOf('appointmentscheduled'), timestamp: createdMs, sourceType: 'CRM_UI' },
      {
        value: props['dealstage'] ?? '',
        timestamp: Math.max(Date.parse(deal.closedAt), createdMs),
        sourceType: 'CRM_UI',
      },
    ];
  }
  if (m.fields === 'provisioned') addPartnerFields(props, history, deal, m.companyIds, createdMs);
  const record = state.newRecord('deals', props, createdMs, 'IMPORT');
  record.updatedAt = Math.max(Date.parse(deal.updatedAt), createdMs);
  if (Object.keys(history).length > 0) record.history = history;
  const customer = deal.customerId ? m.companyIds.get(deal.customerId) : undefined;
  if (customer)
    state.associations.add('deals', record.id, 'companies', customer, [DEAL_TO_COMPANY, DEAL_TO_COMPANY_PRIMARY]);
}

function addPartnerFields(
  props: Record<string, string>,
  history: Record<string, HsHistoryEntry[]>,
  deal: SeedDeal,
  companyIds: ReadonlyMap<string, string>,
  createdMs: number,
): void {
  const company = (partnerId: string): string => companyIds.get(partnerId) ?? partnerId;
  if (deal.sourcePartnerId) props['partner_source'] = company(deal.sourcePartnerId);
  set(props, 'partner_recipe', deal.recipe);
  if (deal.influencers.length > 0) {
    // One history entry per partner added: the value grows, each entry at the link's time.
    const ids: string[] = [];
    history['partner_influencers'] = deal.influencers.map((link) => {
      ids.push(company(link.partnerId));
      return { value: ids.join(';'), timestamp: Date.parse(link.at), sourceType: 'CRM_UI' };
    });
    props['partner_influencers'] = ids.join(';');
  }
  const reg = deal.registration;
  if (!reg) return;
  props['deal_registration_partner'] = company(reg.partnerId);
  props['deal_registration_status'] = reg.status;
  props['deal_registration_submitted_at'] = reg.submittedAt;
  set(props, 'deal_registration_decided_at', reg.decidedAt);
  set(props, 'deal_registration_expires_at', reg.expiresAt);
  if (reg.status !== 'submitted' && reg.decidedAt) {
    history['deal_registration_status'] = [
      { value: 'submitted', timestamp: Math.max(Date.parse(reg.submittedAt), createdMs), sourceType: 'CRM_UI' },
      { value: reg.status, timestamp: Date.parse(reg.decidedAt), sourceType: 'CRM_UI' },
    ];
  }
}
