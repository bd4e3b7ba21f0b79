// The SOQL subset as a syntax tree. Names are kept as written; the planner resolves them
// against the object schema (case-insensitively, as Salesforce does).

export interface FieldPath {
  /** `['Name']` or, for one level of relationship, `['Account', 'Name']`. */
  segments: string[];
  text: string;
  pos: number;
}

export type Literal =
  | { kind: 'string'; value: string; pos: number }
  | { kind: 'number'; value: number; pos: number }
  | { kind: 'boolean'; value: boolean; pos: number }
  | { kind: 'null'; pos: number }
  | { kind: 'date'; value: string; pos: number }
  | { kind: 'datetime'; value: number; pos: number };

export type ComparisonOp = '=' | '!=' | '<' | '<=' | '>' | '>=';

export type Condition =
  | { kind: 'and'; items: Condition[] }
  | { kind: 'or'; items: Condition[] }
  | { kind: 'not'; item: Condition }
  | { kind: 'compare'; field: FieldPath; op: ComparisonOp; value: Literal }
  | { kind: 'in'; field: FieldPath; negated: boolean; values: Literal[] }
  /** `pattern` is a regular-expression source built from the LIKE literal. */
  | { kind: 'like'; field: FieldPath; pattern: string; pos: number };

export interface OrderKey {
  field: FieldPath;
  descending: boolean;
  nullsLast: boolean;
}

export interface SoqlQuery {
  /** Empty for `SELECT COUNT()`. */
  fields: FieldPath[];
  count: boolean;
  from: { name: string; pos: number };
  where: Condition | null;
  orderBy: OrderKey[];
  limit: number | null;
  offset: number | null;
}
