// Error pages of the dashboard (HTML, not the API's JSON shape).

import { html } from '../html.ts';
import { page, type Shell } from '../layout.ts';

const TITLES: Readonly<Record<number, string>> = {
  400: 'That request could not be read',
  401: 'Please sign in',
  403: 'Not allowed',
  404: 'Not found',
  409: 'Busy',
  500: 'Something went wrong',
};

export function errorPage(status: number, message: string, user: Shell['user'], requestId: string | undefined): string {
  const title = TITLES[status] ?? 'Error';
  return page(
    { title, section: null, user },
    html`<h1>${title}</h1>
<p class="error-box" role="alert">${message}</p>
${status >= 500 && requestId !== undefined ? html`<p>Request id: <code>${requestId}</code> (the server log has the details).</p>` : ''}
<p><a href="/ui">Back to the program</a></p>`,
  );
}
