import type { Config } from './core/config.js';
import type { Finding } from './core/finding.js';
import type { Inventory } from './core/inventory.js';
import { runRules } from './rules/engine.js';
import { builtinRules } from './rules/index.js';
import type { RuleMeta } from './rules/rule.js';

export interface ScanResult {
  findings: Finding[];
  /** Metadata of every check that ran, for SARIF and JUnit. */
  rules: RuleMeta[];
}

/**
 * Everything `kubeward scan` checks on an inventory: the rule pack, minus what the configuration
 * disables, with the configuration's suppressions applied. The one scan the CLI, the Helm
 * post-renderer gate and library users share.
 */
export function scanInventory(inventory: Inventory, config: Pick<Config, 'disable' | 'ignore'>): ScanResult {
  const rules = builtinRules.filter((rule) => !config.disable.includes(rule.meta.id));
  const findings = runRules(inventory, rules, { ignores: config.ignore });
  return { findings, rules: rules.map((rule) => rule.meta) };
}
