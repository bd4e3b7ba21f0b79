// Pages of the single sign-on flow: the hop back into the dashboard after the provider's redirect
// (a page of our own, so the SameSite=Strict session cookie is sent on the next request), the
// refusal of a user without a mapped role, and the hop to the provider's end-session endpoint.
// They move on with <meta http-equiv="refresh"> (the dashboard runs no script) and a link.

import { html } from '../html.ts';
import { page } from '../layout.ts';

function hop(title: string, to: string, text: string): string {
  return page(
    { title, section: null, user: null, refreshTo: to },
    html`<div class="login">
<h1>${title}</h1>
<p>${text} <a id="continue" href="${to}">Continue</a></p>
</div>`,
  );
}

export const signedInPage = (next: string): string => hop('Signed in', next, 'You are signed in.');

export const signingOutPage = (endSessionUrl: string): string =>
  hop(
    'Signing out',
    endSessionUrl,
    'You are signed out of the dashboard; now signing you out at your identity provider.',
  );

export function refusedPage(o: { user: string; claim: string; groups: readonly string[]; provider: string }): string {
  return page(
    { title: 'No access', section: null, user: null },
    html`<div class="login">
<h1>No access to the partner dashboard</h1>
<p class="error-box" role="alert" id="refused">${o.user} signed in with ${o.provider}, but none of your groups gives a partnersync role.</p>
<p>Your <code>${o.claim}</code>: ${o.groups.length === 0 ? 'none' : o.groups.join(', ')}. Ask an administrator to add you to a group mapped in <code>auth.sso.roles</code> (viewer, finance or admin).</p>
<p><a href="/ui/login">Back to sign-in</a></p>
</div>`,
  );
}

export function ssoErrorPage(message: string): string {
  return page(
    { title: 'Sign-in failed', section: null, user: null },
    html`<div class="login">
<h1>Sign-in failed</h1>
<p class="error-box" role="alert">${message}</p>
<p><a href="/ui/login">Try again</a></p>
</div>`,
  );
}
