// Where the browser tests find Debian's Chromium and how they start it: headless, as root, on a
// machine with no outside network (without the background-networking flags Chromium keeps
// trying to reach Google's hosts).

import { existsSync } from 'node:fs';

export const CHROMIUM = '/usr/bin/chromium';
export const HAVE_CHROMIUM = existsSync(CHROMIUM);
/** In CI a missing Chromium fails the run instead of skipping the browser tests. */
export const IN_CI = process.env['CI'] === 'true';
// --disable-dev-shm-usage: containers often give /dev/shm 64 MB, too little for a full-page screenshot
export const CHROMIUM_ARGS: string[] = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-gpu',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-dev-shm-usage',
];
