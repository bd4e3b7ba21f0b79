// The standard objects a partner connector reads, with Salesforce's names, key prefixes and field
// types. Fields follow the real objects: OpportunityPartner, FieldPermissions and
// PermissionSetAssignment have no Name or OwnerId in Salesforce, so they have none here either.
// https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/

import { bool, date, field, longText, number, picklist, reference, systemFields, text } from './field-builders.ts';
import type { ObjectDef } from './types.ts';

export interface StageDef {
  name: string;
  isClosed: boolean;
  isWon: boolean;
  probability: number;
  forecastCategory: string;
}

/** Salesforce's default sales process. */
export const DEFAULT_STAGES: readonly StageDef[] = [
  { name: 'Prospecting', isClosed: false, isWon: false, probability: 10, forecastCategory: 'Pipeline' },
  { name: 'Qualification', isClosed: false, isWon: false, probability: 10, forecastCategory: 'Pipeline' },
  { name: 'Needs Analysis', isClosed: false, isWon: false, probability: 20, forecastCategory: 'Pipeline' },
  { name: 'Value Proposition', isClosed: false, isWon: false, probability: 50, forecastCategory: 'Pipeline' },
  { name: 'Id. Decision Makers', isClosed: false, isWon: false, probability: 60, forecastCategory: 'Pipeline' },
  { name: 'Perception Analysis', isClosed: false, isWon: false, probability: 70, forecastCategory: 'Pipeline' },
  { name: 'Proposal/Price Quote', isClosed: false, isWon: false, probability: 75, forecastCategory: 'Pipeline' },
  { name: 'Negotiation/Review', isClosed: false, isWon: false, probability: 90, forecastCategory: 'Pipeline' },
  { name: 'Closed Won', isClosed: true, isWon: true, probability: 100, forecastCategory: 'Closed' },
  { name: 'Closed Lost', isClosed: true, isWon: false, probability: 0, forecastCategory: 'Omitted' },
];

export const ACCOUNT_TYPES = [
  'Prospect',
  'Customer - Direct',
  'Customer - Channel',
  'Channel Partner / Reseller',
  'Installation Partner',
  'Technology Partner',
  'Partner',
  'Other',
];
const PARTNER_ROLES = [
  'System Integrator',
  'Agency',
  'Advertiser',
  'VAR/Reseller',
  'Distributor',
  'Developer',
  'Broker',
  'Lender',
  'Supplier',
  'Institution',
  'Contractor',
  'Dealer',
  'Consultant',
];
const TASK_STATUSES = ['Not Started', 'In Progress', 'Completed', 'Waiting on someone else', 'Deferred'];
const TASK_PRIORITIES = ['High', 'Normal', 'Low'];

interface ObjectShape {
  name: string;
  keyPrefix: string;
  labelPlural?: string;
  readOnly?: boolean;
  tooling?: boolean;
}

function object(shape: ObjectShape, fields: ObjectDef['fields']): ObjectDef {
  const writable = !(shape.readOnly ?? false);
  return {
    name: shape.name,
    label: shape.name.replace(/([a-z])([A-Z])/g, '$1 $2'),
    labelPlural: shape.labelPlural ?? `${shape.name.replace(/([a-z])([A-Z])/g, '$1 $2')}s`,
    keyPrefix: shape.keyPrefix,
    custom: false,
    createable: writable,
    updateable: writable,
    deletable: writable,
    tooling: shape.tooling ?? false,
    fields: [...systemFields(), ...fields],
  };
}

/** The record currency: only multi-currency orgs have the field (single-currency orgs: none at all). */
const currencyFields = (shape: OrgShape): ObjectDef['fields'] =>
  shape.multiCurrency
    ? [
        picklist('CurrencyIsoCode', shape.currencies, {
          label: 'Currency ISO Code',
          restricted: true,
          defaultValue: shape.corporateCurrency,
        }),
      ]
    : [];

function user(): ObjectDef {
  return object({ name: 'User', keyPrefix: '005', readOnly: true }, [
    text('Username', 80, { required: true }),
    text('FirstName', 40),
    text('LastName', 80, { required: true }),
    text('Name', 121, { readOnly: true, label: 'Full Name' }),
    field('Email', 'email', { required: true }, { length: 128 }),
    text('Alias', 8, { required: true }),
    bool('IsActive', { label: 'Active', defaultValue: true }),
    picklist('UserType', ['Standard', 'PowerPartner', 'AutomatedProcess'], {
      defaultValue: 'Standard',
      readOnly: true,
    }),
    text('TimeZoneSidKey', 40, { defaultValue: 'America/New_York' }),
  ]);
}

