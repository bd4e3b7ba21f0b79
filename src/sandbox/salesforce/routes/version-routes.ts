// `/services/data/` (versions, no token, not counted), `/services/data/vXX.X/` (resources) and
// `/limits`.
// https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_versions.htm
// https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_limits.htm

import { Router } from 'express';
import type { Request, Response } from 'express';
import type { SfServices } from '../services.ts';
import { callerOf } from '../services.ts';
import { API_VERSIONS, apiVersion, origin, releaseLabel } from './route-helpers.ts';

const RESOURCES = [
  'tooling',
  'metadata',
  'eclair',
  'folders',
  'prechatForms',
  'contact-tracing',
  'jsonxform',
  'chatter',
  'tabs',
  'appMenu',
  'quickActions',
  'queryAll',
  'commerce',
  'wave',
  'iot',
  'analytics',
  'search',
  'identity',
  'composite',
  'parameterizedSearch',
  'fingerprint',
  'theme',
  'nouns',
  'domino',
  'event',
  'serviceTemplates',
  'recent',
  'connect',
  'licensing',
  'limits',
  'process',
  'async-queries',
  'query',
  'match',
  'emailConnect',
  'compactLayouts',
  'knowledgeManagement',
  'sobjects',
  'actions',
  'support',
  'jobs',
];

function versionsList(_req: Request, res: Response): void {
  res.json(
    API_VERSIONS.map((version) => ({ label: releaseLabel(version), url: `/services/data/v${version}`, version })),
  );
}

function resources(services: SfServices) {
  return (req: Request, res: Response): void => {
    const version = apiVersion(req);
    const out: Record<string, string> = {};
    for (const name of RESOURCES) out[name] = `/services/data/v${version}/${name}`;
    out['identity'] = `${origin(req)}/id/${services.org.orgId}/${callerOf(services, req).userId}`;
    res.json(out);
  };
}

function limits(services: SfServices) {
  return (req: Request, res: Response): void => {
    apiVersion(req);
    const allocation = services.settings.allocation;
    const used = services.usage.used();
    const bulkJobs = services.jobs.all().length;
    const pair = (max: number, remaining: number): { Max: number; Remaining: number } => ({
      Max: max,
      Remaining: Math.max(0, remaining),
    });
    res.json({
      ConcurrentAsyncGetReportInstances: pair(200, 200),
      ConcurrentSyncReportRuns: pair(20, 20),
      DailyApiRequests: pair(allocation, allocation - used),
      DailyAsyncApexExecutions: pair(250_000, 250_000),
      DailyBulkApiBatches: pair(15_000, 15_000),
      DailyBulkV2QueryFileStorageMB: pair(976_562, 976_562),
      DailyBulkV2QueryJobs: pair(10_000, 10_000 - bulkJobs),
      DataStorageMB: pair(5_120, 5_120),
      FileStorageMB: pair(20_480, 20_480),
      HourlyODataCallout: pair(10_000, 10_000),
      SingleEmail: pair(5_000, 5_000),
    });
  };
}

export function versionRoutes(services: SfServices): Router {
  const router = Router();
  router.get(['/services/data', '/services/data/'], versionsList);
  router.get(['/services/data/:version', '/services/data/:version/'], resources(services));
  router.get('/services/data/:version/limits', limits(services));
  return router;
}
