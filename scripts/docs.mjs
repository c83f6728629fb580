// Writes docs/rules.md from the rule metadata; with --check, fails when the committed file is stale.
import { readFileSync, writeFileSync } from 'node:fs';
import { builtinRules } from '../dist/rules/index.js';
import { renderRulesDoc } from '../dist/rules/docs.js';

const target = new URL('../docs/rules.md', import.meta.url);
const fresh = renderRulesDoc(builtinRules);
if (process.argv.includes('--check')) {
  let current = '';
  try {
    current = readFileSync(target, 'utf8');
  } catch {}
  if (current !== fresh) {
    console.error('docs/rules.md is stale: run `npm run docs` and commit the result');
    process.exit(1);
  }
} else {
  writeFileSync(target, fresh);
  console.log(`wrote docs/rules.md (${builtinRules.length} rules)`);
}
