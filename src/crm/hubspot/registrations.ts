// Deal registration on HubSpot (issue 19, src/crm/registrations.ts): customers are companies
// found by their `domain` property, deals are created with their company association in the
// same request, and the registration lives in the deal properties partnersync provisions
// (docs/product.md "CRM fields"). Self-contained: it reuses the request helpers of requests.ts,
// so a change of API paths there applies here too.
// https://developers.hubspot.com/docs/api-reference/crm-companies-v3/guide
// https://developers.hubspot.com/docs/api-reference/crm-deals-v3/guide

import type { Stage } from '../../domain/snapshot.ts';
import { CrmError } from '../port.ts';
import {
  normaliseDomain,
  REGISTRATION_KEYS,
  type DealRegistrations,
  type NewDeal,
  type RegistrationFields,
  type RegistrationState,
} from '../registrations.ts';
import { HubspotHttpError, reasonOf } from './failures.ts';
import type { FieldMap } from './field-map.ts';
import type { HubspotApi } from './hubspot-api.ts';
import type { HubspotObjectRaw, PipelinesRaw } from './raw-schemas.ts';
import { batchCreate, batchRead, batchUpdate, listPipelines, readAssociations, searchObjects } from './requests.ts';
import { buildStageMap, type StageMap } from './stage-map.ts';

/** Association types (HUBSPOT_DEFINED): deal → company, and the deal's primary company. */
const DEAL_TO_COMPANY = 341;
const DEAL_TO_COMPANY_PRIMARY = 5;

export interface HubspotRegistrationDeps {
  api: HubspotApi;
  fields: FieldMap;
  stageOverrides: Readonly<Record<string, Stage>>;
  /** The account's company currency (deals without a currency code are in it). */
  accountCurrency: () => Promise<string | null>;
}

/**
 * A refused create or update (400, e.g. the create-form validation's VALIDATION_ERROR) keeps
 * HubSpot's own words as the message, so the registration form can show them.
 */
function refusal(err: unknown): unknown {
  if (!(err instanceof CrmError) || err.kind !== 'invalid_request') return err;
  const cause = err.cause;
  if (!(cause instanceof HubspotHttpError)) return err;
  return new CrmError({
    provider: err.provider,
    kind: 'invalid_request',
    code: err.code ?? cause.body.category ?? null,
    status: err.status,
    message: reasonOf(cause.body),
    cause: err,
  });
}

export class HubspotRegistrations implements DealRegistrations {
  readonly #deps: HubspotRegistrationDeps;
  #stages: Promise<{ raw: PipelinesRaw; map: StageMap }> | null = null;

  constructor(deps: HubspotRegistrationDeps) {
    this.#deps = deps;
  }

