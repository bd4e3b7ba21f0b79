// One sObject's metadata and rows. Rows are indexed by 18-character id in insertion (= id)
// order; a row object is never mutated, an update stores a new one, so query cursors holding
// the old objects keep the snapshot Salesforce's cursors give.

import type { FieldDef, FieldValue, ObjectDef, SfRecord } from '../schema/types.ts';

export class ObjectTable {
  readonly def: ObjectDef;
  readonly rows = new Map<string, SfRecord>();
  private readonly fieldsByLower = new Map<string, FieldDef>();
  private readonly relationshipsByLower = new Map<string, FieldDef>();
  private defaults: Readonly<Record<string, FieldValue>> | null = null;

  constructor(def: ObjectDef) {
    this.def = def;
    for (const f of def.fields) this.index(f);
  }

  private index(f: FieldDef): void {
    this.fieldsByLower.set(f.name.toLowerCase(), f);
    if (f.relationshipName !== undefined) this.relationshipsByLower.set(f.relationshipName.toLowerCase(), f);
  }

  get name(): string {
    return this.def.name;
  }

  field(name: string): FieldDef | undefined {
    return this.fieldsByLower.get(name.toLowerCase());
  }

  /** The reference field behind a relationship name (`Account`, `Partner_Source__r`). */
  relationship(name: string): FieldDef | undefined {
    return this.relationshipsByLower.get(name.toLowerCase());
  }

  /**
   * Every field at its default, to spread new rows from: rows built by spreading one template
   * share a hidden class and take about a quarter of the memory of rows built key by key
   * (which V8 keeps as dictionaries), which matters at 100,000+ opportunities.
   */
  template(): Readonly<Record<string, FieldValue>> {
    if (this.defaults === null) {
      const row: Record<string, FieldValue> = {};
      for (const f of this.def.fields) row[f.name] = f.defaultValue ?? (f.type === 'boolean' ? false : null);
      this.defaults = row;
    }
    return this.defaults;
  }

  addField(f: FieldDef): void {
    this.def.fields.push(f);
    this.index(f);
    this.defaults = null;
  }

  removeField(name: string): void {
    const f = this.field(name);
    if (f === undefined) return;
    this.def.fields.splice(this.def.fields.indexOf(f), 1);
    this.fieldsByLower.delete(f.name.toLowerCase());
    this.defaults = null;
    if (f.relationshipName !== undefined) this.relationshipsByLower.delete(f.relationshipName.toLowerCase());
  }
}
