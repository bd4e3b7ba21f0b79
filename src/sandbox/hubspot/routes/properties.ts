// Properties and property groups (v3) for deals, companies and tasks, with HubSpot's rules:
// name `^[a-z][a-z0-9_]*$`, valid type/fieldType pairs, options without leading/trailing spaces,
// 409 on a duplicate name, PATCH replacing `options` whole.
// https://developers.hubspot.com/docs/api-reference/crm-properties-v3/guide

import { Router } from 'express';
import { z } from 'zod';
import { conflict, HubspotError, notFound, validationError } from '../errors.ts';
import {
  batchEnvelope,
  boolParam,
  checkBatchSize,
  jsonBody,
  objectTypeParam,
  param,
  parseBody,
  type HubspotDeps,
} from '../http.ts';
import type { HsObjectType } from '../object-types.ts';
import {
  FIELD_TYPES,
  groupToApi,
  PROPERTY_NAME,
  propertyToApi,
  type HsOption,
  type HsPropertyDef,
} from '../property-defs.ts';

const optionSchema = z.object({
  label: z.string(),
  value: z.string(),
  hidden: z.boolean().optional(),
  displayOrder: z.number().int().optional(),
  description: z.string().optional(),
});
const createSchema = z.object({
  name: z.string({ error: 'name is required' }),
  label: z.string({ error: 'label is required' }),
  type: z.string({ error: 'type is required' }),
  fieldType: z.string({ error: 'fieldType is required' }),
  groupName: z.string({ error: 'groupName is required' }),
  description: z.string().optional(),
  options: z.array(optionSchema).optional(),
  displayOrder: z.number().int().optional(),
  hasUniqueValue: z.boolean().optional(),
  hidden: z.boolean().optional(),
  formField: z.boolean().optional(),
  externalOptions: z.boolean().optional(),
  calculationFormula: z.string().optional(),
  referencedObjectType: z.string().optional(),
});
const updateSchema = createSchema.omit({ name: true, hasUniqueValue: true }).partial();
const groupCreateSchema = z.object({ name: z.string(), label: z.string(), displayOrder: z.number().int().optional() });
const groupUpdateSchema = z.object({ label: z.string().optional(), displayOrder: z.number().int().optional() });
const batchCreateSchema = z.object({ inputs: z.array(createSchema) });
const batchNamesSchema = z.object({
  inputs: z.array(z.object({ name: z.string() })),
  archived: z.boolean().optional(),
});

