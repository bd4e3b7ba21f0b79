// Option lists kept in sync during pulls (decided here rather than in writeBack: the pull is
// where partner companies are read). Partner pickers follow the partner companies on every pull
// that sees a partner change; config-driven lists (recipes, tiers, bands) are checked on full
// pulls, so a new recipe or tier is offered to reps without re-running `provision`. Only
// properties carrying the "Managed by partnersync" marker are ever changed, and only when what a
// rep would see differs (an idle sync writes nothing).

import type { Logger } from '../../log.ts';
import type { FieldMap, HubspotObject } from './field-map.ts';
import type { HubspotApi } from './hubspot-api.ts';
import { mergePartnerOptions, type PartnerChanges } from './partner-options.ts';
import { mergeConfigOptions, optionsOf } from './provision-plan.ts';
import { isManaged, type DesiredProperty } from './property-specs.ts';
import type { PropertyRaw } from './raw-schemas.ts';
import { readProperties, updateProperty } from './requests.ts';

const PARTNER_PICKERS = ['deal.sourcePartnerId', 'deal.influencers', 'deal.registration.partnerId'] as const;

/** One pull's view of our option lists: each object's managed enumerations read at most once. */
export class OptionSync {
  readonly #api: HubspotApi;
  readonly #fields: FieldMap;
  readonly #desired: readonly DesiredProperty[];
  readonly #logger: Logger;
  readonly #loaded = new Map<HubspotObject, Promise<Map<string, PropertyRaw>>>();

  constructor(api: HubspotApi, fields: FieldMap, desired: readonly DesiredProperty[], logger: Logger) {
    this.#api = api;
    this.#fields = fields;
    this.#desired = desired;
    this.#logger = logger;
  }

  #enumerations(object: HubspotObject): string[] {
    const names = new Set<string>();
    for (const key of PARTNER_PICKERS) if (object === 'deals') names.add(this.#fields.name(key));
    for (const d of this.#desired) if (d.object === object && d.options) names.add(d.name);
    return [...names];
  }

  #load(object: HubspotObject): Promise<Map<string, PropertyRaw>> {
    let loaded = this.#loaded.get(object);
    if (!loaded) {
      loaded = readProperties(this.#api, object, this.#enumerations(object)).then(
        (list) => new Map(list.map((p) => [p.name, p])),
      );
      this.#loaded.set(object, loaded);
    }
    return loaded;
  }

  /**
   * Company ids the sourcing-partner picker has ever offered (visible or hidden): the companies
   * partnersync knows as partners. Null when the picker is not ours (mapped to another property).
   */
  async knownPartners(): Promise<Set<string> | null> {
    const picker = (await this.#load('deals')).get(this.#fields.name('deal.sourcePartnerId'));
    if (!picker || !isManaged(picker.description)) return null;
    return new Set((picker.options ?? []).map((o) => o.value));
  }

  /** Brings the partner pickers in line with the partners seen; answers how many lists changed. */
  async syncPartners(changes: PartnerChanges): Promise<number> {
    if (!changes.complete && changes.partners.length === 0 && changes.removed.length === 0) return 0;
    const props = await this.#load('deals');
    let patched = 0;
    for (const key of PARTNER_PICKERS) {
      const property = props.get(this.#fields.name(key));
      if (!property || !isManaged(property.description)) continue;
      const merged = mergePartnerOptions(optionsOf(property), changes);
      if (!merged) continue;
      const updated = await updateProperty(this.#api, 'deals', property.name, { options: merged });
      props.set(property.name, updated);
      patched += 1;
    }
    if (patched > 0)
      this.#logger.info(
        { lists: patched, partners: changes.partners.length, removed: changes.removed.length },
        'hubspot: partner pickers updated',
      );
    return patched;
  }

  /** Adds config-driven options (recipes, tiers, bands) that a managed list lacks. */
  async syncConfigOptions(): Promise<number> {
    let patched = 0;
    for (const object of ['deals', 'companies'] as const) {
      const wanted = this.#desired.filter((d) => d.object === object && d.options && d.type === 'enumeration');
      if (wanted.length === 0) continue;
      const props = await this.#load(object);
      for (const d of wanted) {
        const property = props.get(d.name);
        // Type changes and new properties are provisioning's job; here only options move.
        if (!property || !isManaged(property.description) || property.type !== 'enumeration' || !d.options) continue;
        const merged = mergeConfigOptions(optionsOf(property), d.options);
        if (!merged) continue;
        props.set(d.name, await updateProperty(this.#api, object, d.name, { options: merged.options }));
        patched += 1;
        this.#logger.info(
          { property: d.name, changes: merged.changes },
          'hubspot: option list updated from the config',
        );
      }
    }
    return patched;
  }
}
