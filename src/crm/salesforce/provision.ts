// `provision` for Salesforce: the partnersync custom fields on Opportunity and Account (Tooling
// API), field-level security through permission sets, and their assignments. The plan is worked
// out first (existence from Tooling queries on CustomField, because describe hides fields the
// caller cannot see); a dry run, or any conflict, stops there. Never deletes; never takes a
// permission away; picklists only gain values.
//
// Two permission sets: `partnersync` for reps (read every field, edit the ones reps fill in),
// assigned to `crm.salesforce.permissionSetAssignees`; and `partnersync_integration` (read and
// edit everything) for the integration user, which must write the result fields that reps only
// read. Assignees are usernames, or `profile:<Profile name>` for every active user of a profile.
// https://developer.salesforce.com/docs/atlas.en-us.api_tooling.meta/api_tooling/tooling_api_objects_customfield.htm
// https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_fieldpermissions.htm
// https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_permissionsetassignment.htm
// With `crm.salesforce.events: cdc` it also selects Opportunity and Account change events on the
// standard ChangeEvents channel (Tooling PlatformEventChannelMember), never removing a selection.
// https://developer.salesforce.com/docs/atlas.en-us.api_tooling.meta/api_tooling/tooling_api_objects_platformeventchannelmember.htm

import { z } from 'zod';
import type { Program } from '../../domain/program.ts';
import type { Logger } from '../../log.ts';
import type { ProvisionAction, ProvisionPlan } from '../port.ts';
import { CrmError } from '../port.ts';
import { PROVIDER } from './errors.ts';
import { fieldCatalogue, MANAGED_MARKER, type FieldMap, type ResolvedField } from './fields.ts';
import { detectCurrency } from './org-currency.ts';
import { parseRecords, queryAllRecords } from './query.ts';
import type { SalesforceClient } from './salesforce-client.ts';
import { chunk, lit, select, where, type SoqlAllowList } from './soql.ts';
import { COLLECTION_LIMIT } from './write-back.ts';

export const REPS_PERMISSION_SET = 'partnersync';
export const INTEGRATION_PERMISSION_SET = 'partnersync_integration';
const PROFILE_PREFIX = 'profile:';

const PERMISSION_SETS = [
  {
    name: REPS_PERMISSION_SET,
    label: 'partnersync',
    description: `${MANAGED_MARKER}: read the partner fields; edit the ones reps fill in.`,
  },
  {
    name: INTEGRATION_PERMISSION_SET,
    label: 'partnersync integration',
    description: `${MANAGED_MARKER}: read and write every partner field (the integration user).`,
  },
] as const;

const customFieldRow = z
  .object({
    Id: z.string(),
    DeveloperName: z.string(),
    TableEnumOrId: z.string(),
    Description: z.string().nullable(),
    NamespacePrefix: z.string().nullable(),
  })
  .loose();
const metadataRecord = z.object({ Metadata: z.record(z.string(), z.unknown()) }).loose();
const permissionSetRow = z.object({ Id: z.string(), Name: z.string(), Description: z.string().nullable() }).loose();
const fieldPermissionRow = z
  .object({
    Id: z.string(),
    ParentId: z.string(),
    Field: z.string(),
    PermissionsRead: z.boolean(),
    PermissionsEdit: z.boolean(),
  })
  .loose();
const assignmentRow = z.object({ Id: z.string(), PermissionSetId: z.string(), AssigneeId: z.string() }).loose();
const userRow = z.object({ Id: z.string(), Username: z.string() }).loose();
const saveResults = z.array(
  z
    .object({
      id: z.string().nullish(),
      success: z.boolean(),
      errors: z.array(z.object({ statusCode: z.string(), message: z.string() }).loose()),
    })
    .loose(),
);
const toolingCreated = z.object({ id: z.string(), success: z.boolean() }).loose();
const channelMemberRow = z
  .object({
    Id: z.string(),
    DeveloperName: z.string().nullable(),
    EventChannel: z.string().nullable(),
    SelectedEntity: z.string().nullable(),
  })
  .loose();

/** The standard channel of Change Data Capture, and the objects partnersync listens to. */
export const CHANGE_EVENTS_CHANNEL = 'ChangeEvents';
export const CHANGE_EVENT_ENTITIES = ['Opportunity', 'Account'] as const;