export function propertyRoutes({ state, ctx }: HubspotDeps): Router {
  const router = Router();
  const now = (): number => ctx.clock.now();
  const defs = (type: HsObjectType): Map<string, HsPropertyDef> => state.properties[type];

  router.get('/crm/v3/properties/:objectType/groups', (req, res) => {
    const type = objectTypeParam(param(req, 'objectType'));
    res.json({ results: [...state.groups[type].values()].filter((g) => !g.archived).map(groupToApi) });
  });
  router.post('/crm/v3/properties/:objectType/groups', jsonBody, (req, res) => {
    const type = objectTypeParam(param(req, 'objectType'));
    const input = parseBody(groupCreateSchema, req.body);
    if (!PROPERTY_NAME.test(input.name))
      throw validationError(
        `Group name "${input.name}" is invalid: it must start with a lowercase letter and contain only lowercase letters, digits and underscores.`,
      );
    if (state.groups[type].get(input.name)?.archived === false)
      throw conflict(`A property group named '${input.name}' already exists.`, 'PropertyGroupError.GROUP_EXISTS');
    const group = { name: input.name, label: input.label, displayOrder: input.displayOrder ?? -1, archived: false };
    state.groups[type].set(group.name, group);
    res.status(201).json(groupToApi(group));
  });
  router.get('/crm/v3/properties/:objectType/groups/:groupName', (req, res) => {
    res.json(groupToApi(liveGroup(objectTypeParam(param(req, 'objectType')), param(req, 'groupName'))));
  });
  router.patch('/crm/v3/properties/:objectType/groups/:groupName', jsonBody, (req, res) => {
    const group = liveGroup(objectTypeParam(param(req, 'objectType')), param(req, 'groupName'));
    const input = parseBody(groupUpdateSchema, req.body);
    if (input.label !== undefined) group.label = input.label;
    if (input.displayOrder !== undefined) group.displayOrder = input.displayOrder;
    res.json(groupToApi(group));
  });
  router.delete('/crm/v3/properties/:objectType/groups/:groupName', (req, res) => {
    liveGroup(objectTypeParam(param(req, 'objectType')), param(req, 'groupName')).archived = true;
    res.status(204).end();
  });

  router.post('/crm/v3/properties/:objectType/batch/create', jsonBody, (req, res) => {
    const type = objectTypeParam(param(req, 'objectType'));
    const { inputs } = parseBody(batchCreateSchema, req.body);
    checkBatchSize(inputs.length, ctx.limits);
    const started = now();
    for (const input of inputs) checkDefinition(type, input);
    const results: Record<string, unknown>[] = [];
    const errors: Record<string, unknown>[] = [];
    for (const input of inputs) {
      if (defs(type).get(input.name)?.archived === false) {
        errors.push({
          status: 'error',
          category: 'OBJECT_ALREADY_EXISTS',
          subCategory: 'PropertyCreateError.PROPERTY_EXISTS',
          message: `Property named '${input.name}' already exists.`,
          context: { name: [input.name] },
          errors: [],
          links: {},
        });
        continue;
      }
      results.push(propertyToApi(createProperty(type, input)));
    }
    res.status(errors.length > 0 ? 207 : 201).json(batchEnvelope(results, started, now(), errors));
  });
  router.post('/crm/v3/properties/:objectType/batch/read', jsonBody, (req, res) => {
    const type = objectTypeParam(param(req, 'objectType'));
    const { inputs, archived } = parseBody(batchNamesSchema, req.body);
    const started = now();
    const found = inputs
      .map((i) => defs(type).get(i.name))
      .filter((p): p is HsPropertyDef => p !== undefined && p.archived === (archived ?? false));
    res.json(batchEnvelope(found.map(propertyToApi), started, now()));
  });
  router.post('/crm/v3/properties/:objectType/batch/archive', jsonBody, (req, res) => {
    const type = objectTypeParam(param(req, 'objectType'));
    const { inputs } = parseBody(batchNamesSchema, req.body);
    for (const input of inputs) archiveProperty(type, input.name);
    res.status(204).end();
  });

  router.get('/crm/v3/properties/:objectType', (req, res) => {
    const type = objectTypeParam(param(req, 'objectType'));
    const archived = boolParam(req.query['archived']);
    res.json({ results: [...defs(type).values()].filter((p) => p.archived === archived).map(propertyToApi) });
  });
  router.post('/crm/v3/properties/:objectType', jsonBody, (req, res) => {
    const type = objectTypeParam(param(req, 'objectType'));
    const input = parseBody(createSchema, req.body);
    checkDefinition(type, input);
    if (defs(type).get(input.name)?.archived === false) {
      throw new HubspotError(409, 'OBJECT_ALREADY_EXISTS', `Property named '${input.name}' already exists.`, {
        subCategory: 'PropertyCreateError.PROPERTY_EXISTS',
        context: { name: [input.name] },
      });
    }
    res.status(201).json(propertyToApi(createProperty(type, input)));
  });
  router.get('/crm/v3/properties/:objectType/:propertyName', (req, res) => {
    const type = objectTypeParam(param(req, 'objectType'));
    const def = defs(type).get(param(req, 'propertyName'));
    if (!def || def.archived !== boolParam(req.query['archived']))
      throw notFound(`Property ${param(req, 'propertyName')} does not exist`);
    res.json(propertyToApi(def));
  });
  router.patch('/crm/v3/properties/:objectType/:propertyName', jsonBody, (req, res) => {
    const type = objectTypeParam(param(req, 'objectType'));
    const def = liveProperty(type, param(req, 'propertyName'));
    const input = parseBody(updateSchema, req.body);
    if (def.hubspotDefined && (input.type !== undefined || input.fieldType !== undefined)) {
      throw validationError(`Property ${def.name} is defined by HubSpot: its type cannot be changed.`);
    }
    const merged = { ...def, ...definedOnly(input), name: def.name };
    checkDefinition(type, { ...merged, options: input.options ?? def.options });
    Object.assign(
      def,
      definedOnly({
        label: input.label,
        type: input.type,
        fieldType: input.fieldType,
        groupName: input.groupName,
        description: input.description,
        displayOrder: input.displayOrder,
        hidden: input.hidden,
        formField: input.formField,
      }),
    );
    // PATCH replaces the option list whole: options left out of the request are gone.
    if (input.options !== undefined) def.options = toOptions(input.options);
    def.updatedAt = now();
    res.json(propertyToApi(def));
  });
  router.delete('/crm/v3/properties/:objectType/:propertyName', (req, res) => {
    archiveProperty(objectTypeParam(param(req, 'objectType')), param(req, 'propertyName'));
    res.status(204).end();
  });

  function liveGroup(type: HsObjectType, name: string) {
    const group = state.groups[type].get(name);
    if (!group || group.archived) throw notFound(`Property group ${name} does not exist`);
    return group;
  }

  function liveProperty(type: HsObjectType, name: string): HsPropertyDef {
    const def = defs(type).get(name);
    if (!def || def.archived) throw notFound(`Property ${name} does not exist`);
    return def;
  }

  function archiveProperty(type: HsObjectType, name: string): void {
    const def = liveProperty(type, name);
    if (def.hubspotDefined) throw validationError(`Property ${name} is defined by HubSpot and cannot be archived.`);
    def.archived = true;
    def.archivedAt = now();
  }

  function checkDefinition(
    type: HsObjectType,
    input: {
      name: string;
      type?: string | undefined;
      fieldType?: string | undefined;
      groupName?: string | undefined;
      options?: readonly { label: string; value: string }[] | undefined;
    },
  ): void {
    if (!PROPERTY_NAME.test(input.name)) {
      throw validationError(
        `Property name "${input.name}" is invalid: it must start with a lowercase letter and contain only lowercase letters, digits and underscores.`,
        [
          {
            message: `Invalid property name ${input.name}`,
            code: 'INVALID_PROPERTY_NAME',
            context: { name: [input.name] },
          },
        ],
      );
    }
    const fieldTypes = FIELD_TYPES[input.type ?? ''];
    if (!fieldTypes)
      throw validationError(
        `Property type "${input.type ?? ''}" is not one of: ${Object.keys(FIELD_TYPES).join(', ')}.`,
      );
    if (!fieldTypes.includes(input.fieldType ?? '')) {
      throw validationError(
        `fieldType "${input.fieldType ?? ''}" is not valid for a property of type "${input.type ?? ''}"; use one of: ${fieldTypes.join(', ')}.`,
        [{ message: 'Invalid type/fieldType combination', code: 'INVALID_FIELD_TYPE' }],
      );
    }
    if (input.groupName !== undefined && state.groups[type].get(input.groupName)?.archived !== false) {
      throw validationError(`Property group ${input.groupName} does not exist.`, [
        { message: `group ${input.groupName} does not exist`, code: 'PROPERTY_GROUP_NOT_FOUND' },
      ]);
    }
    checkOptions(input.type ?? '', input.options ?? []);
  }

  function createProperty(type: HsObjectType, input: z.infer<typeof createSchema>): HsPropertyDef {
    const at = now();
    const def: HsPropertyDef = {
      name: input.name,
      label: input.label,
      type: input.type,
      fieldType: input.fieldType,
      groupName: input.groupName,
      description: input.description ?? '',
      options: toOptions(input.options ?? []),
      displayOrder: input.displayOrder ?? -1,
      hasUniqueValue: input.hasUniqueValue ?? false,
      hidden: input.hidden ?? false,
      formField: input.formField ?? true,
      calculated: false,
      externalOptions: input.externalOptions ?? false,
      hubspotDefined: false,
      readOnlyValue: false,
      createdAt: at,
      updatedAt: at,
      archived: false,
      archivedAt: null,
    };
    defs(type).set(def.name, def);
    return def;
  }

  return router;
}

