// Dashboard links to Salesforce records: {instanceUrl}/lightning/r/Account/{Id}/view and
// …/Opportunity/{Id}/view. The instance comes from crm.salesforce.instanceUrl, else from a My
// Domain loginUrl (https://acme.my.salesforce.com); login.salesforce.com is not an instance.

import { NO_LINKS, type CrmLinker } from '../provider.ts';

const SALESFORCE_ID = /^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$/;

/** The origin of a Salesforce instance, or null when the URL is not one. */
function instanceOrigin(url: string | undefined): string | null {
  if (url === undefined || !URL.canParse(url)) return null;
  const u = new URL(url);
  if (u.protocol !== 'https:' && u.protocol !== 'http:') return null;
  if (/^(login|test)\.salesforce\.com$/i.test(u.hostname)) return null;
  return u.origin;
}

export function salesforceLinks(settings: { instanceUrl?: string | undefined; loginUrl: string }): CrmLinker {
  const base = instanceOrigin(settings.instanceUrl ?? settings.loginUrl);
  if (base === null) return NO_LINKS;
  return {
    label: 'Salesforce',
    partner: (id) => (SALESFORCE_ID.test(id) ? `${base}/lightning/r/Account/${id}/view` : null),
    deal: (id) => (SALESFORCE_ID.test(id) ? `${base}/lightning/r/Opportunity/${id}/view` : null),
  };
}
