// Tooling `PlatformEventChannelMember`: selecting an object's change events on the standard
// `ChangeEvents` channel (what Setup → Change Data Capture does). The sandbox publishes change
// events only for selected objects.
// https://developer.salesforce.com/docs/atlas.en-us.api_tooling.meta/api_tooling/tooling_api_objects_platformeventchannelmember.htm

import { z } from 'zod';
import { SfApiError } from '../errors.ts';
import type { SalesforceOrg } from '../store/org.ts';
import { CHANGE_EVENTS_CHANNEL } from './change-log.ts';

const body = z
  .object({
    FullName: z.string().min(1),
    Metadata: z.object({ eventChannel: z.string().min(1), selectedEntity: z.string().min(1) }).loose(),
  })
  .loose();

/** Objects whose change events the sandbox can publish. */
const SUPPORTED = new Set(['Opportunity', 'Account', 'Contact', 'Task', 'User']);

export function createChannelMember(org: SalesforceOrg, raw: unknown, userId: string): string {
  const parsed = body.safeParse(raw);
  if (!parsed.success)
    throw new SfApiError(400, 'REQUIRED_FIELD_MISSING', 'Required fields are missing: [FullName, Metadata]', [
      'FullName',
      'Metadata',
    ]);
  const { FullName, Metadata } = parsed.data;
  if (Metadata.eventChannel !== CHANGE_EVENTS_CHANNEL)
    throw new SfApiError(
      400,
      'FIELD_INTEGRITY_EXCEPTION',
      `Metadata.eventChannel: no channel ${Metadata.eventChannel}`,
      [],
    );
  const entity = /^(\w+)ChangeEvent$/.exec(Metadata.selectedEntity)?.[1];
  if (entity === undefined || !SUPPORTED.has(entity) || org.table(entity) === undefined)
    throw new SfApiError(
      400,
      'FIELD_INTEGRITY_EXCEPTION',
      `Metadata.selectedEntity: ${Metadata.selectedEntity} is not an entity that supports change events`,
      [],
    );
  const existing = [...(org.table('PlatformEventChannelMember')?.rows.values() ?? [])].find(
    (r) => r['IsDeleted'] !== true && String(r['FullName']).toLowerCase() === FullName.toLowerCase(),
  );
  if (existing !== undefined)
    throw new SfApiError(400, 'DUPLICATE_DEVELOPER_NAME', `There is already a member named ${FullName}.`, []);
  const row = org.insert(
    'PlatformEventChannelMember',
    {
      DeveloperName: FullName,
      FullName,
      EventChannel: CHANGE_EVENTS_CHANNEL,
      SelectedEntity: `${entity}ChangeEvent`,
      Metadata: JSON.stringify({ eventChannel: CHANGE_EVENTS_CHANNEL, selectedEntity: `${entity}ChangeEvent` }),
    },
    userId,
  );
  return String(row['Id']);
}

export function deleteChannelMember(org: SalesforceOrg, id: string, userId: string): void {
  const row = org.table('PlatformEventChannelMember')?.rows.get(id);
  if (row === undefined || row['IsDeleted'] === true)
    throw new SfApiError(404, 'NOT_FOUND', 'The requested resource does not exist');
  org.softDelete('PlatformEventChannelMember', id, userId);
}

/** A provisioned sandbox has Opportunity and Account change events selected. */
export function selectDefaultChangeEvents(org: SalesforceOrg, userId: string): void {
  for (const entity of ['Opportunity', 'Account'])
    createChannelMember(
      org,
      {
        FullName: `${CHANGE_EVENTS_CHANNEL}_${entity}ChangeEvent`,
        Metadata: { eventChannel: CHANGE_EVENTS_CHANNEL, selectedEntity: `${entity}ChangeEvent` },
      },
      userId,
    );
}
