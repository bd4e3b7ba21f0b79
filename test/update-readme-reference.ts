// `npm run docs:config`: regenerates the README's configuration reference from the config's
// reference rows and the registered providers' (src/config/reference.ts).
import { readFileSync, writeFileSync } from 'node:fs';
import { withReference } from '../src/config/reference.ts';
import { builtInProviders } from '../src/providers.ts';

const before = readFileSync('README.md', 'utf8');
const after = withReference(before, builtInProviders);
writeFileSync('README.md', after);
process.stdout.write(before === after ? 'README.md: reference unchanged\n' : 'README.md: reference regenerated\n');
