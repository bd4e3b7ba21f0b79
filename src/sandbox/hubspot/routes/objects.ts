// CRM objects v3 for deals, companies and tasks: list (id-ordered `after` paging, archived
// records only with `archived=true`), get, create (with associations), update, archive, and the
// batch read/create/update/upsert/archive endpoints (≤ 100 inputs; an invalid input rejects the
// whole update/upsert batch).
// https://developers.hubspot.com/docs/api-reference/crm-objects-v3/guide

import { Router, type Request } from 'express';
import { z } from 'zod';
import { limitValue } from '../../personality.ts';
import { HubspotError, notFound, validationError } from '../errors.ts';
import {
  batchEnvelope,
  boolParam,
  checkBatchSize,
  intParam,
  jsonBody,
  listParam,
  objectTypeParam,
  param,
  parseBody,
  type HubspotDeps,
} from '../http.ts';
import { ASSOCIATION_TYPES, type HsObjectType } from '../object-types.ts';
import { hideFromSearch, writeProps, type HsRecord } from '../records.ts';
import { recordToApi, type ReadShape } from '../to-api.ts';
import { validateWrite } from '../values.ts';
import { associationDenied, missingOnCreate, missingOnUpdate, refusalError, type Refusal } from '../portal-rules.ts';
import { apiVersionOf } from '../versions.ts';

const propertiesSchema = z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()]));
const associationSchema = z.object({
  to: z.object({ id: z.union([z.string(), z.number()]).transform(String) }),
  types: z.array(z.object({ associationCategory: z.string(), associationTypeId: z.number().int() })).min(1),
});
const createSchema = z.object({
  properties: propertiesSchema,
  associations: z.array(associationSchema).optional(),
  objectWriteTraceId: z.string().optional(),
});
const updateSchema = z.object({ properties: propertiesSchema });
const idSchema = z.union([z.string(), z.number()]).transform(String);
const batchReadSchema = z.object({
  inputs: z.array(z.object({ id: idSchema })),
  properties: z.array(z.string()).optional(),
  propertiesWithHistory: z.array(z.string()).optional(),
  idProperty: z.string().optional(),
});
const batchCreateSchema = z.object({ inputs: z.array(createSchema) });
const batchUpdateSchema = z.object({
  inputs: z.array(
    z.object({
      id: idSchema,
      properties: propertiesSchema,
      idProperty: z.string().optional(),
      objectWriteTraceId: z.string().optional(),
    }),
  ),
});
const batchUpsertSchema = z.object({
  inputs: z.array(
    z.object({
      id: idSchema,
      idProperty: z.string(),
      properties: propertiesSchema,
      objectWriteTraceId: z.string().optional(),
    }),
  ),
});
const batchArchiveSchema = z.object({ inputs: z.array(z.object({ id: idSchema })) });

type Props = z.infer<typeof propertiesSchema>;
type AssociationInput = z.infer<typeof associationSchema>;

