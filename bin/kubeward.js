#!/usr/bin/env node
// Runs the CLI bundled by scripts/bundle.mjs into one file, compiled with V8's code cache
// (src/cli/code-cache.ts); dist/cli is the same code unbundled. This file is CommonJS (bin/package.json):
// node then starts without its ES module loader, a few milliseconds of every run (issue 9).
const { requireWithCodeCache } = require('../dist/bundle/code-cache.cjs');

// `kubeward --version` and `--help` compile little of the CLI: the cache is written by a run of a command.
const runsCommand = process.argv.length > 2 && !process.argv[2].startsWith('-');
const { main } = requireWithCodeCache(require.resolve('../dist/bundle/kubeward.cjs'), { writeCache: runsCommand });

main(process.argv);
