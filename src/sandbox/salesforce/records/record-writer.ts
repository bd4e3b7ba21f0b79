// Creates, updates and deletes records for one caller, answering Salesforce SaveResults.
// Each operation is prepared (validated without side effects) and then committed, so
// sObject Collections can honour allOrNone by committing nothing when one record fails.

import { normalizeId } from '../ids.ts';
import type { FieldAccess } from '../store/field-access.ts';
import type { ObjectTable } from '../store/object-table.ts';
import type { SalesforceOrg } from '../store/org.ts';
import type { FieldValue, SfRecord } from '../schema/types.ts';
import { objectRules } from './constraints.ts';
import { saveError, validateWrite } from './validate.ts';
import type { SaveError } from './validate.ts';

export interface SaveResult {
  id?: string;
  success: boolean;
  errors: SaveError[];
}

export type Prepared =
  { ok: true; id?: string; commit: () => string } | { ok: false; id?: string; errors: SaveError[] };

/** Children removed with their parent, as Salesforce's cascade delete does. */
const CASCADES: readonly { parent: string; child: string; field: string }[] = [
  { parent: 'Account', child: 'Opportunity', field: 'AccountId' },
  { parent: 'Account', child: 'OpportunityPartner', field: 'AccountToId' },
  { parent: 'Opportunity', child: 'OpportunityPartner', field: 'OpportunityId' },
  { parent: 'Account', child: 'Task', field: 'WhatId' },
  { parent: 'Opportunity', child: 'Task', field: 'WhatId' },
  { parent: 'PermissionSet', child: 'FieldPermissions', field: 'ParentId' },
  { parent: 'PermissionSet', child: 'PermissionSetAssignment', field: 'PermissionSetId' },
];

export const ROLLED_BACK: SaveError = saveError(
  'ALL_OR_NONE_OPERATION_ROLLED_BACK',
  'Record rolled back because not all records were valid and the request was using AllOrNone header',
  [],
);

export class RecordWriter {
  private readonly org: SalesforceOrg;
  private readonly access: FieldAccess;
  private readonly userId: string;
  /** Rows deleted by committed operations whose children are not yet deleted. */
  private readonly deleted = new Map<string, string[]>();

  constructor(org: SalesforceOrg, access: FieldAccess, userId: string) {
    this.org = org;
    this.access = access;
    this.userId = userId;
  }

  prepareCreate(table: ObjectTable, body: Readonly<Record<string, unknown>>): Prepared {
    if (!table.def.createable) {
      return {
        ok: false,
        errors: [saveError('INVALID_TYPE_FOR_OPERATION', `entity type cannot be inserted: ${table.def.label}`)],
      };
    }
    if ('Id' in body || 'id' in body) {
      return { ok: false, errors: [saveError('INVALID_FIELD', 'cannot specify Id in an insert call', ['Id'])] };
    }
    // Salesforce makes the caller the owner when no owner is given.
    const withOwner = table.field('OwnerId') && !('OwnerId' in body) ? { ...body, OwnerId: this.userId } : body;
    const checked = validateWrite({ org: this.org, table, access: this.access, mode: 'create' }, withOwner);
    if (!checked.ok) return checked;
    const errors = objectRules(this.org, table.name, this.withDefaults(table, checked.values), null);
    if (errors.length > 0) return { ok: false, errors };
    return { ok: true, commit: () => String(this.org.insert(table.name, checked.values, this.userId)['Id']) };
  }

  private withDefaults(table: ObjectTable, values: Readonly<Record<string, FieldValue>>): Record<string, FieldValue> {
    const row: Record<string, FieldValue> = {};
    for (const f of table.def.fields) row[f.name] = f.defaultValue ?? null;
    return Object.assign(row, values);
  }

  /** The live row behind an id, or the error Salesforce gives for it. */
  private target(table: ObjectTable, rawId: string): { row: SfRecord } | { errors: SaveError[] } {
    const id = normalizeId(rawId);
    if (id === null || id.slice(0, 3) !== table.def.keyPrefix) {
      return {
        errors: [saveError('MALFORMED_ID', `${table.def.label} ID: id value of incorrect type: ${rawId}`, ['Id'])],
      };
    }
    const row = table.rows.get(id);
    if (row === undefined)
      return { errors: [saveError('INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id', [])] };
    if (row['IsDeleted'] === true) return { errors: [saveError('ENTITY_IS_DELETED', 'entity is deleted', [])] };
    return { row };
  }

