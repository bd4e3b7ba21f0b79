// Associations v4: batch read (≤ 1,000 ids) with labels, batch create/archive, default links,
// and the label list per object pair. Association changes never bump hs_lastmodifieddate.
// https://developers.hubspot.com/docs/api-reference/crm-associations-v4/guide

import { Router, type Response } from 'express';
import { z } from 'zod';
import { validationError } from '../errors.ts';
import { associationDenied, refusalError } from '../portal-rules.ts';
import { apiVersionOf } from '../versions.ts';
import {
  batchEnvelope,
  checkBatchSize,
  jsonBody,
  objectTypeParam,
  param,
  parseBody,
  type HubspotDeps,
} from '../http.ts';
import {
  ASSOCIATION_TYPES,
  associationType,
  defaultAssociationType,
  OBJECT_TYPE_IDS,
  type HsObjectType,
} from '../object-types.ts';

const idSchema = z.union([z.string(), z.number()]).transform(String);
const readSchema = z.object({ inputs: z.array(z.object({ id: idSchema, after: z.string().optional() })) });
const specSchema = z.object({ associationCategory: z.string(), associationTypeId: z.number().int() });
const createSchema = z.object({
  inputs: z.array(
    z.object({ from: z.object({ id: idSchema }), to: z.object({ id: idSchema }), types: z.array(specSchema).min(1) }),
  ),
});
const archiveSchema = z.object({
  inputs: z.array(z.object({ from: z.object({ id: idSchema }), to: z.array(z.object({ id: idSchema })) })),
});
const defaultSchema = z.object({
  inputs: z.array(z.object({ from: z.object({ id: idSchema }), to: z.object({ id: idSchema }) })),
});

