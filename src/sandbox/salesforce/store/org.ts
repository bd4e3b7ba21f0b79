// The in-memory org: object tables, ids, users and the clock. Writes here are already validated
// (see ../records/); this layer stamps audit fields, derives computed fields and keeps indexes.

import { IdAllocator, makeId } from '../ids.ts';
import { standardObjects } from '../schema/standard-objects.ts';
import type { OrgShape, StageDef } from '../schema/standard-objects.ts';
import type { FieldValue, SfRecord } from '../schema/types.ts';
import { deriveFields } from './derived-fields.ts';
import { ObjectTable } from './object-table.ts';

/**
 * Salesforce keeps CreatedDate, LastModifiedDate and SystemModstamp to the second (the API shows
 * `.000`): rows written within one second share a stamp, and readers must break ties on Id.
 */
export const wholeSecond = (ms: number): number => Math.floor(ms / 1000) * 1000;
const stamp = (value: FieldValue | undefined, at: number): number =>
  wholeSecond(typeof value === 'number' ? value : at);

export interface OrgOptions extends Omit<OrgShape, 'multiCurrency'> {
  /** Default true. */
  multiCurrency?: boolean;
  now: () => number;
}

/** One stored change, as the change-event bus sees it (restored rows are not changes). */
export interface OrgWrite {
  object: string;
  id: string;
  changeType: 'CREATE' | 'UPDATE' | 'DELETE' | 'UNDELETE';
  /** Fields whose value changed (derived ones included; LastModifiedDate on every update). */
  changed: string[];
  row: SfRecord;
  userId: string;
  at: number;
}

const STAMPS = new Set(['LastModifiedDate', 'LastModifiedById', 'SystemModstamp']);

export class SalesforceOrg {
  readonly orgId = makeId('00D', 1);
  readonly shape: OrgShape;
  readonly ids = new IdAllocator();
  readonly now: () => number;
  /** Bumped by every write to PermissionSet, FieldPermissions or PermissionSetAssignment. */
  securityVersion = 0;
  /** Told of every insert and update (the sandbox's change events). */
  onWrite: ((write: OrgWrite) => void) | null = null;
  private readonly tables = new Map<string, ObjectTable>();
  private readonly tablesByPrefix = new Map<string, ObjectTable>();
  private readonly stagesByLower: ReadonlyMap<string, StageDef>;

  constructor(options: OrgOptions) {
    this.shape = {
      stages: options.stages,
      currencies: options.currencies,
      corporateCurrency: options.corporateCurrency,
      multiCurrency: options.multiCurrency ?? true,
    };
    this.now = options.now;
    this.stagesByLower = new Map(options.stages.map((s) => [s.name.toLowerCase(), s]));
    for (const def of standardObjects(this.shape)) this.addTable(new ObjectTable(def));
  }

  private addTable(table: ObjectTable): void {
    this.tables.set(table.name.toLowerCase(), table);
    this.tablesByPrefix.set(table.def.keyPrefix, table);
  }

  table(name: string): ObjectTable | undefined {
    return this.tables.get(name.toLowerCase());
  }

  /** The data API's objects (Tooling-only objects excluded unless asked for). */
  objects(tooling: boolean): ObjectTable[] {
    return [...this.tables.values()].filter((t) => t.def.tooling === tooling);
  }

  stage(name: string): StageDef | undefined {
    return this.stagesByLower.get(name.toLowerCase());
  }

  /** The row with this 18-character id, found through its key prefix. */
  find(id: string): { table: ObjectTable; row: SfRecord } | undefined {
    const table = this.tablesByPrefix.get(id.slice(0, 3));
    const row = table?.rows.get(id);
    return table && row ? { table, row } : undefined;
  }

