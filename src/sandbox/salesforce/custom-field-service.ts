// Create, update and delete custom fields through their Tooling `CustomField` rows. The row and
// the field on the object stay in step: the row's FullName names the field, its Metadata is the
// definition the field was built from.

import { z } from 'zod';
import { SfApiError } from './errors.ts';
import { fieldFromMetadata, metadataSchema, parseFullName } from './custom-fields.ts';
import type { FieldMetadata } from './custom-fields.ts';
import { normalizeId } from './ids.ts';
import type { SalesforceOrg } from './store/org.ts';
import type { SfRecord } from './schema/types.ts';

const createBody = z.object({ FullName: z.string(), Metadata: z.unknown() }).loose();
const updateBody = z.object({ FullName: z.string().optional(), Metadata: z.unknown() }).loose();

function parseMetadata(raw: unknown): FieldMetadata {
  const parsed = metadataSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue?.path.join('.') ?? 'Metadata';
  throw new SfApiError(400, 'FIELD_INTEGRITY_EXCEPTION', `Metadata.${where}: ${issue?.message ?? 'invalid value'}`, []);
}

function toolingRow(org: SalesforceOrg, rawId: string): SfRecord {
  const id = normalizeId(rawId);
  const row = id === null ? undefined : org.table('CustomField')?.rows.get(id);
  if (row === undefined || row['IsDeleted'] === true)
    throw new SfApiError(404, 'NOT_FOUND', 'The requested resource does not exist');
  return row;
}

export function createCustomField(org: SalesforceOrg, body: unknown, userId: string): string {
  const parsed = createBody.safeParse(body);
  if (!parsed.success)
    throw new SfApiError(400, 'REQUIRED_FIELD_MISSING', 'Required fields are missing: [FullName, Metadata]', [
      'FullName',
      'Metadata',
    ]);
  const { table, field } = parseFullName(org, parsed.data.FullName);
  const meta = parseMetadata(parsed.data.Metadata);
  if (table.field(field) !== undefined) {
    throw new SfApiError(
      400,
      'DUPLICATE_DEVELOPER_NAME',
      `There is already a field named ${field.replace(/__c$/, '')} on ${table.name}.`,
      [],
    );
  }
  table.addField(fieldFromMetadata(org, table, field, meta));
  const row = org.insert(
    'CustomField',
    {
      DeveloperName: field.replace(/__c$/, ''),
      TableEnumOrId: table.name,
      NamespacePrefix: null,
      FullName: `${table.name}.${field}`,
      Description: meta.description ?? null,
      Metadata: JSON.stringify(meta),
    },
    userId,
  );
  return String(row['Id']);
}

export function updateCustomField(org: SalesforceOrg, rawId: string, body: unknown, userId: string): void {
  const row = toolingRow(org, rawId);
  const parsed = updateBody.safeParse(body);
  if (!parsed.success)
    throw new SfApiError(400, 'REQUIRED_FIELD_MISSING', 'Required fields are missing: [Metadata]', ['Metadata']);
  const { table, field } = parseFullName(org, String(row['FullName']));
  const meta = parseMetadata(parsed.data.Metadata);
  const current = table.field(field);
  const next = fieldFromMetadata(org, table, field, meta, field.toLowerCase());
  if (current !== undefined && current.type !== next.type) {
    throw new SfApiError(
      400,
      'FIELD_INTEGRITY_EXCEPTION',
      `Cannot change the type of ${table.name}.${field} from ${current.type} to ${next.type} in the sandbox`,
      [],
    );
  }
  table.removeField(field);
  table.addField(next);
  org.update(
    'CustomField',
    String(row['Id']),
    { Metadata: JSON.stringify(meta), Description: meta.description ?? null },
    userId,
  );
}

/** Removes the field and the permissions granted on it. Record values stay, as Salesforce keeps them for undelete. */
export function deleteCustomField(org: SalesforceOrg, rawId: string): void {
  const row = toolingRow(org, rawId);
  const fullName = String(row['FullName']);
  const { table, field } = parseFullName(org, fullName);
  table.removeField(field);
  org.table('CustomField')?.rows.delete(String(row['Id']));
  const permissions = org.table('FieldPermissions');
  for (const [id, fp] of permissions?.rows ?? []) {
    if (String(fp['Field']).toLowerCase() === fullName.toLowerCase()) permissions?.rows.delete(id);
  }
  org.securityVersion++;
}