export function associationRoutes({ state, ctx }: HubspotDeps): Router {
  const router = Router();
  const now = (): number => ctx.clock.now();

  const label = (from: HsObjectType, to: HsObjectType, typeId: number): Record<string, unknown> => {
    const def = associationType(from, to, typeId);
    const out: Record<string, unknown> = { category: 'HUBSPOT_DEFINED', typeId };
    // The OpenAPI schema types `label` as a (non-nullable) string: unlabelled types leave it out.
    if (def?.label) out['label'] = def.label;
    return out;
  };

  /** On the 2026-09 API a portal rule may forbid linking these types: every input is refused. */
  const refuseDenied = (
    res: Response,
    from: HsObjectType,
    to: HsObjectType,
    inputs: readonly { from: { id: string } }[],
  ): void => {
    if (apiVersionOf(res) !== '2026-09' || !associationDenied(state.rules, from, to)) return;
    throw refusalError(
      state.rules,
      inputs.map((input, index) => ({
        index,
        objectId: input.from.id,
        code: 'ASSOCIATION_NOT_PERMITTED' as const,
        message: `the user of this token may not associate ${from} with ${to}`,
        toObjectType: to,
      })),
    );
  };

  router.post('/crm/v4/associations/:fromObjectType/:toObjectType/batch/read', jsonBody, (req, res) => {
    const from = objectTypeParam(param(req, 'fromObjectType'));
    const to = objectTypeParam(param(req, 'toObjectType'));
    const { inputs } = parseBody(readSchema, req.body);
    checkBatchSize(inputs.length, ctx.limits, 'hubspot.associations.batch', 1000);
    const started = now();
    const results: unknown[] = [];
    const missing: string[] = [];
    for (const { id } of inputs) {
      const record = state.tables[from].get(id);
      const links = state.associations.list(from, id, to);
      if (!record || record.archivedAt !== null || links.length === 0) {
        missing.push(id);
        continue;
      }
      results.push({
        from: { id },
        to: links.map((l) => ({ toObjectId: l.toId, associationTypes: l.typeIds.map((t) => label(from, to, t)) })),
      });
    }
    // HubSpot reports ids without links as errors of a 207, not as empty results.
    const errors = missing.map((id) => ({
      status: 'error',
      category: 'OBJECT_NOT_FOUND',
      subCategory: 'crm.associations.NO_ASSOCIATIONS_FOUND',
      message: `No ${to.replace(/ies$/, 'y').replace(/s$/, '')} is associated with ${from.replace(/ies$/, 'y').replace(/s$/, '')} ${id}.`,
      context: { fromObjectId: [id] },
      errors: [],
      links: {},
    }));
    res.status(errors.length > 0 ? 207 : 200).json(batchEnvelope(results, started, now(), errors));
  });

  router.post('/crm/v4/associations/:fromObjectType/:toObjectType/batch/create', jsonBody, (req, res) => {
    const from = objectTypeParam(param(req, 'fromObjectType'));
    const to = objectTypeParam(param(req, 'toObjectType'));
    const { inputs } = parseBody(createSchema, req.body);
    checkBatchSize(inputs.length, ctx.limits);
    const started = now();
    for (const input of inputs) {
      for (const t of input.types) {
        if (!associationType(from, to, t.associationTypeId))
          throw validationError(`Association type id ${t.associationTypeId} does not link ${from} to ${to}.`);
      }
      checkExists(from, input.from.id);
      checkExists(to, input.to.id);
    }
    refuseDenied(res, from, to, inputs);
    const results = inputs.map((input) => {
      state.associations.add(
        from,
        input.from.id,
        to,
        input.to.id,
        input.types.map((t) => t.associationTypeId),
      );
      return labelsBetween(from, input.from.id, to, input.to.id);
    });
    res.status(201).json(batchEnvelope(results, started, now()));
  });

  router.post('/crm/v4/associations/:fromObjectType/:toObjectType/batch/associate/default', jsonBody, (req, res) => {
    const from = objectTypeParam(param(req, 'fromObjectType'));
    const to = objectTypeParam(param(req, 'toObjectType'));
    const { inputs } = parseBody(defaultSchema, req.body);
    checkBatchSize(inputs.length, ctx.limits);
    const started = now();
    const type = defaultAssociationType(from, to);
    if (!type) throw validationError(`${from} cannot be associated with ${to}.`);
    for (const input of inputs) {
      checkExists(from, input.from.id);
      checkExists(to, input.to.id);
    }
    refuseDenied(res, from, to, inputs);
    const results = inputs.map((input) => {
      state.associations.add(from, input.from.id, to, input.to.id, [type.typeId]);
      return {
        from: { id: input.from.id },
        to: { id: input.to.id },
        associationSpec: { associationCategory: 'HUBSPOT_DEFINED', associationTypeId: type.typeId },
      };
    });
    res.json(batchEnvelope(results, started, now()));
  });

  router.post('/crm/v4/associations/:fromObjectType/:toObjectType/batch/archive', jsonBody, (req, res) => {
    const from = objectTypeParam(param(req, 'fromObjectType'));
    const to = objectTypeParam(param(req, 'toObjectType'));
    const { inputs } = parseBody(archiveSchema, req.body);
    checkBatchSize(inputs.length, ctx.limits);
    for (const input of inputs)
      for (const target of input.to) state.associations.remove(from, input.from.id, to, target.id);
    res.status(204).end();
  });

  router.get('/crm/v4/associations/:fromObjectType/:toObjectType/labels', (req, res) => {
    const from = objectTypeParam(param(req, 'fromObjectType'));
    const to = objectTypeParam(param(req, 'toObjectType'));
    res.json({
      results: ASSOCIATION_TYPES.filter((t) => t.from === from && t.to === to).map((t) => label(from, to, t.typeId)),
    });
  });

  router.put(
    '/crm/v4/objects/:fromObjectType/:fromObjectId/associations/default/:toObjectType/:toObjectId',
    (req, res) => {
      const from = objectTypeParam(param(req, 'fromObjectType'));
      const to = objectTypeParam(param(req, 'toObjectType'));
      const type = defaultAssociationType(from, to);
      if (!type) throw validationError(`${from} cannot be associated with ${to}.`);
      checkExists(from, param(req, 'fromObjectId'));
      checkExists(to, param(req, 'toObjectId'));
      state.associations.add(from, param(req, 'fromObjectId'), to, param(req, 'toObjectId'), [type.typeId]);
      const started = now();
      res.json(
        batchEnvelope(
          [
            {
              from: { id: param(req, 'fromObjectId') },
              to: { id: param(req, 'toObjectId') },
              associationSpec: { associationCategory: 'HUBSPOT_DEFINED', associationTypeId: type.typeId },
            },
          ],
          started,
          now(),
        ),
      );
    },
  );

  router.get('/crm/v4/objects/:fromObjectType/:fromObjectId/associations/:toObjectType', (req, res) => {
    const from = objectTypeParam(param(req, 'fromObjectType'));
    const to = objectTypeParam(param(req, 'toObjectType'));
    const links = state.associations.list(from, param(req, 'fromObjectId'), to);
    res.json({
      results: links.map((l) => ({ toObjectId: l.toId, associationTypes: l.typeIds.map((t) => label(from, to, t)) })),
    });
  });

  router.delete('/crm/v4/objects/:fromObjectType/:fromObjectId/associations/:toObjectType/:toObjectId', (req, res) => {
    const from = objectTypeParam(param(req, 'fromObjectType'));
    const to = objectTypeParam(param(req, 'toObjectType'));
    state.associations.remove(from, param(req, 'fromObjectId'), to, param(req, 'toObjectId'));
    res.status(204).end();
  });

  function checkExists(type: HsObjectType, id: string): void {
    const record = state.tables[type].get(id);
    if (!record || record.archivedAt !== null)
      throw validationError(`No ${type} with id ${id}.`, [
        { message: `${type} ${id} not found`, code: 'OBJECT_NOT_FOUND', context: { id: [id] } },
      ]);
  }

  function labelsBetween(from: HsObjectType, fromId: string, to: HsObjectType, toId: string): Record<string, unknown> {
    const link = state.associations.list(from, fromId, to).find((l) => l.toId === toId);
    return {
      fromObjectTypeId: OBJECT_TYPE_IDS[from],
      fromObjectId: fromId,
      toObjectTypeId: OBJECT_TYPE_IDS[to],
      toObjectId: toId,
      labels: (link?.typeIds ?? [])
        .map((t) => associationType(from, to, t)?.label)
        .filter((l): l is string => typeof l === 'string'),
    };
  }

  return router;
}