export interface ProvisionContext {
  client: SalesforceClient;
  allow: SoqlAllowList;
  fields: FieldMap;
  program: Program;
  assignees: readonly string[];
  logger: Logger;
  /** `crm.salesforce.events: cdc`: select the change events partnersync subscribes to. */
  changeEvents?: boolean | undefined;
}

interface FieldWork {
  field: ResolvedField;
  fullName: string;
  metadata: Record<string, unknown>;
  create: boolean;
  /** Existing managed picklist that gains values: its id and merged Metadata. */
  update: { id: string; metadata: Record<string, unknown> } | null;
}

interface Work {
  actions: ProvisionAction[];
  fields: FieldWork[];
  permissionSets: Map<string, string>;
  /** Field permissions to create or raise, per permission set name. */
  grants: { set: string; field: string; object: string; read: boolean; edit: boolean; existingId: string | null }[];
  assignments: { set: string; userId: string; who: string }[];
  /** Change-event entities to select (`OpportunityChangeEvent`, …). */
  channelMembers: string[];
}

const fullNameOf = (f: ResolvedField): string => `${f.object}.${f.apiName}`;
const isCustom = (apiName: string): boolean => /__c$/i.test(apiName);

interface PicklistEntry {
  valueName?: unknown;
  fullName?: unknown;
}

function picklistValues(metadata: Readonly<Record<string, unknown>>): PicklistEntry[] {
  const valueSet = metadata['valueSet'] as { valueSetDefinition?: { value?: unknown } } | null | undefined;
  const values = valueSet?.valueSetDefinition?.value;
  return Array.isArray(values) ? (values as PicklistEntry[]) : [];
}

const valueName = (v: PicklistEntry): string =>
  typeof v.valueName === 'string' ? v.valueName : typeof v.fullName === 'string' ? v.fullName : '';

export class SalesforceProvisioner {
  readonly #ctx: ProvisionContext;

  constructor(ctx: ProvisionContext) {
    this.#ctx = ctx;
  }

  async provision(options: { dryRun: boolean }): Promise<ProvisionPlan> {
    const work = await this.#plan();
    const conflict = work.actions.some((a) => a.action === 'conflict');
    if (options.dryRun || conflict) return { actions: work.actions, applied: false };
    await this.#apply(work);
    return { actions: work.actions, applied: true };
  }

  // ---- plan ---------------------------------------------------------------------------------

  async #plan(): Promise<Work> {
    const { client, allow, program } = this.#ctx;
    const session = await client.session();
    const currency = await detectCurrency(client, allow);
    // Money fields are Currency fields only when the org's currency is the program's; elsewhere a
    // Currency field would show our amounts in each record's own currency.
    const catalogue = new Map(
      fieldCatalogue({
        program,
        currencyFields: !currency.multiCurrency && currency.currency === program.currency,
      }).map((s) => [s.key, s]),
    );
    const existing = await this.#customFields();
    const work: Work = {
      actions: [],
      fields: [],
      permissionSets: new Map(),
      grants: [],
      assignments: [],
      channelMembers: [],
    };
    for (const field of this.#ctx.fields.all()) {
      const spec = catalogue.get(field.key) ?? field;
      const metadata = { ...spec.metadata, label: spec.label, description: `${MANAGED_MARKER}: ${spec.purpose}.` };
      await this.#planField(work, field, metadata, existing.get(fullNameOf(field).toLowerCase()));
    }
    await this.#planPermissions(work);
    await this.#planAssignments(work, session.userId);
    if (this.#ctx.changeEvents === true) await this.#planChangeEvents(work);
    return work;
  }

