import type { ChartSource } from './core/chart.js';
import type { Config } from './core/config.js';
import type { Finding } from './core/finding.js';
import type { Inventory } from './core/inventory.js';
import { atOrAbove, type Severity } from './core/severity.js';
import { NETPOL_RULE_LIST, NETPOL_RULES, netpolFindings } from './netpol/index.js';
import { buildEngine, rbacFindings, rbacRuleMetas } from './rbac/index.js';
import { runRules } from './rules/engine.js';
import { builtinRules } from './rules/index.js';
import type { RuleMeta } from './rules/rule.js';
import { SUPPLY_RULE_LIST, supplyFindings, type SupplyResult } from './supply/index.js';

export interface ScanResult {
  findings: Finding[];
  /** Metadata of every check that ran, for SARIF and JUnit. */
  rules: RuleMeta[];
  warnings: string[];
  /** The supply-chain metrics (allowed external chart repositories, repositories and registries used). */
  metrics: SupplyResult['metrics'];
}

/**
 * What a scan reports about the *absence* of NetworkPolicy is capped: the scanned sources (a chart, a
 * folder) are rarely all the policies of the cluster, so "nothing here stops egress" is a medium
 * finding in a scan, and namespace posture (which a chart does not own) is low. `kubeward netpol
 * coverage` on a cluster dump reports them at full severity.
 */
const SCAN_SEVERITY_CAP: Record<string, Severity> = {
  [NETPOL_RULES.internetEgress.id]: 'medium',
  [NETPOL_RULES.externalDns.id]: 'medium',
  [NETPOL_RULES.noDefaultDenyIngress.id]: 'low',
  [NETPOL_RULES.noDefaultDenyEgress.id]: 'low',
};

/**
 * Everything `kubeward scan` checks on an inventory: the rule pack, the RBAC risks (exact authorizer,
 * escalation paths), and NetworkPolicy coverage, minus what the configuration disables, with its
 * suppressions applied. The one scan the CLI, the Helm post-renderer gate and library users share.
 */
export function scanInventory(
  inventory: Inventory,
  config: Pick<Config, 'disable' | 'ignore' | 'allowedRegistries' | 'allowedRepositories'>,
  sources: { charts?: readonly ChartSource[] } = {},
): ScanResult {
  const enabled = (id: string) => !config.disable.includes(id);
  const rules = builtinRules.filter((rule) => enabled(rule.meta.id));
  const suppression = { ignores: config.ignore };
  const engine = buildEngine(inventory);
  const netpol = netpolFindings(inventory, suppression);
  const supply = supplyFindings(inventory, sources.charts ?? [], { ...suppression, allowedRegistries: config.allowedRegistries, allowedRepositories: config.allowedRepositories });
  const findings = [
    ...runRules(inventory, rules, suppression),
    ...rbacFindings(engine, suppression),
    ...netpol.findings.map(capForScan),
    ...supply.findings,
  ].filter((finding) => enabled(finding.ruleId));
  const metas = [...rules.map((rule) => rule.meta), ...rbacRuleMetas(), ...NETPOL_RULE_LIST.map(capMetaForScan), ...SUPPLY_RULE_LIST].filter((meta) => enabled(meta.id));
  return { findings, rules: metas, warnings: [...engine.warnings, ...netpol.warnings], metrics: supply.metrics };
}

function capForScan(finding: Finding): Finding {
  const cap = SCAN_SEVERITY_CAP[finding.ruleId];
  return cap && !atOrAbove(cap, finding.severity) ? { ...finding, severity: cap } : finding;
}

function capMetaForScan(meta: RuleMeta): RuleMeta {
  const cap = SCAN_SEVERITY_CAP[meta.id];
  return cap && !atOrAbove(cap, meta.severity) ? { ...meta, severity: cap } : meta;
}
