// Property definitions of the HubSpot sandbox: the standard deal, company and task properties a
// connector reads, partnersync's own (docs/product.md field table, `--fields provisioned`), the
// type/fieldType rules and the API shape of a property.
// https://developers.hubspot.com/docs/api-reference/crm-properties-v3/guide

import type { HsObjectType } from './object-types.ts';

export interface HsOption {
  label: string;
  value: string;
  displayOrder: number;
  hidden: boolean;
  description?: string;
}

export interface HsPropertyDef {
  name: string;
  label: string;
  type: string;
  fieldType: string;
  groupName: string;
  description: string;
  options: HsOption[];
  displayOrder: number;
  hasUniqueValue: boolean;
  hidden: boolean;
  formField: boolean;
  calculated: boolean;
  externalOptions: boolean;
  hubspotDefined: boolean;
  readOnlyValue: boolean;
  createdAt: number;
  updatedAt: number;
  archived: boolean;
  archivedAt: number | null;
}

export interface HsGroupDef {
  name: string;
  label: string;
  displayOrder: number;
  archived: boolean;
}

/** Valid `type` → `fieldType` pairs. */
export const FIELD_TYPES: Readonly<Record<string, readonly string[]>> = {
  string: ['text', 'textarea', 'file', 'html', 'phonenumber'],
  number: ['number', 'calculation_equation'],
  date: ['date'],
  datetime: ['date'],
  enumeration: ['select', 'radio', 'checkbox', 'booleancheckbox'],
  bool: ['booleancheckbox'],
};

export const PROPERTY_NAME = /^[a-z][a-z0-9_]*$/;
export const PARTNERSYNC_GROUP = 'partnersync';
export const PARTNERSYNC_DESCRIPTION = 'Managed by partnersync.';

/** Properties HubSpot maintains itself: computed on read, never written by a client. */
export const SYSTEM_PROPERTIES: Readonly<Record<HsObjectType, readonly string[]>> = {
  deals: ['hs_object_id', 'createdate', 'hs_lastmodifieddate', 'hs_is_closed', 'hs_is_closed_won'],
  companies: ['hs_object_id', 'createdate', 'hs_lastmodifieddate'],
  tasks: ['hs_object_id', 'hs_createdate', 'hs_lastmodifieddate'],
  contacts: ['hs_object_id', 'createdate', 'lastmodifieddate'],
};

/** What reads return when the client names no properties. */
export const DEFAULT_READ_PROPERTIES: Readonly<Record<HsObjectType, readonly string[]>> = {
  deals: [
    'amount',
    'closedate',
    'createdate',
    'dealname',
    'dealstage',
    'hs_lastmodifieddate',
    'hs_object_id',
    'pipeline',
  ],
  companies: ['createdate', 'domain', 'hs_lastmodifieddate', 'hs_object_id', 'name'],
  tasks: ['hs_createdate', 'hs_lastmodifieddate', 'hs_object_id'],
  contacts: ['createdate', 'email', 'firstname', 'hs_object_id', 'lastmodifieddate', 'lastname'],
};

export const STANDARD_GROUPS: Readonly<Record<HsObjectType, readonly HsGroupDef[]>> = {
  deals: [{ name: 'dealinformation', label: 'Deal information', displayOrder: 0, archived: false }],
  companies: [{ name: 'companyinformation', label: 'Company information', displayOrder: 0, archived: false }],
  tasks: [{ name: 'task', label: 'Task information', displayOrder: 0, archived: false }],
  contacts: [{ name: 'contactinformation', label: 'Contact information', displayOrder: 0, archived: false }],
};

type Spec = [
  name: string,
  label: string,
  type: string,
  fieldType: string,
  options?: readonly (readonly [string, string])[],
];

const TASK_STATUS = [
  ['NOT_STARTED', 'Not started'],
  ['IN_PROGRESS', 'In progress'],
  ['WAITING', 'Waiting'],
  ['COMPLETED', 'Completed'],
  ['DEFERRED', 'Deferred'],
] as const;
const TASK_PRIORITY = [
  ['NONE', 'None'],
  ['LOW', 'Low'],
  ['MEDIUM', 'Medium'],
  ['HIGH', 'High'],
] as const;
const TASK_TYPE = [
  ['CALL', 'Call'],
  ['EMAIL', 'Email'],
  ['TODO', 'To-do'],
] as const;
const COMPANY_TYPE = [
  ['PROSPECT', 'Prospect'],
  ['PARTNER', 'Partner'],
  ['RESELLER', 'Reseller'],
  ['VENDOR', 'Vendor'],
  ['OTHER', 'Other'],
] as const;
const LIFECYCLE = [
  ['lead', 'Lead'],
  ['opportunity', 'Opportunity'],
  ['customer', 'Customer'],
  ['other', 'Other'],
] as const;
const DEAL_TYPE = [
  ['newbusiness', 'New Business'],
  ['existingbusiness', 'Existing Business'],
] as const;
export const CURRENCY_OPTIONS = [
  ['USD', 'US Dollar'],
  ['EUR', 'Euro'],
  ['GBP', 'British Pound'],
  ['CAD', 'Canadian Dollar'],
  ['JPY', 'Japanese Yen'],
] as const;