function checkOptions(type: string, options: readonly { label: string; value: string }[]): void {
  if (options.length > 0 && type !== 'enumeration' && type !== 'bool')
    throw validationError(`Options are only allowed on enumeration properties, not ${type}.`);
  const seen = new Set<string>();
  for (const o of options) {
    for (const [field, text] of [
      ['value', o.value],
      ['label', o.label],
    ] as const) {
      if (text.trim() === '')
        throw validationError(`Option ${field} cannot be empty.`, [
          { message: `Empty option ${field}`, code: 'INVALID_OPTION' },
        ]);
      if (text !== text.trim()) {
        throw validationError(`Option ${field} "${text}" has leading or trailing whitespace.`, [
          {
            message: `Option ${field} "${text}" has leading or trailing whitespace`,
            code: 'INVALID_OPTION',
            context: { [field]: [text] },
          },
        ]);
      }
    }
    if (seen.has(o.value))
      throw validationError(`Option value "${o.value}" is used more than once.`, [
        { message: `Duplicate option value ${o.value}`, code: 'DUPLICATE_OPTION' },
      ]);
    seen.add(o.value);
  }
}

function toOptions(options: readonly z.infer<typeof optionSchema>[]): HsOption[] {
  return options.map((o, i) => {
    const option: HsOption = {
      label: o.label,
      value: o.value,
      displayOrder: o.displayOrder ?? i,
      hidden: o.hidden ?? false,
    };
    if (o.description !== undefined) option.description = o.description;
    return option;
  });
}

/** Drops undefined fields, so a partial update never writes `undefined` over a value. */
function definedOnly<T extends object>(input: T): Partial<{ [K in keyof T]: Exclude<T[K], undefined> }> {
  return Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)) as Partial<{
    [K in keyof T]: Exclude<T[K], undefined>;
  }>;
}
