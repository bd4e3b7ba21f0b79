// Object-specific save rules beyond single fields: unique permission set names, one
// FieldPermissions row per (permission set, field) naming a real custom field, edit access only
// with read access, one assignment per (permission set, user).

import type { SalesforceOrg } from '../store/org.ts';
import type { FieldValue, SfRecord } from '../schema/types.ts';
import { saveError } from './validate.ts';
import type { SaveError } from './validate.ts';

const DEVELOPER_NAME = /^[A-Za-z](?:[A-Za-z0-9]|_(?!_))*$/;

type Values = Readonly<Record<string, FieldValue>>;

function liveRows(org: SalesforceOrg, objectName: string): SfRecord[] {
  return [...(org.table(objectName)?.rows.values() ?? [])].filter((r) => r['IsDeleted'] !== true);
}

function permissionSetRules(org: SalesforceOrg, row: Values, selfId: string | null): SaveError[] {
  const name = row['Name'];
  if (typeof name !== 'string') return [];
  if (!DEVELOPER_NAME.test(name) || name.endsWith('_')) {
    return [
      saveError(
        'FIELD_INTEGRITY_EXCEPTION',
        `The API Name can only contain underscores and alphanumeric characters. It must begin with a letter, not include spaces, not end with an underscore, and not contain two consecutive underscores.`,
        ['Name'],
      ),
    ];
  }
  const clash = liveRows(org, 'PermissionSet').find(
    (r) => r['Id'] !== selfId && String(r['Name']).toLowerCase() === name.toLowerCase(),
  );
  return clash
    ? [
        saveError(
          'DUPLICATE_VALUE',
          `duplicate value found: Name duplicates value on record with id: ${String(clash['Id'])}`,
          ['Name'],
        ),
      ]
    : [];
}

function fieldPermissionRules(org: SalesforceOrg, row: Values, selfId: string | null): SaveError[] {
  const errors: SaveError[] = [];
  const fieldName = String(row['Field'] ?? '');
  const [objectName, field] = fieldName.split('.');
  const table = objectName === undefined ? undefined : org.table(objectName);
  const def = field === undefined ? undefined : table?.field(field);
  if (table === undefined || def?.custom !== true || table.def.tooling) {
    errors.push(
      saveError(
        'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
        `Field Name: bad value for restricted picklist field: ${fieldName}`,
        ['Field'],
      ),
    );
  } else if (String(row['SobjectType']).toLowerCase() !== table.name.toLowerCase()) {
    errors.push(
      saveError(
        'FIELD_INTEGRITY_EXCEPTION',
        `SObject Type ${String(row['SobjectType'])} does not match field ${fieldName}`,
        ['SobjectType'],
      ),
    );
  }
  if (row['PermissionsEdit'] === true && row['PermissionsRead'] !== true) {
    errors.push(
      saveError('FIELD_INTEGRITY_EXCEPTION', 'Permission Edit depends on permission(s): Read', ['PermissionsRead']),
    );
  }
  const clash = liveRows(org, 'FieldPermissions').find(
    (r) =>
      r['Id'] !== selfId &&
      r['ParentId'] === row['ParentId'] &&
      String(r['Field']).toLowerCase() === fieldName.toLowerCase(),
  );
  if (clash)
    errors.push(
      saveError(
        'DUPLICATE_VALUE',
        `duplicate value found: <unknown> duplicates value on record with id: ${String(clash['Id'])}`,
        [],
      ),
    );
  return errors;
}

function assignmentRules(org: SalesforceOrg, row: Values, selfId: string | null): SaveError[] {
  const clash = liveRows(org, 'PermissionSetAssignment').find(
    (r) =>
      r['Id'] !== selfId && r['AssigneeId'] === row['AssigneeId'] && r['PermissionSetId'] === row['PermissionSetId'],
  );
  return clash
    ? [
        saveError(
          'DUPLICATE_VALUE',
          `Duplicate PermissionSetAssignment. Assignee: ${String(row['AssigneeId'])}; Permission Set: ${String(row['PermissionSetId'])}`,
          [],
        ),
      ]
    : [];
}

/** Errors for the row as it would be stored (existing values merged with the write). */
export function objectRules(org: SalesforceOrg, objectName: string, row: Values, selfId: string | null): SaveError[] {
  switch (objectName) {
    case 'PermissionSet':
      return permissionSetRules(org, row, selfId);
    case 'FieldPermissions':
      return fieldPermissionRules(org, row, selfId);
    case 'PermissionSetAssignment':
      return assignmentRules(org, row, selfId);
    default:
      return [];
  }
}