/** Standard properties; `dynamic` option lists (owners, stages, pipelines) are filled by the seed. */
const STANDARD: Readonly<Record<HsObjectType, readonly Spec[]>> = {
  deals: [
    ['dealname', 'Deal Name', 'string', 'text'],
    ['amount', 'Amount', 'number', 'number'],
    ['deal_currency_code', 'Currency', 'enumeration', 'select', CURRENCY_OPTIONS],
    ['dealstage', 'Deal Stage', 'enumeration', 'radio'],
    ['pipeline', 'Pipeline', 'enumeration', 'select'],
    ['closedate', 'Close Date', 'datetime', 'date'],
    ['dealtype', 'Deal Type', 'enumeration', 'radio', DEAL_TYPE],
    ['description', 'Deal Description', 'string', 'textarea'],
    ['hubspot_owner_id', 'Deal owner', 'enumeration', 'select'],
    ['createdate', 'Create Date', 'datetime', 'date'],
    ['hs_lastmodifieddate', 'Last Modified Date', 'datetime', 'date'],
    ['hs_object_id', 'Record ID', 'number', 'number'],
    ['hs_is_closed', 'Is Deal Closed?', 'bool', 'booleancheckbox'],
    ['hs_is_closed_won', 'Is Closed Won', 'bool', 'booleancheckbox'],
  ],
  companies: [
    ['name', 'Company name', 'string', 'text'],
    ['domain', 'Company Domain Name', 'string', 'text'],
    ['type', 'Type', 'enumeration', 'select', COMPANY_TYPE],
    ['lifecyclestage', 'Lifecycle Stage', 'enumeration', 'radio', LIFECYCLE],
    ['industry', 'Industry', 'string', 'text'],
    ['description', 'Description', 'string', 'textarea'],
    ['hubspot_owner_id', 'Company owner', 'enumeration', 'select'],
    ['createdate', 'Create Date', 'datetime', 'date'],
    ['hs_lastmodifieddate', 'Last Modified Date', 'datetime', 'date'],
    ['hs_object_id', 'Record ID', 'number', 'number'],
  ],
  tasks: [
    ['hs_timestamp', 'Due date', 'datetime', 'date'],
    ['hs_task_subject', 'Task Title', 'string', 'text'],
    ['hs_task_body', 'Notes', 'string', 'textarea'],
    ['hs_task_status', 'Task Status', 'enumeration', 'select', TASK_STATUS],
    ['hs_task_priority', 'Priority', 'enumeration', 'select', TASK_PRIORITY],
    ['hs_task_type', 'Task Type', 'enumeration', 'select', TASK_TYPE],
    ['hubspot_owner_id', 'Assigned to', 'enumeration', 'select'],
    ['hs_createdate', 'Create date', 'datetime', 'date'],
    ['hs_lastmodifieddate', 'Last Modified Date', 'datetime', 'date'],
    ['hs_object_id', 'Record ID', 'number', 'number'],
  ],
  contacts: [
    ['email', 'Email', 'string', 'text'],
    ['firstname', 'First Name', 'string', 'text'],
    ['lastname', 'Last Name', 'string', 'text'],
    ['jobtitle', 'Job Title', 'string', 'text'],
    ['phone', 'Phone Number', 'string', 'text'],
    ['lifecyclestage', 'Lifecycle Stage', 'enumeration', 'radio', LIFECYCLE],
    ['hubspot_owner_id', 'Contact owner', 'enumeration', 'select'],
    ['createdate', 'Create Date', 'datetime', 'date'],
    ['lastmodifieddate', 'Last Modified Date', 'datetime', 'date'],
    ['hs_object_id', 'Record ID', 'number', 'number'],
  ],
};

