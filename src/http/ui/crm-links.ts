// Links from the dashboard to the CRM record behind an alert. Which URL depends on the provider:
//   hubspot     https://app.hubspot.com/contacts/{portalId}/record/0-2/{companyId} (companies,
//               object type 0-2) and …/record/0-3/{dealId} (deals); the portal id comes from
//               crm.hubspot.portalId, else from the account key ("hubspot:{portalId}").
//   salesforce  {instanceUrl}/lightning/r/Account/{Id}/view and …/Opportunity/{Id}/view; the
//               instance URL comes from crm.salesforce.instanceUrl, else from a My Domain
//               loginUrl (https://acme.my.salesforce.com). login.salesforce.com is not an instance.
//   sandbox-*   no link: the in-process sandbox has no record pages, and a link to the real
//               HubSpot or Salesforce would open someone else's account. The id is shown instead.
// Ids are untrusted CRM text: a link is made only when the id has the provider's id shape.

import type { ConfigFile } from '../../config/schema.ts';

export interface CrmLinker {
  /** The CRM's name for people ("HubSpot"), or null when records have no link. */
  readonly label: string | null;
  partner(id: string): string | null;
  deal(id: string): string | null;
}

const NO_LINKS: CrmLinker = { label: null, partner: () => null, deal: () => null };

const HUBSPOT_ID = /^\d{1,20}$/;
const SALESFORCE_ID = /^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$/;

function hubspotLinker(portalId: string): CrmLinker {
  const base = `https://app.hubspot.com/contacts/${encodeURIComponent(portalId)}/record`;
  return {
    label: 'HubSpot',
    partner: (id) => (HUBSPOT_ID.test(id) ? `${base}/0-2/${id}` : null),
    deal: (id) => (HUBSPOT_ID.test(id) ? `${base}/0-3/${id}` : null),
  };
}

function salesforceLinker(instanceUrl: string): CrmLinker {
  const base = instanceUrl.replace(/\/+$/, '');
  return {
    label: 'Salesforce',
    partner: (id) => (SALESFORCE_ID.test(id) ? `${base}/lightning/r/Account/${id}/view` : null),
    deal: (id) => (SALESFORCE_ID.test(id) ? `${base}/lightning/r/Opportunity/${id}/view` : null),
  };
}

/** The https origin of a Salesforce instance, or null when the URL is not one. */
function salesforceInstance(url: string | undefined): string | null {
  if (url === undefined || !URL.canParse(url)) return null;
  const u = new URL(url);
  if (u.protocol !== 'https:' && u.protocol !== 'http:') return null;
  if (/^(login|test)\.salesforce\.com$/i.test(u.hostname)) return null;
  return u.origin;
}

export function crmLinker(config: ConfigFile, account: string): CrmLinker {
  const crm = config.crm;
  switch (crm?.provider) {
    case 'hubspot': {
      const portal = crm.hubspot.portalId ?? /^hubspot:(\d+)$/.exec(account)?.[1];
      return portal !== undefined && HUBSPOT_ID.test(portal) ? hubspotLinker(portal) : NO_LINKS;
    }
    case 'salesforce': {
      const instance =
        crm.salesforce.instanceUrl !== undefined
          ? salesforceInstance(crm.salesforce.instanceUrl)
          : salesforceInstance(crm.salesforce.loginUrl);
      return instance === null ? NO_LINKS : salesforceLinker(instance);
    }
    default:
      return NO_LINKS;
  }
}
