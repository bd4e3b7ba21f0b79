// The custom fields partnersync provisions in Salesforce (docs/product.md "CRM fields"), as Tooling API
// CustomField bodies. The sandbox creates them in `--fields provisioned` mode, so a seeded org
// looks like one partnersync has already set up; `bare` mode leaves them to `provision`.

import { FIT_KEYS, RATING_KEYS, RECIPE_IDS, REGISTRATION_STATUSES, TIERS } from '../../seed-model.ts';

export const MANAGED_DESCRIPTION = 'Managed by partnersync';
export const PERMISSION_SET_NAME = 'partnersync';

export interface CustomFieldSpec {
  FullName: string;
  Metadata: Record<string, unknown>;
}

const titled = (key: string): string => key.charAt(0).toUpperCase() + key.slice(1);

function spec(fullName: string, label: string, type: string, extra: Record<string, unknown> = {}): CustomFieldSpec {
  return {
    FullName: fullName,
    Metadata: { type, label, description: `${MANAGED_DESCRIPTION}: ${label.toLowerCase()}.`, ...extra },
  };
}

const picklist = (values: readonly string[]): Record<string, unknown> => ({
  valueSet: {
    restricted: true,
    valueSetDefinition: { sorted: false, value: values.map((v) => ({ valueName: v, label: v })) },
  },
});
const number = (precision: number, scale: number): Record<string, unknown> => ({ precision, scale });
const longText = { length: 32768, visibleLines: 5 };
const lookup = (relationshipName: string, relationshipLabel: string): Record<string, unknown> => ({
  referenceTo: 'Account',
  relationshipName,
  relationshipLabel,
  deleteConstraint: 'SetNull',
});

function opportunityFields(): CustomFieldSpec[] {
  const o = 'Opportunity';
  return [
    spec(`${o}.Partner_Source__c`, 'Partner source', 'Lookup', lookup('Partner_Source', 'Sourced opportunities')),
    spec(`${o}.Partner_Recipe__c`, 'Partner recipe', 'Picklist', picklist(RECIPE_IDS)),
    spec(
      `${o}.Deal_Reg_Partner__c`,
      'Deal registration partner',
      'Lookup',
      lookup('Deal_Reg_Partner', 'Registered opportunities'),
    ),
    spec(`${o}.Deal_Reg_Status__c`, 'Deal registration status', 'Picklist', picklist(REGISTRATION_STATUSES)),
    spec(`${o}.Deal_Reg_Submitted_At__c`, 'Deal registration submitted at', 'DateTime'),
    spec(`${o}.Deal_Reg_Decided_At__c`, 'Deal registration decided at', 'DateTime'),
    spec(`${o}.Deal_Reg_Expires_At__c`, 'Deal registration expires at', 'DateTime'),
    spec(`${o}.Deal_Reg_Reason__c`, 'Deal registration reason', 'LongTextArea', longText),
    spec(`${o}.Partner_Commission__c`, 'Partner commission', 'Currency', number(18, 2)),
    spec(`${o}.Partner_Attribution__c`, 'Partner attribution', 'LongTextArea', longText),
  ];
}

function accountFields(): CustomFieldSpec[] {
  const a = 'Account';
  return [
    spec(`${a}.Partner_Recipe__c`, 'Partner recipe', 'Picklist', picklist(RECIPE_IDS)),
    spec(`${a}.Partner_Tier__c`, 'Partner tier', 'Picklist', picklist(TIERS)),
    spec(`${a}.Partner_Onboarded_At__c`, 'Partner onboarded at', 'DateTime'),
    spec(`${a}.Partner_Ended_At__c`, 'Partner ended at', 'DateTime'),
    ...RATING_KEYS.map((k) =>
      spec(`${a}.Partner_Rating_${titled(k)}__c`, `Partner rating ${k}`, 'Number', number(3, 1)),
    ),
    ...FIT_KEYS.map((k) => spec(`${a}.Partner_Fit_${titled(k)}__c`, `Partner fit ${k}`, 'Number', number(3, 1))),
    spec(`${a}.Partner_Health_Score__c`, 'Partner health score', 'Number', number(5, 1)),
    spec(`${a}.Partner_Health_Band__c`, 'Partner health band', 'Text', { length: 40 }),
    spec(`${a}.Partner_Health_Breakdown__c`, 'Partner health breakdown', 'LongTextArea', longText),
    spec(`${a}.Partner_Alerts__c`, 'Partner alerts', 'LongTextArea', longText),
    spec(`${a}.Partner_Alert_Count__c`, 'Partner alert count', 'Number', number(6, 0)),
    spec(`${a}.Partner_Tier_Earned__c`, 'Partner tier earned', 'Text', { length: 80 }),
    spec(`${a}.Partner_Attributed_Revenue_12m__c`, 'Partner attributed revenue 12m', 'Currency', number(18, 2)),
    spec(`${a}.Partner_Pipeline__c`, 'Partner pipeline', 'Currency', number(18, 2)),
    spec(`${a}.Partner_Win_Rate__c`, 'Partner win rate', 'Number', number(7, 4)),
    spec(`${a}.Partner_Last_Activity_At__c`, 'Partner last activity at', 'DateTime'),
    spec(`${a}.Partner_Fit_Score__c`, 'Partner fit score', 'Number', number(5, 1)),
    spec(`${a}.Partner_Fit_Band__c`, 'Partner fit band', 'Text', { length: 40 }),
  ];
}

export function partnersyncFieldSpecs(): CustomFieldSpec[] {
  return [...opportunityFields(), ...accountFields()];
}

/** `Partner_Rating_Communication__c` for a rating key. */
export const ratingField = (key: string): string => `Partner_Rating_${titled(key)}__c`;
export const fitField = (key: string): string => `Partner_Fit_${titled(key)}__c`;