export function objectRoutes({ state, ctx }: HubspotDeps): Router {
  const router = Router();
  const now = (): number => ctx.clock.now();
  const lagMs = ctx.options.searchLagMs;
  const required = (type: HsObjectType): string[] => (type === 'tasks' ? ['hs_timestamp'] : []);

  const readShape = (req: Request): ReadShape => ({
    properties: listParam(req.query['properties']),
    propertiesWithHistory: listParam(req.query['propertiesWithHistory']),
    associations: listParam(req.query['associations']),
  });

  router.get('/crm/v3/objects/:objectType', (req, res) => {
    const type = objectTypeParam(param(req, 'objectType'));
    const shape = readShape(req);
    const historyMax = limitValue(ctx.limits, 'hubspot.history.pageSize', 50);
    const listMax = limitValue(ctx.limits, 'hubspot.list.pageSize', 100) ?? Infinity;
    let limit = Math.min(intParam(req.query['limit'], 10), listMax);
    // HubSpot serves at most 50 records per page when property history is requested.
    if (shape.propertiesWithHistory?.length && historyMax !== null) limit = Math.min(limit, historyMax);
    const after = intParam(req.query['after'], 0);
    const page = state.tables[type].page(after, Math.max(limit, 1), boolParam(req.query['archived']));
    const body: Record<string, unknown> = { results: page.records.map((r) => recordToApi(state, type, r, shape)) };
    if (page.next !== null) {
      const link = `${req.protocol}://${req.get('host') ?? ''}${req.originalUrl.split('?')[0] ?? ''}?after=${page.next}`;
      body['paging'] = { next: { after: String(page.next), link } };
    }
    res.json(body);
  });

  router.post('/crm/v3/objects/:objectType', jsonBody, (req, res) => {
    const type = objectTypeParam(param(req, 'objectType'));
    const input = parseBody(createSchema, req.body);
    if (apiVersionOf(res) === '2026-09') enforceCreate(type, [input]);
    const record = create(type, input.properties, input.associations ?? []);
    res.status(201).json(recordToApi(state, type, record, { properties: Object.keys(input.properties) }));
  });

  router.post('/crm/v3/objects/:objectType/batch/read', jsonBody, (req, res) => {
    const type = objectTypeParam(param(req, 'objectType'));
    const input = parseBody(batchReadSchema, req.body);
    checkBatchSize(input.inputs.length, ctx.limits);
    if (input.propertiesWithHistory?.length)
      checkBatchSize(input.inputs.length, ctx.limits, 'hubspot.history.pageSize', 50);
    const started = now();
    const archived = boolParam(req.query['archived']);
    const results: Record<string, unknown>[] = [];
    const missing: string[] = [];
    for (const { id } of input.inputs) {
      const record = findRecord(type, id, input.idProperty);
      if (!record || (record.archivedAt !== null) !== archived) missing.push(id);
      else
        results.push(
          recordToApi(state, type, record, {
            properties: input.properties,
            propertiesWithHistory: input.propertiesWithHistory,
          }),
        );
    }
    const errors =
      missing.length === 0
        ? []
        : [
            {
              status: 'error',
              category: 'OBJECT_NOT_FOUND',
              message: `Could not get some ${type} objects, they may be deleted or not exist. Check that ids are valid.`,
              context: { ids: missing },
              errors: [],
              links: {},
            },
          ];
    res.status(errors.length > 0 ? 207 : 200).json(batchEnvelope(results, started, now(), errors));
  });

  router.post('/crm/v3/objects/:objectType/batch/create', jsonBody, (req, res) => {
    const type = objectTypeParam(param(req, 'objectType'));
    const { inputs } = parseBody(batchCreateSchema, req.body);
    checkBatchSize(inputs.length, ctx.limits);
    if (apiVersionOf(res) === '2026-09') enforceCreate(type, inputs);
    const started = now();
    // With objectWriteTraceId HubSpot reports per-input failures (207); without, one bad input fails all.
    const traced = inputs.some((i) => i.objectWriteTraceId !== undefined);
    const errors: unknown[] = [];
    const valid = inputs.filter((input) => {
      try {
        validateWrite(type, state.properties[type], input.properties, required(type));
        checkAssociations(type, input.associations ?? []);
        return true;
      } catch (err) {
        if (!traced || !(err instanceof HubspotError)) throw err;
        errors.push(batchError(err, input.objectWriteTraceId));
        return false;
      }
    });
    const results = valid.map((input) => {
      const record = create(type, input.properties, input.associations ?? []);
      const out = recordToApi(state, type, record, { properties: Object.keys(input.properties) });
      if (input.objectWriteTraceId !== undefined) out['objectWriteTraceId'] = input.objectWriteTraceId;
      return out;
    });
    res.status(errors.length > 0 ? 207 : 201).json(batchEnvelope(results, started, now(), errors));
  });

  router.post('/crm/v3/objects/:objectType/batch/update', jsonBody, (req, res) => {
    const type = objectTypeParam(param(req, 'objectType'));
    const { inputs } = parseBody(batchUpdateSchema, req.body);
    checkBatchSize(inputs.length, ctx.limits);
    const started = now();
    const ids = inputs.map((i) => i.id);
    const duplicates = ids.filter((id, i) => ids.indexOf(id) !== i);
    if (duplicates.length > 0)
      throw validationError(
        `Duplicate IDs found in batch input: [${[...new Set(duplicates)].join(', ')}]. IDs must be unique`,
      );
    // Validate everything first: HubSpot applies none of the batch when one input is invalid.
    const planned = inputs.map((input) => {
      const record = findRecord(type, input.id, input.idProperty);
      if (!record || record.archivedAt !== null)
        throw notFound(`Object ${input.id} of type ${type} not found (batch rejected).`);
      return { record, values: validateWrite(type, state.properties[type], input.properties), input };
    });
    if (apiVersionOf(res) === '2026-09')
      enforceUpdate(
        type,
        planned.map((p) => ({ id: p.input.id, record: p.record, values: p.values })),
      );
    const results = planned.map(({ record, values, input }) => {
      update(record, values);
      const out = recordToApi(state, type, record, { properties: Object.keys(input.properties) });
      if (input.objectWriteTraceId !== undefined) out['objectWriteTraceId'] = input.objectWriteTraceId;
      return out;
    });
    res.json(batchEnvelope(results, started, now()));
  });

  router.post('/crm/v3/objects/:objectType/batch/upsert', jsonBody, (req, res) => {
    const type = objectTypeParam(param(req, 'objectType'));
    const { inputs } = parseBody(batchUpsertSchema, req.body);
    checkBatchSize(inputs.length, ctx.limits);
    const started = now();
    const planned = inputs.map((input) => {
      const def = state.properties[type].get(input.idProperty);
      if (!def?.hasUniqueValue)
        throw validationError(
          `idProperty ${input.idProperty} is not a unique-value property of ${type}; upsert needs one.`,
        );
      const values = validateWrite(
        type,
        state.properties[type],
        { ...input.properties, [input.idProperty]: input.id },
        required(type),
      );
      return { input, values, record: findRecord(type, input.id, input.idProperty) };
    });
    const results = planned.map(({ input, values, record }) => {
      const isNew = !record || record.archivedAt !== null;
      const target = isNew ? insert(type, values) : record;
      if (!isNew) update(target, values);
      return { ...recordToApi(state, type, target, { properties: Object.keys(input.properties) }), new: isNew };
    });
    res.json(batchEnvelope(results, started, now()));
  });

  router.post('/crm/v3/objects/:objectType/batch/archive', jsonBody, (req, res) => {
    const type = objectTypeParam(param(req, 'objectType'));
    const { inputs } = parseBody(batchArchiveSchema, req.body);
    checkBatchSize(inputs.length, ctx.limits);
    for (const { id } of inputs) {
      const record = state.tables[type].get(id);
      if (record && record.archivedAt === null) archive(record);
    }
    res.status(204).end();
  });

  router.get('/crm/v3/objects/:objectType/:objectId', (req, res) => {
    const type = objectTypeParam(param(req, 'objectType'));
    const record = findRecord(type, param(req, 'objectId'), stringParam(req.query['idProperty']));
    if (!record || (record.archivedAt !== null) !== boolParam(req.query['archived']))
      throw notFound(`Object not found.  objectId are usually numeric.`);
    res.json(recordToApi(state, type, record, readShape(req)));
  });

  router.patch('/crm/v3/objects/:objectType/:objectId', jsonBody, (req, res) => {
    const type = objectTypeParam(param(req, 'objectType'));
    const record = findRecord(type, param(req, 'objectId'), stringParam(req.query['idProperty']));
    if (!record || record.archivedAt !== null) throw notFound(`Object not found.  objectId are usually numeric.`);
    const input = parseBody(updateSchema, req.body);
    const values = validateWrite(type, state.properties[type], input.properties);
    if (apiVersionOf(res) === '2026-09') enforceUpdate(type, [{ id: record.id, record, values }]);
    update(record, values);
    res.json(recordToApi(state, type, record, { properties: Object.keys(input.properties) }));
  });

  router.delete('/crm/v3/objects/:objectType/:objectId', (req, res) => {
    const type = objectTypeParam(param(req, 'objectType'));
    const record = state.tables[type].get(param(req, 'objectId'));
    if (record && record.archivedAt === null) archive(record);
    res.status(204).end();
  });

  /** The portal's rules for updates (2026-09): a refused input fails the whole batch, named. */
  function enforceUpdate(
    type: HsObjectType,
    inputs: readonly { id: string; record: HsRecord; values: Record<string, string> }[],
  ): void {
    const refusals: Refusal[] = inputs.flatMap(({ id, record, values }, index) => {
      const missing = missingOnUpdate(state.rules, type, { ...record.props, ...values });
      if (missing.length === 0) return [];
      return [
        {
          index,
          objectId: id,
          code: 'CONDITIONALLY_REQUIRED_PROPERTY_MISSING' as const,
          message: `${type} ${id}: ${missing.join(', ')} must have a value (a conditionally required property of this portal)`,
          properties: missing,
        },
      ];
    });
    if (refusals.length > 0) throw refusalError(state.rules, refusals);
  }

  /** The portal's rules for creates (2026-09): required form fields and association permissions. */
  function enforceCreate(
    type: HsObjectType,
    inputs: readonly {
      properties: Props;
      associations?: AssociationInput[] | undefined;
      objectWriteTraceId?: string | undefined;
    }[],
  ): void {
    const refusals: Refusal[] = inputs.flatMap((input, index) => {
      const out: Refusal[] = [];
      const trace = input.objectWriteTraceId === undefined ? {} : { traceId: input.objectWriteTraceId };
      const missing = missingOnCreate(state.rules, type, input.properties);
      if (missing.length > 0)
        out.push({
          index,
          ...trace,
          code: 'REQUIRED_PROPERTY_MISSING',
          message: `${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} required to create a record of ${type} in this portal`,
          properties: missing,
        });
      for (const a of input.associations ?? []) {
        const to = targetType(type, a);
        if (associationDenied(state.rules, type, to))
          out.push({
            index,
            ...trace,
            code: 'ASSOCIATION_NOT_PERMITTED',
            message: `the user of this token may not associate ${type} with ${to}`,
            toObjectType: to,
          });
      }
      return out;
    });
    if (refusals.length > 0) throw refusalError(state.rules, refusals);
  }

  function findRecord(type: HsObjectType, id: string, idProperty: string | undefined): HsRecord | undefined {
    if (idProperty === undefined || idProperty === 'hs_object_id') return state.tables[type].get(id);
    const def = state.properties[type].get(idProperty);
    if (!def?.hasUniqueValue)
      throw validationError(`idProperty ${idProperty} is not a unique-value property of ${type}.`);
    return state.tables[type].all().find((r) => r.props[idProperty] === id);
  }

  function create(type: HsObjectType, properties: Props, associations: readonly AssociationInput[]): HsRecord {
    const values = validateWrite(type, state.properties[type], properties, required(type));
    checkAssociations(type, associations);
    const record = insert(type, values);
    for (const a of associations) {
      const to = targetType(type, a);
      state.associations.add(
        type,
        record.id,
        to,
        a.to.id,
        a.types.map((t) => t.associationTypeId),
      );
    }
    return record;
  }

  function insert(type: HsObjectType, values: Record<string, string>): HsRecord {
    const props: Record<string, string> = {};
    for (const [k, v] of Object.entries(values)) if (v !== '') props[k] = v;
    const record = state.newRecord(type, props, now(), 'API');
    hideFromSearch(record, now(), lagMs, true);
    return record;
  }

  function update(record: HsRecord, values: Record<string, string>): void {
    const at = now();
    // An update that changes nothing leaves the record (and its modified date) alone.
    if (!Object.entries(values).some(([name, value]) => (record.props[name] ?? '') !== value)) return;
    hideFromSearch(record, at, lagMs, false);
    const changed = Object.keys(values).filter((name) => (record.props[name] ?? '') !== values[name]);
    writeProps(record, values, at, 'API');
    record.updatedAt = at;
    state.recordChanged(record, 'UPDATE', changed);
  }

  function archive(record: HsRecord): void {
    hideFromSearch(record, now(), lagMs, false);
    record.archivedAt = now();
    record.updatedAt = now();
    state.recordChanged(record, 'DELETE');
  }

  function targetType(type: HsObjectType, a: AssociationInput): HsObjectType {
    const def = ASSOCIATION_TYPES.find((t) => t.from === type && a.types.some((s) => s.associationTypeId === t.typeId));
    if (!def)
      throw validationError(
        `Association type id ${a.types.map((t) => t.associationTypeId).join(', ')} is not valid from ${type}.`,
        [{ message: 'invalid association type', code: 'INVALID_ASSOCIATION_TYPE' }],
      );
    return def.to;
  }

  function checkAssociations(type: HsObjectType, associations: readonly AssociationInput[]): void {
    for (const a of associations) {
      const to = targetType(type, a);
      for (const t of a.types) {
        if (!ASSOCIATION_TYPES.some((d) => d.from === type && d.to === to && d.typeId === t.associationTypeId)) {
          throw validationError(
            `Association type ids ${a.types.map((s) => s.associationTypeId).join(', ')} do not all link ${type} to the same object type.`,
          );
        }
      }
      const target = state.tables[to].get(a.to.id);
      if (!target || target.archivedAt !== null)
        throw validationError(`${to} ${a.to.id} does not exist; cannot create the association.`, [
          { message: `No ${to} with id ${a.to.id}`, code: 'ASSOCIATION_TARGET_NOT_FOUND', context: { id: [a.to.id] } },
        ]);
    }
  }

  return router;
}

function stringParam(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function batchError(err: HubspotError, traceId: string | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {
    status: 'error',
    category: err.category,
    message: err.message,
    context: {},
    errors: err.errors ?? [],
    links: {},
  };
  if (traceId !== undefined) out['context'] = { objectWriteTraceId: [traceId] };
  return out;
}
