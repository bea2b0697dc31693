// SPDX-License-Identifier: GPL-2.0
// The Node recipe of docs/aot-guide.md: one file that is both the plain
// script and the startup snapshot's entry point.
//   node --jitless --snapshot-blob snap.blob --build-snapshot app.js  (build)
//   node --jitless --snapshot-blob snap.blob [N]                      (run)
//   node --jitless app.js [N]                                         (no snapshot)
// Prints: ORIGIN TOKEN CHECK RESULT MS, where ORIGIN says whether the
// state came from the snapshot, TOKEN is random bytes drawn when that
// state was made, RESULT the CPU-bound loop's over N steps, MS its time.
'use strict';
const v8 = require('v8');
const crypto = require('crypto');

// Start-up work a snapshot saves: modules loaded and a table built.
const util = require('util');
const path = require('path');
const url = require('url');
const table = new Map();
for (let i = 0; i < 5000; i++)
	table.set(util.format('k%d', i), path.join('/srv', url.pathToFileURL('/x' + i).pathname));
const token = crypto.randomBytes(8).toString('hex');

function f(x) { return (x * 31 + 7) % 1000003; }

function main(origin, argv) {
	const n = Number(argv[0] || 0);
	const t0 = process.hrtime.bigint();
	let s = 0;
	for (let i = 1; i <= n; i++) s = (s + f(i)) % 1000003;
	const ms = Number(process.hrtime.bigint() - t0) / 1e6;
	console.log(origin, token, table.size, s, ms.toFixed(1));
}

if (v8.startupSnapshot.isBuildingSnapshot()) {
	// The token file lets a test tell this snapshot's state from a fresh one.
	if (process.env.AOT_TOKEN_OUT)
		require('fs').writeFileSync(process.env.AOT_TOKEN_OUT, token + '\n');
	v8.startupSnapshot.setDeserializeMainFunction(() => main('snapshot', process.argv.slice(1)));
} else {
	main('script', process.argv.slice(2));
}
