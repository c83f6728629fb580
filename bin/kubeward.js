#!/usr/bin/env node
// dist/bundle: the CLI bundled by scripts/bundle.mjs (fewer files to load at start-up); dist/cli is the same code unbundled.
import { main } from '../dist/bundle/main.js';

await main(process.argv);
