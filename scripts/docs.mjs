// Writes docs/rules.md from the rule metadata; with --check, fails when the committed file is stale.
import { readFileSync, writeFileSync } from 'node:fs';
import { NETPOL_RULE_LIST, NETPOL_SCAN_RULE_LIST } from '../dist/netpol/index.js';
import { rbacRuleMetas } from '../dist/rbac/index.js';
import { renderRulesDoc } from '../dist/rules/docs.js';
import { builtinRules } from '../dist/rules/index.js';
import { SUPPLY_RULE_LIST } from '../dist/supply/index.js';
import { RENDER_RULE_LIST } from '../dist/rules/render-variants.js';
import { severityModelRows } from '../dist/rules/severity-examples.js';

const target = new URL('../docs/rules.md', import.meta.url);
const engines = [
  {
    engine: 'RBAC grants',
    guide: 'rbac.md',
    metas: rbacRuleMetas({ perGrant: true }),
    note: '`kubeward scan` reports one finding per subject and binding, named after its worst risk and listing the others, at the install\'s severities: a powerful grant on its own is at most `high`; inside the subject\'s own namespace, or limited by `resourceNames` to objects the sources create, one level lower; a wildcard over custom API groups only is `low`; an escalation path out of the namespace makes it `high`. A grant that hides itself is `critical`: a Helm hook that deletes itself after it ran and reaches Secrets beyond its namespace, a RoleBinding into `kube-system`, or one outside the release namespace that reads Secrets (other RoleBindings outside it are at least `high`). `kubeward rbac risks` and `audit` report one finding per subject and risk at the catalogue\'s severities (below, capped at `high` for the scan).',
  },
  {
    engine: 'NetworkPolicy posture',
    guide: 'netpol.md',
    metas: NETPOL_SCAN_RULE_LIST,
    note: 'What `kubeward scan` reports about NetworkPolicies: the sources are rarely all of a cluster\'s policies, so a missing policy is posture, reported once per namespace the sources create; that a workload may reach the internet joins the evidence of the findings that need it. `kubeward netpol coverage` reports every namespace and workload with its own checks (`namespace-without-default-deny-ingress`, `namespace-without-default-deny-egress`, `workload-egress-to-internet`, `workload-dns-to-external-resolver`, `workload-dns-via-cluster-dns`; see the guide).',
  },
  {
    engine: 'NetworkPolicy coverage (kubeward netpol coverage)',
    guide: 'netpol.md',
    metas: NETPOL_RULE_LIST.filter((meta) => !NETPOL_SCAN_RULE_LIST.includes(meta)),
    note: 'Not run by `kubeward scan` (see posture above): `kubeward netpol coverage` on a cluster dump reports them at the severities below.',
  },
  {
    engine: 'Chart renders',
    guide: '../README.md',
    metas: RENDER_RULE_LIST,
    note: '`kubeward scan` renders each local chart three times, in parallel: as asked, with another release namespace (`default`, or `kubeward-probe` when yours is `default`) and with another Kubernetes version (`v1.31.0`, or helm\'s own when you set `--kube-version`), and reads its templates for `lookup`.',
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
