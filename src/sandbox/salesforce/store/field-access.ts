// Field-level security for custom fields: a user sees a custom field only when a PermissionSet
// assigned to them has a FieldPermissions row with PermissionsRead on it (Edit to write it).
// Standard fields are always visible. With the trap switched off every field is visible.

import type { FieldDef } from '../schema/types.ts';
import type { ObjectTable } from './object-table.ts';
import type { SalesforceOrg } from './org.ts';

export interface FieldAccess {
  canRead(table: ObjectTable, field: FieldDef): boolean;
  canEdit(table: ObjectTable, field: FieldDef): boolean;
}

export const OPEN_ACCESS: FieldAccess = { canRead: () => true, canEdit: () => true };

interface Grants {
  read: Set<string>;
  edit: Set<string>;
}

function collectGrants(org: SalesforceOrg, userId: string): Grants {
  const grants: Grants = { read: new Set(), edit: new Set() };
  const assignments = org.table('PermissionSetAssignment')?.rows.values() ?? [];
  const permissionSets = new Set<string>();
  for (const a of assignments) {
    if (a['AssigneeId'] === userId && a['IsDeleted'] !== true && typeof a['PermissionSetId'] === 'string')
      permissionSets.add(a['PermissionSetId']);
  }
  for (const fp of org.table('FieldPermissions')?.rows.values() ?? []) {
    if (fp['IsDeleted'] === true || typeof fp['ParentId'] !== 'string' || !permissionSets.has(fp['ParentId'])) continue;
    const key = String(fp['Field']).toLowerCase();
    if (fp['PermissionsRead'] === true) grants.read.add(key);
    if (fp['PermissionsEdit'] === true) grants.edit.add(key);
  }
  return grants;
}

/** Grants cached per user and invalidated by any write to the security objects. */
export class FieldSecurity {
  private readonly org: SalesforceOrg;
  private cacheVersion = -1;
  private readonly cache = new Map<string, Grants>();

  constructor(org: SalesforceOrg) {
    this.org = org;
  }

  private grants(userId: string): Grants {
    if (this.cacheVersion !== this.org.securityVersion) {
      this.cache.clear();
      this.cacheVersion = this.org.securityVersion;
    }
    let g = this.cache.get(userId);
    if (g === undefined) {
      g = collectGrants(this.org, userId);
      this.cache.set(userId, g);
    }
    return g;
  }

  forUser(userId: string): FieldAccess {
    const key = (table: ObjectTable, field: FieldDef): string => `${table.name}.${field.name}`.toLowerCase();
    return {
      canRead: (table, field) => !field.custom || this.grants(userId).read.has(key(table, field)),
      canEdit: (table, field) => !field.custom || this.grants(userId).edit.has(key(table, field)),
    };
  }
}
