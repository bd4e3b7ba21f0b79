// The Node.js version gate (issue 17): partnersync uses node:sqlite and other Node 22.20+
// features, and on an older Node every command died with "No such built-in module". Plain
// CommonJS with no modern syntax, so any Node can run it. Two uses:
//  - `node bin/check-node.cjs` is the package's preinstall script: `npm install` stops at once
//    with one sentence (a dependency install of partnersync gets the same check);
//  - bin/partnersync.js asks nodeProblem() before it loads anything else, and exits 2.
'use strict';

var path = require('path');

/** The minimum version from package.json's engines.node (">=22.20.0"). */
function required() {
  var engines = require(path.join(__dirname, '..', 'package.json')).engines || {};
  var m = /^>=\s*(\d+)\.(\d+)\.(\d+)$/.exec(String(engines.node || '').trim());
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : [22, 20, 0];
}

/** One sentence when this Node is too old, else null. */
function nodeProblem(version) {
  var have = String(version || process.versions.node)
    .split('.')
    .map(Number);
  var need = required();
  for (var i = 0; i < 3; i++) {
    if ((have[i] || 0) > need[i]) return null;
    if ((have[i] || 0) < need[i])
      return (
        'partnersync needs Node.js ' +
        need.join('.') +
        ' or newer, and this is Node.js ' +
        have.join('.') +
        ': install Node.js 24 LTS (https://nodejs.org/en/download, or `nvm install 24`) and run the command again.'
      );
  }
  return null;
}

module.exports = { nodeProblem: nodeProblem };

if (require.main === module) {
  var problem = nodeProblem();
  if (problem !== null) {
    process.stderr.write(problem + '\n');
    process.exit(1);
  }
}