function account(shape: OrgShape): ObjectDef {
  return object({ name: 'Account', keyPrefix: '001' }, [
    text('Name', 255, { required: true, label: 'Account Name' }),
    picklist('Type', ACCOUNT_TYPES, { label: 'Account Type' }),
    // Set when an account is enabled as a partner (PRM orgs); not writable through the API.
    bool('IsPartner', { readOnly: true, label: 'Partner Account' }),
    reference('OwnerId', ['User'], 'Owner', { required: true, label: 'Owner ID' }),
    text('Industry', 255),
    field('Website', 'url', {}, { length: 255 }),
    text('BillingCountry', 80),
    longText('Description', 32000, { label: 'Account Description' }),
    ...currencyFields(shape),
  ]);
}

function contact(): ObjectDef {
  return object({ name: 'Contact', keyPrefix: '003' }, [
    reference('AccountId', ['Account'], 'Account', { label: 'Account ID' }),
    text('FirstName', 40),
    text('LastName', 80, { required: true }),
    text('Name', 121, { readOnly: true, label: 'Full Name' }),
    field('Email', 'email', {}, { length: 80 }),
    text('Title', 128),
    text('Phone', 40),
    reference('OwnerId', ['User'], 'Owner', { required: true, label: 'Owner ID' }),
  ]);
}

function opportunity(shape: OrgShape): ObjectDef {
  const stages = shape.stages;
  return object({ name: 'Opportunity', keyPrefix: '006', labelPlural: 'Opportunities' }, [
    text('Name', 120, { required: true }),
    reference('AccountId', ['Account'], 'Account'),
    reference('OwnerId', ['User'], 'Owner', { required: true }),
    picklist(
      'StageName',
      stages.map((s) => s.name),
      { required: true, restricted: true, label: 'Stage' },
    ),
    bool('IsClosed', { readOnly: true, label: 'Closed' }),
    bool('IsWon', { readOnly: true, label: 'Won' }),
    number('Probability', 'percent', 3, 0, { label: 'Probability (%)' }),
    picklist('ForecastCategoryName', ['Omitted', 'Pipeline', 'Best Case', 'Commit', 'Closed'], {
      label: 'Forecast Category',
    }),
    number('Amount', 'currency', 16, 2),
    ...currencyFields(shape),
    date('CloseDate', { required: true }),
    picklist('Type', ['Existing Business', 'New Business'], { label: 'Opportunity Type' }),
    picklist('LeadSource', ['Web', 'Phone Inquiry', 'Partner Referral', 'Purchased List', 'Other']),
    longText('Description', 32000),
  ]);
}

function opportunityPartner(): ObjectDef {
  // Read-only in Salesforce: rows appear when a Partner is added to an opportunity.
  return object({ name: 'OpportunityPartner', keyPrefix: '00I', readOnly: true }, [
    reference('OpportunityId', ['Opportunity'], 'Opportunity', { required: true }),
    reference('AccountToId', ['Account'], 'AccountTo', { required: true, label: 'Account ID' }),
    picklist('Role', PARTNER_ROLES),
    bool('IsPrimary', { label: 'Primary' }),
    reference('ReversePartnerId', ['Partner'], 'ReversePartner', { readOnly: true }),
  ]);
}

function task(): ObjectDef {
  return object({ name: 'Task', keyPrefix: '00T' }, [
    text('Subject', 255),
    longText('Description', 32000, { label: 'Comments' }),
    picklist('Status', TASK_STATUSES, { required: true, defaultValue: 'Not Started', restricted: true }),
    picklist('Priority', TASK_PRIORITIES, { required: true, defaultValue: 'Normal', restricted: true }),
    date('ActivityDate', { label: 'Due Date Only' }),
    reference('WhatId', ['Account', 'Opportunity'], 'What', { label: 'Related To ID' }),
    reference('OwnerId', ['User'], 'Owner', { required: true, label: 'Assigned To ID' }),
    bool('IsClosed', { readOnly: true, label: 'Closed' }),
  ]);
}

function permissionSet(): ObjectDef {
  return object({ name: 'PermissionSet', keyPrefix: '0PS' }, [
    text('Name', 80, { required: true, label: 'Name' }),
    text('Label', 80, { required: true }),
    text('Description', 255),
    bool('IsOwnedByProfile', { readOnly: true }),
    bool('IsCustom', { readOnly: true, defaultValue: true }),
  ]);
}

