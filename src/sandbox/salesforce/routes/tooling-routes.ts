// Tooling API writes on CustomField (create, update Metadata, delete). Reads, describe and
// tooling/query are served by the sObject and query routes.
// https://developer.salesforce.com/docs/atlas.en-us.api_tooling.meta/api_tooling/intro_rest_resources.htm

import { Router } from 'express';
import type { Request, Response } from 'express';
import { createCustomField, deleteCustomField, updateCustomField } from '../custom-field-service.ts';
import { normalizeId } from '../ids.ts';
import { createChannelMember, deleteChannelMember } from '../pubsub/channel-members.ts';
import { SfApiError } from '../errors.ts';
import type { SfServices } from '../services.ts';
import { callerOf } from '../services.ts';
import { apiVersion, objectBody, param } from './route-helpers.ts';

function customFieldOnly(req: Request): void {
  apiVersion(req);
  if (param(req, 'object').toLowerCase() !== 'customfield') {
    throw new SfApiError(
      400,
      'INVALID_TYPE_FOR_OPERATION',
      `The partnersync sandbox only writes CustomField through the Tooling API, not ${param(req, 'object')}`,
    );
  }
}

export function toolingRoutes(services: SfServices): Router {
  const router = Router();
  const root = '/services/data/:version/tooling/sobjects/:object';
  const members = '/services/data/:version/tooling/sobjects/PlatformEventChannelMember';
  router.post(members, (req: Request, res: Response) => {
    apiVersion(req);
    const id = createChannelMember(services.org, objectBody(req), callerOf(services, req).userId);
    res.status(201).json({ id, success: true, errors: [], warnings: [], infos: [] });
  });
  router.delete(`${members}/:id`, (req: Request, res: Response) => {
    apiVersion(req);
    deleteChannelMember(services.org, normalizeId(param(req, 'id')) ?? '', callerOf(services, req).userId);
    res.status(204).end();
  });
  router.post(root, (req: Request, res: Response) => {
    customFieldOnly(req);
    const id = createCustomField(services.org, objectBody(req), callerOf(services, req).userId);
    res.status(201).json({ id, success: true, errors: [], warnings: [], infos: [] });
  });
  router.patch(`${root}/:id`, (req: Request, res: Response) => {
    customFieldOnly(req);
    updateCustomField(services.org, param(req, 'id'), objectBody(req), callerOf(services, req).userId);
    res.status(204).end();
  });
  router.delete(`${root}/:id`, (req: Request, res: Response) => {
    customFieldOnly(req);
    deleteCustomField(services.org, param(req, 'id'));
    res.status(204).end();
  });
  return router;
}