  #pipelines(): Promise<{ raw: PipelinesRaw; map: StageMap }> {
    this.#stages ??= listPipelines(this.#deps.api).then((raw) => ({
      raw,
      map: buildStageMap(raw, this.#deps.stageOverrides),
    }));
    this.#stages.catch(() => {
      this.#stages = null;
    });
    return this.#stages;
  }

  async findCustomerByDomain(domain: string): Promise<string | null> {
    const host = normaliseDomain(domain);
    // the search matches the stored value exactly; a stored "www." prefix is tried as well
    const page = await searchObjects(this.#deps.api, 'companies', {
      groups: [[{ propertyName: 'domain', operator: 'IN', values: [host, `www.${host}`] }]],
      properties: ['domain', 'name'],
      afterId: null,
      limit: 20,
    });
    const match = page.results.find((r) => normaliseDomain(r.properties['domain'] ?? '') === host);
    return match?.id ?? null;
  }

  async createCustomer(input: { name: string; domain: string }): Promise<string> {
    try {
      const answer = await batchCreate(this.#deps.api, 'companies', [
        { properties: { name: input.name, domain: normaliseDomain(input.domain) }, associations: [] },
      ]);
      return this.#onlyId(answer.results, 'companies');
    } catch (err) {
      throw refusal(err);
    }
  }

  #readProps(): string[] {
    const f = this.#deps.fields;
    return ['dealstage', 'pipeline', ...Object.values(REGISTRATION_KEYS).map((k) => f.name(k))];
  }

  #state(raw: HubspotObjectRaw): RegistrationState {
    const f = this.#deps.fields;
    const read = (key: string): string | null => f.read(key, raw.properties[f.name(key)]);
    return {
      dealId: raw.id,
      partnerId: read(REGISTRATION_KEYS.partnerId),
      status: read(REGISTRATION_KEYS.status),
      submittedAt: read(REGISTRATION_KEYS.submittedAt),
      decidedAt: read(REGISTRATION_KEYS.decidedAt),
      expiresAt: read(REGISTRATION_KEYS.expiresAt),
      reason: read(REGISTRATION_KEYS.reason),
    };
  }

  async openDealsOfCustomer(customerId: string): Promise<RegistrationState[]> {
    const links = await readAssociations(this.#deps.api, 'companies', 'deals', [customerId]);
    const dealIds = [...new Set(links.results.flatMap((r) => r.to.map((t) => t.toObjectId)))];
    if (dealIds.length === 0) return [];
    const stages = (await this.#pipelines()).map;
    const out: RegistrationState[] = [];
    for (let i = 0; i < dealIds.length; i += 100) {
      const answer = await batchRead(this.#deps.api, 'deals', dealIds.slice(i, i + 100), this.#readProps());
      for (const raw of answer.results) {
        const stage = raw.properties['dealstage'];
        if (stage !== null && stage !== undefined && stages.outcome(stage) === 'open') out.push(this.#state(raw));
      }
    }
    return out.sort((a, b) => (a.dealId < b.dealId ? -1 : a.dealId > b.dealId ? 1 : 0));
  }

  #registrationProps(fields: Partial<RegistrationFields>): Record<string, string> {
    const f = this.#deps.fields;
    const props: Record<string, string> = {};
    for (const [k, key] of Object.entries(REGISTRATION_KEYS) as [keyof RegistrationFields, string][]) {
      const value = fields[k];
      if (value !== undefined) props[f.name(key)] = f.write(key, value);
    }
    return props;
  }

  async createDeal(input: NewDeal): Promise<string> {
    const properties: Record<string, string> = {
      dealname: input.name,
      closedate: `${input.closeDate}T00:00:00.000Z`,
      ...this.#registrationProps(input.registration),
    };
    if (input.amount !== null) properties['amount'] = input.amount;
    if (input.currency !== null) properties['deal_currency_code'] = input.currency;
    const { pipeline, stage } = await this.#placement(input);
    properties['pipeline'] = pipeline;
    properties['dealstage'] = stage;
    if (input.ownerId !== null) properties['hubspot_owner_id'] = input.ownerId;
    if (input.description !== null) properties['description'] = input.description;
    if (input.recipe !== null)
      properties[this.#deps.fields.name('deal.recipe')] = this.#deps.fields.write('deal.recipe', input.recipe);
    try {
      const answer = await batchCreate(this.#deps.api, 'deals', [
        {
          properties,
          associations: [
            { toId: input.customerId, typeId: DEAL_TO_COMPANY_PRIMARY },
            { toId: input.customerId, typeId: DEAL_TO_COMPANY },
          ],
        },
      ]);
      return this.#onlyId(answer.results, 'deals');
    } catch (err) {
      throw refusal(err);
    }
  }

  /**
   * Where a new deal starts: the configured pipeline and stage, else the pipeline's (or the
   * default pipeline's) first open stage — HubSpot wants a stage on every deal.
   */
  async #placement(input: NewDeal): Promise<{ pipeline: string; stage: string }> {
    const { raw, map } = await this.#pipelines();
    const pipeline =
      raw.results.find((p) => p.id === (input.pipeline ?? 'default')) ??
      (input.pipeline === null ? raw.results[0] : undefined);
    const pipelineId = pipeline?.id ?? input.pipeline ?? 'default';
    if (input.stage !== null) return { pipeline: pipelineId, stage: input.stage };
    // HubSpot lists a pipeline's stages in their display order
    const first = (pipeline?.stages ?? []).find((s) => s.archived !== true && map.outcome(s.id) === 'open');
    if (first === undefined)
      throw new CrmError({
        provider: 'hubspot',
        kind: 'invalid_request',
        code: 'NO_OPEN_STAGE',
        message: `pipeline ${pipelineId} has no open stage for a new deal; set registrations.newDeal.stage`,
      });
    return { pipeline: pipelineId, stage: first.id };
  }

  async setRegistration(dealId: string, fields: Partial<RegistrationFields>): Promise<void> {
    try {
      const answer = await batchUpdate(this.#deps.api, 'deals', [
        { id: dealId, properties: this.#registrationProps(fields) },
      ]);
      this.#onlyId(answer.results, 'deals');
    } catch (err) {
      throw refusal(err);
    }
  }

  async readRegistrations(dealIds: readonly string[]): Promise<RegistrationState[]> {
    const ids = [...new Set(dealIds)];
    const out: RegistrationState[] = [];
    for (let i = 0; i < ids.length; i += 100) {
      const answer = await batchRead(this.#deps.api, 'deals', ids.slice(i, i + 100), this.#readProps());
      out.push(...answer.results.map((raw) => this.#state(raw)));
    }
    return out;
  }

  async currencies(): Promise<{ multiCurrency: boolean; defaultCurrency: string | null }> {
    // HubSpot deals carry deal_currency_code; the account's company currency is the default.
    return { multiCurrency: true, defaultCurrency: await this.#deps.accountCurrency() };
  }

  #onlyId(results: readonly HubspotObjectRaw[], type: string): string {
    const id = results[0]?.id;
    if (results.length !== 1 || id === undefined)
      throw new CrmError({
        provider: 'hubspot',
        kind: 'bad_payload',
        message: `POST /crm/v3/objects/${type}/batch: ${results.length} records came back for one`,
      });
    return id;
  }
}