function fieldPermissions(): ObjectDef {
  return object({ name: 'FieldPermissions', keyPrefix: '01k', labelPlural: 'Field Permissions' }, [
    reference('ParentId', ['PermissionSet'], 'Parent', { required: true, createOnly: true }),
    text('SobjectType', 255, { required: true, createOnly: true }),
    text('Field', 255, { required: true, createOnly: true, label: 'Field Name' }),
    bool('PermissionsRead', { label: 'Read Access' }),
    bool('PermissionsEdit', { label: 'Edit Access' }),
  ]);
}

function permissionSetAssignment(): ObjectDef {
  return object({ name: 'PermissionSetAssignment', keyPrefix: '0Pa' }, [
    reference('PermissionSetId', ['PermissionSet'], 'PermissionSet', { required: true, createOnly: true }),
    reference('AssigneeId', ['User'], 'Assignee', { required: true, createOnly: true }),
    bool('IsActive', { readOnly: true, defaultValue: true }),
  ]);
}

function opportunityStage(): ObjectDef {
  return object({ name: 'OpportunityStage', keyPrefix: '01J', readOnly: true }, [
    text('MasterLabel', 255),
    text('ApiName', 255),
    bool('IsActive', { defaultValue: true }),
    bool('IsClosed'),
    bool('IsWon'),
    number('DefaultProbability', 'percent', 3, 0),
    picklist('ForecastCategoryName', ['Omitted', 'Pipeline', 'Best Case', 'Commit', 'Closed']),
    number('SortOrder', 'int', 9, 0),
    text('Description', 255),
  ]);
}

/** The org itself (one row, Id = the org id); DefaultCurrencyIsoCode is the corporate currency. */
function organization(shape: OrgShape): ObjectDef {
  return object({ name: 'Organization', keyPrefix: '00D', readOnly: true }, [
    text('Name', 80, { required: true }),
    picklist('DefaultCurrencyIsoCode', shape.currencies, { label: 'Currency ISO Code', restricted: true }),
    text('TimeZoneSidKey', 40),
    text('OrganizationType', 40),
    bool('IsSandbox'),
  ]);
}

function currencyType(): ObjectDef {
  return object({ name: 'CurrencyType', keyPrefix: '01L', readOnly: true, labelPlural: 'Currencies' }, [
    text('IsoCode', 3, { label: 'Currency ISO Code' }),
    number('ConversionRate', 'double', 15, 6),
    number('DecimalPlaces', 'int', 1, 0),
    bool('IsActive', { defaultValue: true }),
    bool('IsCorporate'),
  ]);
}

/** The Tooling API's view of custom fields (Metadata is the field definition as JSON). */
function customField(): ObjectDef {
  return object({ name: 'CustomField', keyPrefix: '00N', tooling: true }, [
    text('DeveloperName', 40, { readOnly: true }),
    text('TableEnumOrId', 40, { readOnly: true }),
    text('NamespacePrefix', 15, { readOnly: true }),
    longText('Description', 1000, { readOnly: true }),
    text('FullName', 255, { createOnly: true, required: true }),
    field('Metadata', 'complexvalue', { required: true }),
  ]);
}

/** Tooling: the entities selected on an event channel (`ChangeEvents` = Change Data Capture). */
function platformEventChannelMember(): ObjectDef {
  return object({ name: 'PlatformEventChannelMember', keyPrefix: '0v8', tooling: true }, [
    text('DeveloperName', 80, { createOnly: true }),
    text('FullName', 255, { createOnly: true, required: true }),
    text('EventChannel', 255, { createOnly: true }),
    text('SelectedEntity', 255, { createOnly: true }),
    field('Metadata', 'complexvalue', { required: true }),
  ]);
}

export interface OrgShape {
  stages: readonly StageDef[];
  /** Multi-currency orgs: the active currencies (corporate first). Single-currency: the one currency. */
  currencies: readonly string[];
  corporateCurrency: string;
  /** False: no CurrencyIsoCode field and no CurrencyType object; every amount is in corporateCurrency. */
  multiCurrency: boolean;
}

export function standardObjects(shape: OrgShape): ObjectDef[] {
  return [
    user(),
    account(shape),
    contact(),
    opportunity(shape),
    opportunityPartner(),
    task(),
    permissionSet(),
    fieldPermissions(),
    permissionSetAssignment(),
    opportunityStage(),
    organization(shape),
    ...(shape.multiCurrency ? [currencyType()] : []),
    customField(),
    platformEventChannelMember(),
  ];
}
