// describeGlobal, sObject basic info and describe, shaped as the REST API answers them. Custom
// fields the caller cannot read are left out, which is how a missing permission set shows up.
// https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_sobject_describe.htm

import type { FieldAccess } from './store/field-access.ts';
import type { ObjectTable } from './store/object-table.ts';
import type { SalesforceOrg } from './store/org.ts';
import { soapType } from './schema/types.ts';
import type { FieldDef } from './schema/types.ts';
import { isLongText } from './soql/filter.ts';

type Json = Record<string, unknown>;

function base(table: ObjectTable, apiVersion: string): string {
  return `/services/data/v${apiVersion}/${table.def.tooling ? 'tooling/' : ''}sobjects/${table.name}`;
}

function objectUrls(table: ObjectTable, apiVersion: string): Record<string, string> {
  const root = base(table, apiVersion);
  return { sobject: root, describe: `${root}/describe`, rowTemplate: `${root}/{ID}` };
}

export function globalEntry(table: ObjectTable, apiVersion: string): Json {
  const d = table.def;
  return {
    activateable: false,
    associateEntityType: null,
    associateParentEntity: null,
    createable: d.createable,
    custom: d.custom,
    customSetting: false,
    deepCloneable: false,
    deletable: d.deletable,
    deprecatedAndHidden: false,
    feedEnabled: false,
    hasSubtypes: false,
    isInterface: false,
    isSubtype: false,
    keyPrefix: d.keyPrefix,
    label: d.label,
    labelPlural: d.labelPlural,
    layoutable: !d.tooling,
    mergeable: false,
    mruEnabled: !d.tooling,
    name: d.name,
    queryable: true,
    replicateable: true,
    retrieveable: true,
    searchable: !d.tooling,
    triggerable: !d.tooling,
    undeletable: d.deletable,
    updateable: d.updateable,
    urls: objectUrls(table, apiVersion),
  };
}

function picklistJson(f: FieldDef): Json[] {
  return (f.picklistValues ?? []).map((p) => ({
    active: p.active,
    defaultValue: p.defaultValue,
    label: p.label,
    validFor: null,
    value: p.value,
  }));
}

function fieldJson(f: FieldDef): Json {
  const numeric = f.type === 'double' || f.type === 'currency' || f.type === 'percent';
  const text = f.length !== undefined && f.type !== 'reference' && f.type !== 'id';
  return {
    aggregatable: !isLongText(f),
    autoNumber: false,
    byteLength: text ? (f.length ?? 0) * 3 : f.type === 'reference' || f.type === 'id' ? 18 : 0,
    calculated: false,
    calculatedFormula: null,
    cascadeDelete: f.deleteConstraint === 'Cascade',
    caseSensitive: false,
    compoundFieldName: null,
    controllerName: null,
    createable: f.createable,
    custom: f.custom,
    defaultValue: f.defaultValue ?? null,
    defaultValueFormula: null,
    defaultedOnCreate: f.defaultValue !== undefined || f.name === 'OwnerId',
    dependentPicklist: false,
    deprecatedAndHidden: false,
    digits: f.type === 'int' ? (f.precision ?? 9) : 0,
    displayLocationInDecimal: false,
    encrypted: false,
    externalId: false,
    extraTypeInfo: f.extraTypeInfo ?? null,
    filterable: !isLongText(f),
    filteredLookupInfo: null,
    groupable: !isLongText(f) && !numeric,
    highScaleNumber: false,
    htmlFormatted: false,
    idLookup: f.type === 'id',
    inlineHelpText: f.inlineHelpText ?? null,
    label: f.label,
    length: text ? (f.length ?? 0) : f.type === 'reference' || f.type === 'id' ? 18 : 0,
    mask: null,
    maskType: null,
    name: f.name,
    nameField: f.name === 'Name',
    namePointing: (f.referenceTo?.length ?? 0) > 1,
    nillable: f.nillable,
    permissionable: f.custom,
    picklistValues: picklistJson(f),
    polymorphicForeignKey: (f.referenceTo?.length ?? 0) > 1,
    precision: numeric ? (f.precision ?? 0) : 0,
    queryByDistance: false,
    referenceTargetField: null,
    referenceTo: [...(f.referenceTo ?? [])],
    relationshipName: f.relationshipName ?? null,
    relationshipOrder: null,
    restrictedDelete: f.deleteConstraint === 'Restrict',
    restrictedPicklist: f.restrictedPicklist ?? false,
    scale: numeric ? (f.scale ?? 0) : 0,
    soapType: soapType(f.type),
    sortable: !isLongText(f) && f.type !== 'multipicklist',
    type: f.type,
    unique: false,
    updateable: f.updateable,
    writeRequiresMasterRead: false,
  };
}

function childRelationships(org: SalesforceOrg, table: ObjectTable): Json[] {
  const out: Json[] = [];
  for (const child of org.objects(table.def.tooling)) {
    for (const f of child.def.fields) {
      if (f.type !== 'reference' || !(f.referenceTo ?? []).includes(table.name) || f.name.endsWith('ById')) continue;
      out.push({
        cascadeDelete: false,
        childSObject: child.name,
        deprecatedAndHidden: false,
        field: f.name,
        junctionIdListNames: [],
        junctionReferenceTo: [],
        relationshipName: null,
        restrictedDelete: false,
      });
    }
  }
  return out;
}

export function describeObject(org: SalesforceOrg, table: ObjectTable, access: FieldAccess, apiVersion: string): Json {
  return {
    ...globalEntry(table, apiVersion),
    actionOverrides: [],
    childRelationships: childRelationships(org, table),
    compactLayoutable: !table.def.tooling,
    fields: table.def.fields.filter((f) => access.canRead(table, f)).map(fieldJson),
    listviewable: null,
    lookupLayoutable: null,
    namedLayoutInfos: [],
    networkScopeFieldName: null,
    recordTypeInfos: [
      {
        active: true,
        available: true,
        defaultRecordTypeMapping: true,
        developerName: 'Master',
        master: true,
        name: 'Master',
        recordTypeId: '012000000000000AAA',
        urls: { layout: `${base(table, apiVersion)}/describe/layouts/012000000000000AAA` },
      },
    ],
    searchLayoutable: !table.def.tooling,
    supportedScopes: [{ label: 'All', name: 'everything' }],
  };
}

export function describeGlobal(org: SalesforceOrg, tooling: boolean, apiVersion: string): Json {
  return {
    encoding: 'UTF-8',
    maxBatchSize: 200,
    sobjects: org.objects(tooling).map((t) => globalEntry(t, apiVersion)),
  };
}