  /** Opportunity and Account change events selected on the ChangeEvents channel. */
  async #planChangeEvents(work: Work): Promise<void> {
    const soql = select(this.#ctx.allow, {
      object: 'PlatformEventChannelMember',
      fields: ['Id', 'DeveloperName', 'EventChannel', 'SelectedEntity'],
    });
    const rows = parseRecords(
      await queryAllRecords(this.#ctx.client, soql, {
        tooling: true,
        what: 'tooling query PlatformEventChannelMember',
      }),
      channelMemberRow,
      'tooling query PlatformEventChannelMember',
    );
    const onChannel = (r: z.output<typeof channelMemberRow>): boolean =>
      r.EventChannel === CHANGE_EVENTS_CHANNEL || (r.DeveloperName ?? '').startsWith(`${CHANGE_EVENTS_CHANNEL}_`);
    for (const object of CHANGE_EVENT_ENTITIES) {
      const entity = `${object}ChangeEvent`;
      const selected = rows.some((r) => onChannel(r) && r.SelectedEntity === entity);
      if (selected) {
        work.actions.push({ target: `change events ${object}`, action: 'ok', detail: `${entity} is selected` });
        continue;
      }
      work.channelMembers.push(entity);
      work.actions.push({
        target: `change events ${object}`,
        action: 'create',
        detail: `select ${entity} on the ${CHANGE_EVENTS_CHANNEL} channel (Change Data Capture, for crm.salesforce.events: cdc)`,
      });
    }
  }

  /** Our objects' custom fields (no managed-package namespace), by lower-case full name. */
  async #customFields(): Promise<Map<string, { id: string; description: string | null }>> {
    const soql = select(this.#ctx.allow, {
      object: 'CustomField',
      fields: ['Id', 'DeveloperName', 'TableEnumOrId', 'Description', 'NamespacePrefix'],
      where: where.in('TableEnumOrId', [lit.string('Opportunity'), lit.string('Account')]),
    });
    const rows = parseRecords(
      await queryAllRecords(this.#ctx.client, soql, { tooling: true, what: 'tooling query CustomField' }),
      customFieldRow,
      'tooling query CustomField',
    );
    const out = new Map<string, { id: string; description: string | null }>();
    for (const r of rows) {
      if (r.NamespacePrefix !== null && r.NamespacePrefix !== '') continue;
      out.set(`${r.TableEnumOrId}.${r.DeveloperName}__c`.toLowerCase(), { id: r.Id, description: r.Description });
    }
    return out;
  }

  async #planField(
    work: Work,
    field: ResolvedField,
    metadata: Record<string, unknown>,
    found: { id: string; description: string | null } | undefined,
  ): Promise<void> {
    const target = `${field.object} field ${field.apiName}`;
    const fullName = fullNameOf(field);
    if (field.mapped) {
      if (isCustom(field.apiName) && found === undefined) {
        work.actions.push({
          target,
          action: 'conflict',
          detail: `crm.mappings.${field.key} names ${fullName}, which does not exist; create it or fix the mapping`,
        });
        return;
      }
      work.actions.push({
        target,
        action: 'ok',
        detail: `mapped from ${field.key} (an existing field; partnersync does not change its definition)`,
      });
      if (isCustom(field.apiName)) work.fields.push({ field, fullName, metadata, create: false, update: null });
      return;
    }
    if (found === undefined) {
      work.actions.push({
        target,
        action: 'create',
        detail: `${String(metadata['type'])} "${String(metadata['label'])}"${field.repsEdit ? ', reps edit' : ', reps read'}`,
      });
      work.fields.push({ field, fullName, metadata, create: true, update: null });
      return;
    }
    if (!(found.description ?? '').includes(MANAGED_MARKER)) {
      work.actions.push({
        target,
        action: 'conflict',
        detail: `${fullName} exists but is not managed by partnersync (its description lacks "${MANAGED_MARKER}"). To use it as it is, map it: crm.mappings: { ${field.key}: { field: ${field.apiName} } }; or rename that field in Salesforce`,
      });
      return;
    }
    const update = metadata['type'] === 'Picklist' ? await this.#picklistUpdate(work, field, found.id, metadata) : null;
    work.fields.push({ field, fullName, metadata, create: false, update });
    if (update === null && !work.actions.some((a) => a.target === target))
      work.actions.push({ target, action: 'ok', detail: 'exists, managed by partnersync' });
  }

  /** A managed picklist missing some configured values: its Metadata with the values added (none removed). */
  async #picklistUpdate(
    work: Work,
    field: ResolvedField,
    id: string,
    wanted: Record<string, unknown>,
  ): Promise<{ id: string; metadata: Record<string, unknown> } | null> {
    const target = `${field.object} field ${field.apiName}`;
    const current = await this.#ctx.client.json(
      {
        method: 'GET',
        path: `/tooling/sobjects/CustomField/${id}`,
        idempotent: true,
        what: `tooling read CustomField ${fullNameOf(field)}`,
      },
      metadataRecord,
    );
    if (current.Metadata['type'] !== 'Picklist') {
      work.actions.push({
        target,
        action: 'ok',
        detail: `exists as ${String(current.Metadata['type'])}, not a picklist; kept (values are written as text)`,
      });
      return null;
    }
    const have = picklistValues(current.Metadata);
    const names = new Set(have.map((v) => valueName(v).toLowerCase()));
    const added = picklistValues(wanted).filter((v) => !names.has(valueName(v).toLowerCase()));
    if (added.length === 0) return null;
    const valueSet = (current.Metadata['valueSet'] ?? {}) as Record<string, unknown>;
    const definition = (valueSet['valueSetDefinition'] ?? {}) as Record<string, unknown>;
    const metadata = {
      ...current.Metadata,
      valueSet: { ...valueSet, valueSetDefinition: { ...definition, value: [...have, ...added] } },
    };
    work.actions.push({ target, action: 'update', detail: `add picklist values ${added.map(valueName).join(', ')}` });
    return { id, metadata };
  }

  async #planPermissions(work: Work): Promise<void> {
    const { client, allow } = this.#ctx;
    const soql = select(allow, {
      object: 'PermissionSet',
      fields: ['Id', 'Name', 'Description'],
      where: where.in(
        'Name',
        PERMISSION_SETS.map((p) => lit.string(p.name)),
      ),
    });
    const sets = parseRecords(
      await queryAllRecords(client, soql, { what: 'query PermissionSet' }),
      permissionSetRow,
      'query PermissionSet',
    );
    for (const p of PERMISSION_SETS) {
      const found = sets.find((s) => s.Name.toLowerCase() === p.name);
      const target = `permission set ${p.name}`;
      if (found === undefined) work.actions.push({ target, action: 'create', detail: p.description });
      else if (!(found.Description ?? '').includes(MANAGED_MARKER)) {
        work.actions.push({
          target,
          action: 'conflict',
          detail: `a permission set named ${p.name} exists but is not managed by partnersync (its description lacks "${MANAGED_MARKER}"); rename it in Salesforce`,
        });
      } else {
        work.permissionSets.set(p.name, found.Id);
        work.actions.push({ target, action: 'ok', detail: 'exists, managed by partnersync' });
      }
    }
    const ids = [...work.permissionSets.values()];
    const rows =
      ids.length === 0
        ? []
        : parseRecords(
            await queryAllRecords(
              client,
              select(allow, {
                object: 'FieldPermissions',
                fields: ['Id', 'ParentId', 'Field', 'PermissionsRead', 'PermissionsEdit'],
                where: where.in('ParentId', ids.map(lit.id)),
              }),
              { what: 'query FieldPermissions' },
            ),
            fieldPermissionRow,
            'query FieldPermissions',
          );
    const have = new Map(rows.map((r) => [`${r.ParentId}:${r.Field.toLowerCase()}`, r]));
    for (const p of PERMISSION_SETS) {
      const setId = work.permissionSets.get(p.name);
      const created: string[] = [];
      const raised: string[] = [];
      for (const f of work.fields) {
        const edit = p.name === INTEGRATION_PERMISSION_SET || f.field.repsEdit;
        const row = setId === undefined ? undefined : have.get(`${setId}:${f.fullName.toLowerCase()}`);
        if (row === undefined) {
          work.grants.push({
            set: p.name,
            field: f.fullName,
            object: f.field.object,
            read: true,
            edit,
            existingId: null,
          });
          created.push(f.fullName);
        } else if (!row.PermissionsRead || (edit && !row.PermissionsEdit)) {
          work.grants.push({
            set: p.name,
            field: f.fullName,
            object: f.field.object,
            read: true,
            edit: edit || row.PermissionsEdit,
            existingId: row.Id,
          });
          raised.push(f.fullName);
        }
      }
      const target = `field permissions of ${p.name}`;
      if (created.length === 0 && raised.length === 0)
        work.actions.push({ target, action: 'ok', detail: `all ${work.fields.length} fields granted` });
      if (created.length > 0)
        work.actions.push({
          target,
          action: 'create',
          detail: `grant ${p.name === INTEGRATION_PERMISSION_SET ? 'read and edit' : 'read (edit where reps fill in)'} on ${created.length} fields: ${created.join(', ')}`,
        });
      if (raised.length > 0)
        work.actions.push({
          target,
          action: 'update',
          detail: `raise access on ${raised.length} fields: ${raised.join(', ')}`,
        });
    }
  }

  async #planAssignments(work: Work, integrationUserId: string): Promise<void> {
    const users = await this.#assigneeUsers(work);
    const ids = [...work.permissionSets.values()];
    const rows =
      ids.length === 0
        ? []
        : parseRecords(
            await queryAllRecords(
              this.#ctx.client,
              select(this.#ctx.allow, {
                object: 'PermissionSetAssignment',
                fields: ['Id', 'PermissionSetId', 'AssigneeId'],
                where: where.in('PermissionSetId', ids.map(lit.id)),
              }),
              { what: 'query PermissionSetAssignment' },
            ),
            assignmentRow,
            'query PermissionSetAssignment',
          );
    const have = new Set(rows.map((r) => `${r.PermissionSetId}:${r.AssigneeId}`));
    const wanted: { set: string; userId: string; who: string }[] = [
      { set: INTEGRATION_PERMISSION_SET, userId: integrationUserId, who: 'the integration user' },
      ...users.map((u) => ({ set: REPS_PERMISSION_SET, userId: u.id, who: u.who })),
    ];
    for (const w of wanted) {
      const setId = work.permissionSets.get(w.set);
      const target = `assignment of ${w.set} to ${w.who}`;
      if (setId !== undefined && have.has(`${setId}:${w.userId}`))
        work.actions.push({ target, action: 'ok', detail: 'assigned' });
      else {
        work.assignments.push(w);
        work.actions.push({ target, action: 'create', detail: `assign ${w.set} to user ${w.userId}` });
      }
    }
  }

  /** `permissionSetAssignees`: usernames, or `profile:<name>` for every active user of a profile. */
  async #assigneeUsers(work: Work): Promise<{ id: string; who: string }[]> {
    const { client, allow, assignees } = this.#ctx;
    const usernames = assignees.filter((a) => !a.startsWith(PROFILE_PREFIX));
    const profiles = assignees
      .filter((a) => a.startsWith(PROFILE_PREFIX))
      .map((a) => a.slice(PROFILE_PREFIX.length).trim());
    const out: { id: string; who: string }[] = [];
    if (usernames.length > 0) {
      const soql = select(allow, {
        object: 'User',
        fields: ['Id', 'Username'],
        where: where.and(where.in('Username', usernames.map(lit.string)), where.eq('IsActive', lit.boolean(true))),
      });
      const rows = parseRecords(await queryAllRecords(client, soql, { what: 'query User' }), userRow, 'query User');
      for (const name of usernames) {
        const user = rows.find((r) => r.Username.toLowerCase() === name.toLowerCase());
        if (user === undefined)
          work.actions.push({
            target: `assignee ${name}`,
            action: 'conflict',
            detail: `no active user with username ${name}; fix crm.salesforce.permissionSetAssignees`,
          });
        else out.push({ id: user.Id, who: name });
      }
    }
    for (const profile of profiles) {
      const soql = select(allow, {
        object: 'User',
        fields: ['Id', 'Username'],
        where: where.and(where.eq('Profile.Name', lit.string(profile)), where.eq('IsActive', lit.boolean(true))),
      });
      const rows = parseRecords(
        await queryAllRecords(client, soql, { what: 'query User by profile' }),
        userRow,
        'query User by profile',
      );
      if (rows.length === 0)
        work.actions.push({
          target: `assignee profile ${profile}`,
          action: 'conflict',
          detail: `no active user has the profile "${profile}"; fix crm.salesforce.permissionSetAssignees`,
        });
      for (const r of rows)
        if (!out.some((u) => u.id === r.Id)) out.push({ id: r.Id, who: `${r.Username} (profile ${profile})` });
    }
    return out;
  }

  // ---- apply --------------------------------------------------------------------------------

  async #apply(work: Work): Promise<void> {
    const { client } = this.#ctx;
    for (const f of work.fields) {
      if (f.create) {
        await client.json(
          {
            method: 'POST',
            path: '/tooling/sobjects/CustomField',
            idempotent: false,
            what: `tooling create CustomField ${f.fullName}`,
            body: JSON.stringify({ FullName: f.fullName, Metadata: f.metadata }),
          },
          toolingCreated,
        );
      } else if (f.update !== null) {
        await client.send({
          method: 'PATCH',
          path: `/tooling/sobjects/CustomField/${f.update.id}`,
          idempotent: true,
          what: `tooling update CustomField ${f.fullName}`,
          body: JSON.stringify({ FullName: f.fullName, Metadata: f.update.metadata }),
        });
      }
    }
    for (const entity of work.channelMembers) {
      await client.json(
        {
          method: 'POST',
          path: '/tooling/sobjects/PlatformEventChannelMember',
          idempotent: false,
          what: `tooling create PlatformEventChannelMember ${entity}`,
          body: JSON.stringify({
            FullName: `${CHANGE_EVENTS_CHANNEL}_${entity}`,
            Metadata: { eventChannel: CHANGE_EVENTS_CHANNEL, selectedEntity: entity },
          }),
        },
        toolingCreated,
      );
    }
    const failures: string[] = [];
    const missingSets = PERMISSION_SETS.filter((p) => !work.permissionSets.has(p.name));
    if (missingSets.length > 0) {
      const ids = await this.#save(
        'POST',
        missingSets.map((p) => ({
          attributes: { type: 'PermissionSet' },
          Name: p.name,
          Label: p.label,
          Description: p.description,
        })),
        missingSets.map((p) => `permission set ${p.name}`),
        failures,
      );
      missingSets.forEach((p, i) => {
        const id = ids[i];
        if (id) work.permissionSets.set(p.name, id);
      });
    }
    const grants = work.grants.filter((g) => work.permissionSets.has(g.set));
    const creates = grants.filter((g) => g.existingId === null);
    const raises = grants.filter((g) => g.existingId !== null);
    await this.#save(
      'POST',
      creates.map((g) => ({
        attributes: { type: 'FieldPermissions' },
        ParentId: work.permissionSets.get(g.set),
        SobjectType: g.object,
        Field: g.field,
        PermissionsRead: g.read,
        PermissionsEdit: g.edit,
      })),
      creates.map((g) => `${g.set} on ${g.field}`),
      failures,
    );
    await this.#save(
      'PATCH',
      raises.map((g) => ({
        attributes: { type: 'FieldPermissions' },
        Id: g.existingId,
        PermissionsRead: g.read,
        PermissionsEdit: g.edit,
      })),
      raises.map((g) => `${g.set} on ${g.field}`),
      failures,
    );
    const assignments = work.assignments.filter((a) => work.permissionSets.has(a.set));
    await this.#save(
      'POST',
      assignments.map((a) => ({
        attributes: { type: 'PermissionSetAssignment' },
        PermissionSetId: work.permissionSets.get(a.set),
        AssigneeId: a.userId,
      })),
      assignments.map((a) => `${a.set} to ${a.who}`),
      failures,
    );
    if (failures.length > 0) {
      throw new CrmError({
        provider: PROVIDER,
        kind: 'invalid_request',
        message: `Salesforce provision: ${failures.length} change(s) refused: ${failures.slice(0, 10).join('; ')}`,
      });
    }
  }

  /** sObject Collections create/update in chunks of 200; per-record refusals collected in `failures`. Returns ids in input order. */
  async #save(
    method: 'POST' | 'PATCH',
    records: Record<string, unknown>[],
    names: readonly string[],
    failures: string[],
  ): Promise<(string | null)[]> {
    const ids: (string | null)[] = [];
    for (const [n, part] of chunk(records, COLLECTION_LIMIT).entries()) {
      const results = await this.#ctx.client.json(
        {
          method,
          path: '/composite/sobjects',
          idempotent: method === 'PATCH',
          what: `${method === 'POST' ? 'create' : 'update'} ${part.length} records`,
          body: JSON.stringify({ allOrNone: false, records: part }),
        },
        saveResults,
      );
      part.forEach((_, i) => {
        const r = results[i];
        if (r?.success === true) ids.push(r.id ?? null);
        else {
          ids.push(null);
          failures.push(
            `${names[n * COLLECTION_LIMIT + i] ?? '?'}: ${r?.errors.map((e) => `${e.statusCode} ${e.message}`).join(', ') ?? 'no result'}`,
          );
        }
      });
    }
    return ids;
  }
}