  /** Stores a new row; `values` are validated field values keyed by canonical name. */
  insert(objectName: string, values: Readonly<Record<string, FieldValue>>, userId: string, at = this.now()): SfRecord {
    const table = this.requireTable(objectName);
    const id = typeof values['Id'] === 'string' ? values['Id'] : this.ids.next(table.def.keyPrefix);
    // Copy the template, then overwrite its keys in place: the row keeps the template's shape.
    const row: Record<string, FieldValue> = { ...table.template() };
    for (const [key, value] of Object.entries(values)) row[key] = value;
    row['Id'] = id;
    row['IsDeleted'] = false;
    row['CreatedDate'] = stamp(values['CreatedDate'], at);
    row['CreatedById'] = values['CreatedById'] ?? userId;
    row['LastModifiedDate'] = stamp(values['LastModifiedDate'], at);
    row['LastModifiedById'] = values['LastModifiedById'] ?? userId;
    row['SystemModstamp'] = stamp(values['SystemModstamp'], at);
    deriveFields(table.name, row, { previous: undefined, written: values, stages: this.stagesByLower });
    const frozen = Object.freeze(row);
    table.rows.set(id, frozen);
    this.touched(table);
    if (this.onWrite !== null) {
      const changed = Object.keys(frozen).filter((k) => k !== 'Id' && k !== 'IsDeleted' && frozen[k] !== null);
      this.onWrite({ object: table.name, id, changeType: 'CREATE', changed, row: frozen, userId, at });
    }
    return frozen;
  }

  /** Replaces a row with `changes` applied and the modification stamps bumped. */
  update(
    objectName: string,
    id: string,
    changes: Readonly<Record<string, FieldValue>>,
    userId: string,
    at = this.now(),
  ): SfRecord {
    const table = this.requireTable(objectName);
    const previous = table.rows.get(id);
    if (previous === undefined) throw new Error(`no ${objectName} ${id}`);
    const row: Record<string, FieldValue> = {
      ...previous,
      ...changes,
      LastModifiedDate: wholeSecond(at),
      LastModifiedById: userId,
      SystemModstamp: wholeSecond(at),
    };
    deriveFields(table.name, row, { previous, written: changes, stages: this.stagesByLower });
    const frozen = Object.freeze(row);
    table.rows.set(id, frozen);
    this.touched(table);
    if (this.onWrite !== null) this.onWrite(updateOf(table.name, id, previous, frozen, userId, at));
    return frozen;
  }

  /** Soft delete: the row stays, with IsDeleted, visible only to queryAll. */
  softDelete(objectName: string, id: string, userId: string, at = this.now()): SfRecord {
    return this.update(objectName, id, { IsDeleted: true }, userId, at);
  }

  /** Puts back a row exactly as saved (state file), without stamping or deriving anything. */
  restoreRow(objectName: string, row: Readonly<Record<string, FieldValue>>): void {
    const table = this.requireTable(objectName);
    table.rows.set(String(row['Id']), Object.freeze({ ...row }));
    this.touched(table);
  }

  private requireTable(name: string): ObjectTable {
    const table = this.table(name);
    if (table === undefined) throw new Error(`unknown object ${name}`);
    return table;
  }

  private touched(table: ObjectTable): void {
    if (table.name === 'PermissionSet' || table.name === 'FieldPermissions' || table.name === 'PermissionSetAssignment')
      this.securityVersion++;
  }
}

function updateOf(object: string, id: string, previous: SfRecord, row: SfRecord, userId: string, at: number): OrgWrite {
  const wasDeleted = previous['IsDeleted'] === true;
  const isDeleted = row['IsDeleted'] === true;
  const changeType = !wasDeleted && isDeleted ? 'DELETE' : wasDeleted && !isDeleted ? 'UNDELETE' : 'UPDATE';
  const changed = Object.keys(row).filter((k) => k !== 'IsDeleted' && !STAMPS.has(k) && previous[k] !== row[k]);
  changed.push('LastModifiedDate');
  return { object, id, changeType, changed, row, userId, at };
}
