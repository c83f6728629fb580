import type { ChartSource } from './core/chart.js';
import type { Config } from './core/config.js';
import type { Finding } from './core/finding.js';
import type { Inventory } from './core/inventory.js';
import type { ChartProbe } from './load/render-variants.js';
import { NETPOL_SCAN_RULE_LIST, netpolFindings } from './netpol/index.js';
import { rbacFindings, rbacRuleMetas } from './rbac/index.js';
import { createRuleContext } from './rules/context.js';
import { runRules } from './rules/engine.js';
import { builtinRules } from './rules/index.js';
import { RENDER_RULE_LIST, renderVariantFindings } from './rules/render-variants.js';
import { suppressionsOf } from './rules/suppress.js';
import type { RuleMeta } from './rules/rule.js';
import { sharedCoverage, sharedEngine } from './rules/token-analysis.js';
import { SUPPLY_RULE_LIST, supplyFindings, type SupplyResult } from './supply/index.js';

export interface ScanResult {
  findings: Finding[];
  /** Metadata of every check that ran, for SARIF and JUnit. */
  rules: RuleMeta[];
  warnings: string[];
  /** The supply-chain metrics (allowed external chart repositories, repositories and registries used). */
  metrics: SupplyResult['metrics'];
}

export interface ScanOptions {
  /** The charts rendered, with where they and their dependencies come from (supply-chain checks). */
  charts?: readonly ChartSource[];
  /** The namespace a chart is installed into (`--namespace`): its RoleBindings elsewhere are called out. */
  releaseNamespace?: string;
  /** The second and third renders of the scanned charts (LoadOptions.probeCharts), compared with the first. */
  probes?: readonly ChartProbe[];
}

/**
 * Everything `kubeward scan` checks on an inventory: the rule pack, the RBAC grants (one finding per
 * subject and binding, at the install's severities), NetworkPolicy posture, the supply chain, and
 * the comparison of a chart's renders, minus what the configuration disables, with its suppressions
 * applied. The rule pack and the engines share one RBAC engine and one NetworkPolicy analysis. The
 * one scan the CLI, the Helm post-renderer gate and library users share.
 *
 * What a scan says about the *absence* of NetworkPolicy is posture, because the scanned sources (a
 * chart, a folder) are rarely all the policies of the cluster: one low finding per namespace the
 * sources create, and "this workload may reach any address" as evidence of the findings that need it
 * (a token in the wrong container, exfiltration tells). `kubeward netpol coverage` on a cluster dump
 * reports every gap at full severity.
 */
export function scanInventory(
  inventory: Inventory,
  config: Pick<Config, 'disable' | 'ignore' | 'annotationSuppressions' | 'allowedRegistries' | 'allowedRepositories'>,
  options: ScanOptions = {},
): ScanResult {
  const enabled = (id: string) => !config.disable.includes(id);
  const rules = builtinRules.filter((rule) => enabled(rule.meta.id));
  const suppression = suppressionsOf(config);
  const context = createRuleContext(inventory);
  const engine = sharedEngine(context);
  const netpol = netpolFindings(inventory, { ...suppression, scan: true, coverage: sharedCoverage(context) });
  const supply = supplyFindings(inventory, options.charts ?? [], { ...suppression, allowedRegistries: config.allowedRegistries, allowedRepositories: config.allowedRepositories });
  // The pack runs the enabled rules only; the engines' findings are filtered as they are added to
  // the pack's list (a scan of the 10,000-object bench mix has 19,046 findings: spread into a new
  // list and filtered into another, they were copied twice).
  const findings = runRules(inventory, rules, { ...suppression, context });
  const fromEngines = [
    rbacFindings(engine, { ...suppression, perGrant: true, releaseNamespace: options.releaseNamespace, disable: config.disable }),
    netpol.findings,
    supply.findings,
    renderVariantFindings(inventory, options.probes ?? [], suppression),
  ];
  for (const found of fromEngines) for (const finding of found) if (enabled(finding.ruleId)) findings.push(finding);
  const metas = [...rules.map((rule) => rule.meta), ...rbacRuleMetas({ perGrant: true }), ...NETPOL_SCAN_RULE_LIST, ...SUPPLY_RULE_LIST, ...RENDER_RULE_LIST].filter((meta) => enabled(meta.id));
  const skipped = (options.probes ?? []).flatMap((probe) => probe.skipped.map((reason) => `${probe.chart}: not compared with a render in ${reason}`));
  return { findings, rules: metas, warnings: [...engine.warnings, ...netpol.warnings, ...skipped], metrics: supply.metrics };
}
