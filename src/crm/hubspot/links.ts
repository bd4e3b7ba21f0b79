// Dashboard links to HubSpot records: https://app.hubspot.com/contacts/{portalId}/record/0-2/{id}
// for companies (object type 0-2) and …/record/0-3/{id} for deals. The portal id comes from
// crm.hubspot.portalId, else from the account key ("hubspot:{portalId}").

import { NO_LINKS, type CrmLinker } from '../provider.ts';

const HUBSPOT_ID = /^\d{1,20}$/;

export function hubspotLinks(portalId: string | undefined, account: string): CrmLinker {
  const portal = portalId ?? /^hubspot:(\d+)$/.exec(account)?.[1];
  if (portal === undefined || !HUBSPOT_ID.test(portal)) return NO_LINKS;
  const base = `https://app.hubspot.com/contacts/${encodeURIComponent(portal)}/record`;
  return {
    label: 'HubSpot',
    partner: (id) => (HUBSPOT_ID.test(id) ? `${base}/0-2/${id}` : null),
    deal: (id) => (HUBSPOT_ID.test(id) ? `${base}/0-3/${id}` : null),
  };
}
