// vitest globalSetup: when PARTNERSYNC_TEST_DATABASE_URL is set, the whole run uses a fresh
// schema of that database (test/helpers/pg-schema.ts), dropped at the end. Workers inherit the
// rewritten variable.
import { freshSchema } from '../helpers/pg-schema.ts';

export default async function setup(): Promise<(() => Promise<void>) | undefined> {
  const base = process.env['PARTNERSYNC_TEST_DATABASE_URL'];
  if (base === undefined || base === '') return undefined;
  const schema = await freshSchema(base, 'vitest');
  process.env['PARTNERSYNC_TEST_DATABASE_URL'] = schema.url;
  return async () => {
    process.env['PARTNERSYNC_TEST_DATABASE_URL'] = base;
    await schema.drop();
  };
}
