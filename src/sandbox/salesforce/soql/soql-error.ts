// SOQL failures in Salesforce's words. Parse and field errors quote the query and point at the
// offending token ("ERROR at Row:1:Column:8"), as the real API does, so a developer reading a
// sandbox error sees the same thing production would show.

import { SfApiError } from '../errors.ts';

export type SoqlErrorCode =
  'MALFORMED_QUERY' | 'INVALID_FIELD' | 'INVALID_TYPE' | 'INVALID_QUERY_FILTER_OPERATOR' | 'NUMBER_OUTSIDE_VALID_RANGE';

/** Row and column (both 1-based) of a character offset. */
export function rowColumn(source: string, offset: number): { row: number; column: number } {
  let row = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < source.length; i++) {
    if (source[i] === '\n') {
      row++;
      lineStart = i + 1;
    }
  }
  return { row, column: offset - lineStart + 1 };
}

function caretMessage(source: string, offset: number, text: string): string {
  const { row, column } = rowColumn(source, offset);
  const line = source.split('\n')[row - 1] ?? '';
  return `\n${line}\n${' '.repeat(Math.max(0, column - 1))}^\nERROR at Row:${row}:Column:${column}\n${text}`;
}

export function soqlError(code: SoqlErrorCode, source: string, offset: number | null, text: string): SfApiError {
  const message = offset === null ? text : caretMessage(source, offset, text);
  return new SfApiError(400, code, message);
}

export const noSuchColumn = (source: string, offset: number, field: string, object: string): SfApiError =>
  soqlError(
    'INVALID_FIELD',
    source,
    offset,
    `No such column '${field}' on entity '${object}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.`,
  );

export const noSuchRelation = (source: string, offset: number, name: string): SfApiError =>
  soqlError(
    'INVALID_FIELD',
    source,
    offset,
    `Didn't understand relationship '${name}' in field path. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name. Please reference your WSDL or the describe call for the appropriate names.`,
  );

export const unknownObject = (source: string, offset: number, object: string): SfApiError =>
  soqlError(
    'INVALID_TYPE',
    source,
    offset,
    `sObject type '${object}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names.`,
  );
