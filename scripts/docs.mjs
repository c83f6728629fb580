// Writes docs/rules.md from the rule metadata; with --check, fails when the committed file is stale.
import { readFileSync, writeFileSync } from 'node:fs';
import { NETPOL_RULE_LIST } from '../dist/netpol/index.js';
import { rbacRuleMetas } from '../dist/rbac/index.js';
import { renderRulesDoc } from '../dist/rules/docs.js';
import { builtinRules } from '../dist/rules/index.js';
import { SUPPLY_RULE_LIST } from '../dist/supply/index.js';
import { severityModelRows } from '../dist/rules/severity-examples.js';

const target = new URL('../docs/rules.md', import.meta.url);
const engines = [
  { engine: 'RBAC risks', guide: 'rbac.md', metas: rbacRuleMetas() },
  {
    engine: 'NetworkPolicy coverage',
    guide: 'netpol.md',
    metas: NETPOL_RULE_LIST,
    note: 'In `kubeward scan` the findings about missing policies are capped, because scanned sources rarely hold all of a cluster\'s policies: `medium` for workloads, `low` for namespaces; `kubeward netpol coverage` reports them at the severities below.',
  },
  { engine: 'Supply chain', guide: 'supply-chain.md', metas: SUPPLY_RULE_LIST, note: 'Registry and repository checks run when `allowedRegistries` / `allowedRepositories` are set in `.kubeward.yaml`.' },
];
const fresh = renderRulesDoc(builtinRules, engines, severityModelRows());
const count = builtinRules.length + engines.reduce((sum, engine) => sum + engine.metas.length, 0);
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
  console.log(`wrote docs/rules.md (${count} checks)`);
}