/** partnersync's properties (docs/product.md "CRM fields"), with the seed's option lists filled later. */
const PARTNERSYNC: Readonly<Record<'deals' | 'companies', readonly Spec[]>> = {
  deals: [
    ['partner_source', 'Partner source', 'enumeration', 'select'],
    ['partner_influencers', 'Partner influencers', 'enumeration', 'checkbox'],
    ['partner_recipe', 'Partner recipe', 'enumeration', 'select'],
    ['deal_registration_partner', 'Deal registration partner', 'enumeration', 'select'],
    [
      'deal_registration_status',
      'Deal registration status',
      'enumeration',
      'select',
      [
        ['submitted', 'Submitted'],
        ['approved', 'Approved'],
        ['rejected', 'Rejected'],
        ['expired', 'Expired'],
      ],
    ],
    ['deal_registration_submitted_at', 'Deal registration submitted at', 'datetime', 'date'],
    ['deal_registration_decided_at', 'Deal registration decided at', 'datetime', 'date'],
    ['deal_registration_expires_at', 'Deal registration expires at', 'datetime', 'date'],
    ['deal_registration_reason', 'Deal registration reason', 'string', 'textarea'],
    ['partner_commission_amount', 'Partner commission amount', 'number', 'number'],
    ['partner_attribution_summary', 'Partner attribution summary', 'string', 'textarea'],
  ],
  companies: [
    ['partner_recipe', 'Partner recipe', 'enumeration', 'select'],
    ['partner_tier', 'Partner tier', 'enumeration', 'select'],
    ['partner_onboarded_at', 'Partner onboarded at', 'datetime', 'date'],
    ['partner_ended_at', 'Partner ended at', 'datetime', 'date'],
    ...(['communication', 'alignment', 'trust', 'ease', 'potential'] as const).map((k): Spec => [
      `partner_rating_${k}`,
      `Partner rating: ${k}`,
      'number',
      'number',
    ]),
    ...(['strategic', 'value', 'reach', 'operations', 'readiness'] as const).map((k): Spec => [
      `partner_fit_${k}`,
      `Partner fit: ${k}`,
      'number',
      'number',
    ]),
    ['partner_health_score', 'Partner health score', 'number', 'number'],
    ['partner_health_band', 'Partner health band', 'string', 'text'],
    ['partner_health_breakdown', 'Partner health breakdown', 'string', 'textarea'],
    ['partner_alerts', 'Partner alerts', 'string', 'textarea'],
    ['partner_alert_count', 'Partner alert count', 'number', 'number'],
    ['partner_tier_earned', 'Partner tier earned', 'string', 'text'],
    ['partner_attributed_revenue_12m', 'Partner attributed revenue (12 months)', 'number', 'number'],
    ['partner_pipeline', 'Partner pipeline', 'number', 'number'],
    ['partner_win_rate', 'Partner win rate', 'number', 'number'],
    ['partner_last_activity_at', 'Partner last activity at', 'datetime', 'date'],
    ['partner_fit_score', 'Partner fit score', 'number', 'number'],
    ['partner_fit_band', 'Partner fit band', 'string', 'text'],
  ],
};

export function options(pairs: readonly (readonly [string, string])[]): HsOption[] {
  return pairs.map(([value, label], i) => ({ label, value, displayOrder: i, hidden: false }));
}

function def(
  spec: Spec,
  groupName: string,
  description: string,
  hubspotDefined: boolean,
  system: readonly string[],
  at: number,
  order: number,
): HsPropertyDef {
  const [name, label, type, fieldType, opts] = spec;
  const isSystem = system.includes(name);
  return {
    name,
    label,
    type,
    fieldType,
    groupName,
    description,
    options:
      type === 'bool'
        ? options([
            ['true', 'True'],
            ['false', 'False'],
          ])
        : options(opts ?? []),
    displayOrder: order,
    hasUniqueValue: false,
    hidden: false,
    formField: !isSystem,
    calculated: name === 'hs_is_closed' || name === 'hs_is_closed_won',
    externalOptions: false,
    hubspotDefined,
    readOnlyValue: isSystem,
    createdAt: at,
    updatedAt: at,
    archived: false,
    archivedAt: null,
  };
}

export function standardProperties(type: HsObjectType, at: number): HsPropertyDef[] {
  const group = STANDARD_GROUPS[type][0]?.name ?? 'information';
  return STANDARD[type].map((spec, i) => def(spec, group, '', true, SYSTEM_PROPERTIES[type], at, i));
}

export function partnersyncProperties(type: HsObjectType, at: number): HsPropertyDef[] {
  if (type === 'tasks' || type === 'contacts') return [];
  return PARTNERSYNC[type].map((spec, i) => def(spec, PARTNERSYNC_GROUP, PARTNERSYNC_DESCRIPTION, false, [], at, i));
}

/** A property as the v3 properties API answers it. */
export function propertyToApi(p: HsPropertyDef): Record<string, unknown> {
  const out: Record<string, unknown> = {
    name: p.name,
    label: p.label,
    type: p.type,
    fieldType: p.fieldType,
    description: p.description,
    groupName: p.groupName,
    options: p.options.map((o) => ({ ...o })),
    displayOrder: p.displayOrder,
    calculated: p.calculated,
    externalOptions: p.externalOptions,
    hasUniqueValue: p.hasUniqueValue,
    hidden: p.hidden,
    hubspotDefined: p.hubspotDefined,
    formField: p.formField,
    modificationMetadata: {
      archivable: !p.hubspotDefined,
      readOnlyDefinition: p.hubspotDefined,
      readOnlyValue: p.readOnlyValue,
    },
    createdAt: new Date(p.createdAt).toISOString(),
    updatedAt: new Date(p.updatedAt).toISOString(),
    archived: p.archived,
  };
  if (p.archivedAt !== null) out['archivedAt'] = new Date(p.archivedAt).toISOString();
  return out;
}

export function groupToApi(g: HsGroupDef): Record<string, unknown> {
  return { name: g.name, label: g.label, displayOrder: g.displayOrder, archived: g.archived };
}
