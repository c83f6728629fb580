#!/usr/bin/env node
// Runs the CLI bundled by scripts/bundle.mjs into one file, compiled with V8's code cache
// (src/cli/code-cache.ts); dist/cli is the same code unbundled.
import { fileURLToPath } from 'node:url';
import { requireWithCodeCache } from '../dist/cli/code-cache.js';

const bundle = fileURLToPath(new URL('../dist/bundle/kubeward.cjs', import.meta.url));
// `kubeward --version` and `--help` compile little of the CLI: the cache is written by a run of a command.
const runsCommand = process.argv.length > 2 && !process.argv[2].startsWith('-');
const { main } = requireWithCodeCache(bundle, { writeCache: runsCommand });

await main(process.argv);
