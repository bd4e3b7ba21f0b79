// `provision` with `crm.hubspot.events: journal`: the webhooks journal shows only events of
// subscriptions made through its subscription API, so partnersync makes them — deal and company
// changes, and deal–company link changes — and shows each in the plan (create / update / ok).
// Never removes: an existing subscription keeps its actions and gains ours.
// https://developers.hubspot.com/docs/api-reference/latest/webhooks-journal/guide

import type { ProvisionAction, ProvisionPlan } from '../port.ts';
import type { JournalClient, SubscriptionInput } from './journal-client.ts';
import type { JournalSubscriptionRaw } from './journal-schemas.ts';

const OBJECT_ACTIONS = ['CREATE', 'UPDATE', 'DELETE', 'MERGE', 'RESTORE'];
const LINK_ACTIONS = ['ASSOCIATION_ADDED', 'ASSOCIATION_REMOVED'];

interface Desired {
  target: string;
  input: SubscriptionInput;
}

export function desiredSubscriptions(portalId: number): Desired[] {
  return [
    {
      target: 'webhooks journal subscription: deal changes',
      input: {
        subscriptionType: 'OBJECT',
        objectTypeId: '0-3',
        portalId,
        actions: OBJECT_ACTIONS,
        properties: [],
        objectIds: [],
      },
    },
    {
      target: 'webhooks journal subscription: company changes',
      input: {
        subscriptionType: 'OBJECT',
        objectTypeId: '0-2',
        portalId,
        actions: OBJECT_ACTIONS,
        properties: [],
        objectIds: [],
      },
    },
    {
      target: 'webhooks journal subscription: deal–company association changes',
      input: {
        subscriptionType: 'ASSOCIATION',
        objectTypeId: '0-3',
        portalId,
        actions: LINK_ACTIONS,
        associatedObjectTypeIds: ['0-2'],
        objectIds: [],
      },
    },
  ];
}

const missing = (have: readonly string[] | undefined, want: readonly string[]): string[] =>
  want.filter((w) => !(have ?? []).includes(w));

/** What to do for one desired subscription, given what the app has; null work when it is up to date. */
export function planSubscription(
  desired: Desired,
  existing: readonly JournalSubscriptionRaw[],
): { action: ProvisionAction; work: SubscriptionInput | null } {
  const { input, target } = desired;
  const found = existing.find(
    (s) =>
      s.subscriptionType === input.subscriptionType &&
      s.objectTypeId === input.objectTypeId &&
      (s.portalId === undefined || s.portalId === String(input.portalId)),
  );
  const scope =
    input.subscriptionType === 'OBJECT'
      ? `object type ${input.objectTypeId}, every property`
      : `object type ${input.objectTypeId} ↔ ${input.associatedObjectTypeIds.join(', ')}`;
  if (found === undefined)
    return {
      action: { target, action: 'create', detail: `${scope}: ${input.actions.join(', ')}` },
      work: input,
    };
  const lacking = missing(found.actions, input.actions);
  const restricted =
    input.subscriptionType === 'OBJECT'
      ? (found.properties ?? []).length > 0 || (found.objectIds ?? []).length > 0
      : missing(found.associatedObjectTypeIds, input.associatedObjectTypeIds).length > 0 ||
        (found.objectIds ?? []).length > 0;
  if (lacking.length === 0 && !restricted)
    return { action: { target, action: 'ok', detail: `subscription ${found.id} (${scope})` }, work: null };
  const actions = [...new Set([...found.actions, ...input.actions])];
  const merged: SubscriptionInput =
    input.subscriptionType === 'OBJECT'
      ? { ...input, actions }
      : {
          ...input,
          actions,
          associatedObjectTypeIds: [
            ...new Set([...(found.associatedObjectTypeIds ?? []), ...input.associatedObjectTypeIds]),
          ],
        };
  const what = [
    lacking.length > 0 ? `add ${lacking.join(', ')}` : null,
    restricted ? 'widen it to every record and property' : null,
  ].filter((w) => w !== null);
  return {
    action: { target, action: 'update', detail: `subscription ${found.id}: ${what.join('; ')}` },
    work: merged,
  };
}

/** Adds the journal subscriptions to a provisioning plan, and makes them when the plan was applied. */
export async function provisionJournal(
  client: JournalClient,
  portalId: string,
  plan: ProvisionPlan,
  options: { dryRun: boolean },
): Promise<ProvisionPlan> {
  const existing = await client.subscriptions();
  const planned = desiredSubscriptions(Number(portalId)).map((d) => planSubscription(d, existing));
  // a dry run, or a conflict that stopped provisioning, changes nothing here either
  if (!options.dryRun && plan.applied) {
    for (const p of planned) if (p.work !== null) await client.upsertSubscription(p.work);
  }
  return { actions: [...plan.actions, ...planned.map((p) => p.action)], applied: plan.applied };
}
