// A partner user's browser, without a browser: a cookie jar, the forms' hidden tokens, and
// redirects followed by hand (so tests see every status).

export class PartnerClient {
  readonly base: string;
  cookie = '';

  constructor(base: string) {
    this.base = base;
  }

  #remember(res: Response): void {
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      if (pair === undefined) continue;
      const [name, value] = [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)];
      const rest = this.cookie.split('; ').filter((p) => p !== '' && !p.startsWith(`${name}=`));
      this.cookie = [...rest, ...(value === '' ? [] : [`${name}=${value}`])].join('; ');
    }
  }

  async get(path: string): Promise<{ status: number; text: string; res: Response }> {
    const res = await fetch(`${this.base}${path}`, { headers: { cookie: this.cookie }, redirect: 'manual' });
    this.#remember(res);
    return { status: res.status, text: await res.text(), res };
  }

  async post(path: string, form: Record<string, string>): Promise<{ status: number; text: string; res: Response }> {
    const res = await fetch(`${this.base}${path}`, {
      method: 'POST',
      headers: { cookie: this.cookie, 'content-type': 'application/x-www-form-urlencoded', origin: this.base },
      body: new URLSearchParams(form).toString(),
      redirect: 'manual',
    });
    this.#remember(res);
    return { status: res.status, text: await res.text(), res };
  }

  /** Opens the sign-in link and presses the button. */
  async signIn(link: string): Promise<void> {
    const page = await this.get(link.slice(link.indexOf('/partner/')));
    const t = /name="t" value="([^"]+)"/.exec(page.text)?.[1];
    if (t === undefined) throw new Error(`no sign-in button: ${page.status}`);
    const res = await this.post('/partner/signin', { t });
    if (res.status !== 303) throw new Error(`sign-in refused: ${res.status} ${res.text.slice(0, 300)}`);
  }

  /** The hidden fields of the registration form (CSRF token, a fresh idempotency key) and the default recipe. */
  async formTokens(): Promise<Record<string, string>> {
    const page = await this.get('/partner/registrations/new');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)?.[1];
    const idem = /name="idem" value="([^"]+)"/.exec(page.text)?.[1];
    if (csrf === undefined || idem === undefined) throw new Error(`no registration form: ${page.status}`);
    // what a browser sends for the recipe select: its first option
    const recipe = /name="recipe"[^>]*><option value="([^"]+)"/.exec(page.text)?.[1];
    return { _csrf: csrf, idem, ...(recipe === undefined ? {} : { recipe }) };
  }
}
