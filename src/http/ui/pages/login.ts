// The sign-in page: the company's identity provider (auth.sso) and/or an API token
// (PARTNERSYNC_TOKENS) exchanged for a dashboard session; token sign-in can be switched off.

import { html } from '../html.ts';
import { page } from '../layout.ts';

export interface LoginOptions {
  csrf: string;
  next: string;
  error: string | null;
  notice: string | null;
  /** auth.tokenSignIn */
  tokenSignIn?: boolean;
  /** The SSO button's provider name, or null without SSO. */
  sso?: string | null;
}

export function loginPage(o: LoginOptions): string {
  const tokens = o.tokenSignIn ?? true;
  const sso = o.sso ?? null;
  return page(
    { title: 'Sign in', section: null, user: null },
    html`
<div class="login">
<h1>Sign in to the partner dashboard</h1>
${o.notice === null ? '' : html`<p class="note" role="status">${o.notice}</p>`}
${o.error === null ? '' : html`<p class="error-box" role="alert" id="login-error">${o.error}</p>`}
${
  sso === null
    ? ''
    : html`<p><a class="button" id="sso-sign-in" href="/ui/sso/start?next=${encodeURIComponent(o.next)}">Sign in with ${sso}</a></p>
<p class="hint">Your role (viewer, finance or admin) comes from your groups at the identity provider.</p>`
}
${
  tokens
    ? html`${sso === null ? '' : html`<h2>Or with an API token</h2>`}
<p class="lede">Use an API token from <code>PARTNERSYNC_TOKENS</code>. Viewer tokens show the program, recipes, partners and alerts; finance and admin tokens also show commission lines.</p>
<form method="post" action="/ui/login" novalidate>
<input type="hidden" name="_csrf" value="${o.csrf}">
<input type="hidden" name="next" value="${o.next}">
<p><label for="token">API token</label>
<input type="password" id="token" name="token" autocomplete="current-password" required spellcheck="false" autocapitalize="off"${o.error === null ? '' : html` aria-invalid="true" aria-describedby="login-error"`} autofocus></p>
<p class="hint">The token is checked once; the session lasts 8 hours and is kept in an HTTP-only cookie.</p>
<p><button type="submit">Sign in</button></p>
</form>`
    : ''
}
</div>`,
  );
}