  prepareUpdate(table: ObjectTable, rawId: string, body: Readonly<Record<string, unknown>>): Prepared {
    if (!table.def.updateable) {
      return {
        ok: false,
        id: rawId,
        errors: [saveError('INVALID_TYPE_FOR_OPERATION', `entity type cannot be updated: ${table.def.label}`)],
      };
    }
    const found = this.target(table, rawId);
    if ('errors' in found) return { ok: false, id: rawId, errors: found.errors };
    const id = String(found.row['Id']);
    const checked = validateWrite(
      { org: this.org, table, access: this.access, mode: 'update', existing: found.row },
      body,
    );
    if (!checked.ok) return { ok: false, id, errors: checked.errors };
    const errors = objectRules(this.org, table.name, { ...found.row, ...checked.values }, id);
    if (errors.length > 0) return { ok: false, id, errors };
    return { ok: true, id, commit: () => String(this.org.update(table.name, id, checked.values, this.userId)['Id']) };
  }

  prepareDelete(rawId: string): Prepared {
    const id = normalizeId(rawId);
    const hit = id === null ? undefined : this.org.find(id);
    if (id === null || hit === undefined) {
      const code = id === null ? 'MALFORMED_ID' : 'INVALID_CROSS_REFERENCE_KEY';
      return {
        ok: false,
        id: rawId,
        errors: [saveError(code, id === null ? `malformed id ${rawId}` : 'invalid cross reference id')],
      };
    }
    if (!hit.table.def.deletable || hit.table.def.tooling) {
      return {
        ok: false,
        id,
        errors: [saveError('INVALID_TYPE_FOR_OPERATION', `entity type cannot be deleted: ${hit.table.def.label}`)],
      };
    }
    if (hit.row['IsDeleted'] === true)
      return { ok: false, id, errors: [saveError('ENTITY_IS_DELETED', 'entity is deleted')] };
    return {
      ok: true,
      id,
      commit: () => {
        this.org.softDelete(hit.table.name, id, this.userId);
        const pending = this.deleted.get(hit.table.name) ?? [];
        pending.push(id);
        this.deleted.set(hit.table.name, pending);
        return id;
      },
    };
  }

  /**
   * Deletes the children of every row deleted so far (cascade delete), one pass over each child
   * object for the whole batch rather than one per deleted row.
   */
  cascadeDeletes(): void {
    const batch = [...this.deleted];
    this.deleted.clear();
    for (const [objectName, ids] of batch) this.cascade(objectName, new Set(ids));
  }

  private cascade(objectName: string, gone: ReadonlySet<string>): void {
    const at = this.org.now();
    for (const rule of CASCADES.filter((c) => c.parent === objectName)) {
      const doomed: string[] = [];
      for (const row of this.org.table(rule.child)?.rows.values() ?? []) {
        const parent = row[rule.field];
        if (row['IsDeleted'] !== true && typeof parent === 'string' && gone.has(parent)) doomed.push(String(row['Id']));
      }
      for (const id of doomed) this.org.softDelete(rule.child, id, this.userId, at);
      if (doomed.length > 0) this.cascade(rule.child, new Set(doomed));
    }
  }
}

/** Runs prepared operations: in order, or all-or-nothing. Results keep input order. */
export function runBatch(prepare: (() => Prepared)[], allOrNone: boolean): SaveResult[] {
  if (!allOrNone) {
    return prepare.map((p) => {
      const op = p();
      return op.ok ? { id: op.commit(), success: true, errors: [] } : failure(op);
    });
  }
  const ops = prepare.map((p) => p());
  if (ops.every((op) => op.ok)) return ops.map((op) => ({ id: op.commit(), success: true, errors: [] }));
  return ops.map((op) =>
    op.ok ? failure({ ok: false, ...(op.id === undefined ? {} : { id: op.id }), errors: [ROLLED_BACK] }) : failure(op),
  );
}

function failure(op: Extract<Prepared, { ok: false }>): SaveResult {
  return op.id === undefined ? { success: false, errors: op.errors } : { id: op.id, success: false, errors: op.errors };
}
