import { inventoryFromText } from '../load/sources.js';
import { scanInventory } from '../scan.js';
import type { SeverityModelRow } from './docs.js';
import { SEVERITY_MODEL } from './severity-model.js';

/**
 * The severity model with each example scanned as `kubeward scan` would: the finding of the example's
 * rule, which must have the row's severity. Throws when it does not, so `npm run docs` (and the docs
 * check in `npm test`) fail rather than print a table the rules contradict.
 */
export function severityModelRows(): SeverityModelRow[] {
  return SEVERITY_MODEL.map((level) => {
    const { inventory } = inventoryFromText(level.example.yaml, `severity-${level.severity}.yaml`);
    const findings = scanInventory(inventory, { disable: [], ignore: [] }).findings.filter((finding) => finding.ruleId === level.example.ruleId);
    const finding = findings.find((candidate) => candidate.severity === level.severity);
    if (!finding) {
      throw new Error(`severity model: the ${level.severity} example gets ${findings.length ? findings.map((candidate) => candidate.severity).join(', ') : 'no'} ${level.example.ruleId} finding, not ${level.severity}`);
    }
    return { severity: level.severity, meaning: level.meaning, criteria: level.criteria, example: { ruleId: finding.ruleId, message: finding.message } };
  });
}
