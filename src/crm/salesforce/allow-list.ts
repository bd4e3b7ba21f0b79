// What partnersync may put in SOQL (docs/crm-notes.md §2.3): every object and field name comes
// from this allow-list, the partner filter's field names included, so a config typo cannot
// become a query that reads something else.

import { ConfigError } from '../../config/errors.ts';
import type { FieldMap } from './fields.ts';
import { ACCOUNT_FIELDS, OPPORTUNITY_FIELDS, OPPORTUNITY_PARTNER_FIELDS } from './records.ts';
import { SoqlAllowList, SoqlError } from './soql.ts';

/** Partner Accounts unless `crm.partners.where` says otherwise (e.g. `{ IsPartner: true }` in PRM orgs). */
export const DEFAULT_PARTNER_WHERE: Readonly<Record<string, string>> = { Type: 'Partner' };

export function allowList(
  fields: FieldMap,
  partnerWhere: Readonly<Record<string, unknown>>,
  source: string,
): SoqlAllowList {
  const allow = new SoqlAllowList()
    .allow('Opportunity', [
      ...OPPORTUNITY_FIELDS,
      'CurrencyIsoCode',
      'LastModifiedById',
      ...fields.forObject('Opportunity').map((f) => f.apiName),
    ])
    .allow('OpportunityPartner', [...OPPORTUNITY_PARTNER_FIELDS, 'LastModifiedById'])
    .allow('Task', ['Id', 'Subject', 'Description'])
    .allow('CustomField', ['Id', 'DeveloperName', 'TableEnumOrId', 'Description', 'NamespacePrefix'])
    .allow('PlatformEventChannelMember', ['Id', 'DeveloperName', 'EventChannel', 'SelectedEntity'])
    .allow('PermissionSet', ['Id', 'Name', 'Description'])
    .allow('FieldPermissions', ['Id', 'ParentId', 'Field', 'PermissionsRead', 'PermissionsEdit'])
    .allow('PermissionSetAssignment', ['Id', 'PermissionSetId', 'AssigneeId'])
    .allow('User', ['Id', 'Username', 'IsActive', 'Profile.Name'])
    .allow('CurrencyType', ['IsoCode', 'IsCorporate'])
    .allow('Organization', ['DefaultCurrencyIsoCode'])
    .allow('Account', [...ACCOUNT_FIELDS, 'LastModifiedById', ...fields.forObject('Account').map((f) => f.apiName)]);
  try {
    allow.allow('Account', Object.keys(partnerWhere));
  } catch (err) {
    if (!(err instanceof SoqlError)) throw err;
    throw new ConfigError(source, [
      { path: 'crm.partners.where', message: `${err.message}; use Account field API names such as Type or IsPartner` },
    ]);
  }
  return allow;
}
