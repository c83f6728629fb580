/**
 * The Recon stage: `kubeward scan` of the scenario's chart as the team's CI runs it (its
 * `.kubeward.yaml`: suppressions, disabled rules, allow-lists) and the gate's decision at the team's
 * threshold. `stopped` when an unsuppressed finding reaches `--fail-on`: `kubeward gate` as the Helm
 * post-renderer aborts the install, and the scan fails the pipeline.
 */
import type { ChartSource } from '../core/chart.js';
import type { Config } from '../core/config.js';
import { blockingFindings, type Finding } from '../core/finding.js';
import type { Inventory } from '../core/inventory.js';
import { describeRef } from '../core/object.js';
import { atOrAbove, severityRank, type Severity } from '../core/severity.js';
import type { ChartProbe } from '../load/render-variants.js';
import { scanInventory } from '../scan.js';
import type { Evidence, Gap, StageResult } from './result.js';

export interface ReconInput {
  inventory: Inventory;
  charts?: readonly ChartSource[];
  probes?: readonly ChartProbe[];
  config: Config;
  failOn: Severity | 'none';
  namespace: string;
  /** Where the configuration came from, for the gaps (`.kubeward.yaml`, a path). */
  configFile?: string;
}

const SHOWN = 8;

export function reconStage(input: ReconInput): StageResult & { findings: Finding[] } {
  const scan = scanInventory(input.inventory, input.config, { charts: input.charts, releaseNamespace: input.namespace, probes: input.probes });
  const findings = scan.findings;
  const blocking = blockingFindings(findings, input.failOn);
  const important = findings.filter((finding) => !finding.suppressed && atOrAbove(finding.severity, 'high')).sort(bySeverity);
  const shown = (blocking.length ? blocking : important).sort(bySeverity);
  const evidence: Evidence[] = shown.slice(0, SHOWN).map(findingEvidence);
  if (shown.length > SHOWN) evidence.push({ text: `and ${shown.length - SHOWN} more findings` });
  const counts = countText(findings.filter((finding) => !finding.suppressed));
  const threshold = input.failOn === 'none' ? '--fail-on none' : `--fail-on ${input.failOn}`;
  if (blocking.length) {
    const names = [...new Set(blocking.sort(bySeverity).map((finding) => `${finding.ruleId} on ${describeRef(finding.object)}`))];
    return {
      stage: 'recon',
      outcome: 'stopped',
      summary: `kubeward scan fails at ${threshold} and kubeward gate blocks the install: ${countText(blocking)} (${names.slice(0, 3).join('; ')}${names.length > 3 ? '; …' : ''})`,
      evidence,
      gaps: [],
      findings,
    };
  }
  const gaps = reconGaps(input, findings);
  const suppressedHigh = findings.filter((finding) => finding.suppressed && atOrAbove(finding.severity, 'high')).length;
  return {
    stage: 'recon',
    outcome: 'missed',
    summary: `the install passes the gate at ${threshold}${counts ? `: the scan reports ${counts}, none blocking` : ': the scan reports nothing unsuppressed'}${suppressedHigh ? ` (${suppressedHigh} finding${suppressedHigh === 1 ? '' : 's'} at high or above suppressed by the team's configuration)` : ''}`,
    evidence,
    gaps,
    findings,
  };
}

/** Why the scan let it through: the threshold, suppressions, disabled rules. */
function reconGaps(input: ReconInput, findings: readonly Finding[]): Gap[] {
  const gaps: Gap[] = [];
  const where = input.configFile ?? '.kubeward.yaml';
  const worst = findings.filter((finding) => !finding.suppressed).sort(bySeverity)[0];
  if (input.failOn === 'none') {
    gaps.push({ title: 'CI blocks nothing: the threshold is --fail-on none', fix: 'fail at high: `kubeward scan CHART --fail-on high` in the pipeline, and `kubeward gate` as the Helm post-renderer (helm install --post-renderer kubeward)' });
  } else if (worst && !atOrAbove(worst.severity, input.failOn)) {
    gaps.push({ title: `the threshold --fail-on ${input.failOn} is above the chart's worst finding (${worst.severity} ${worst.ruleId})`, fix: 'fail at high: a powerful grant needs a reason before it is installed' });
  }
  const suppressed = findings.filter((finding) => finding.suppressed && atOrAbove(finding.severity, 'high'));
  for (const finding of suppressed.sort(bySeverity)) {
    const source = finding.suppression?.source === 'annotation' ? 'an annotation on the object (kubeward.io/ignore)' : where;
    gaps.push({
      title: `${finding.severity} ${finding.ruleId} on ${describeRef(finding.object)} is suppressed by ${source}${finding.suppression?.reason ? ` ("${finding.suppression.reason}")` : ''}`,
      fix: 'narrow the suppression to the objects it was written for (match kind, namespace and name, not globs that also match new charts), give it an expiry, and review suppressions like code',
    });
  }
  if (input.config.disable.length) {
    const unfiltered = scanInventory(input.inventory, { ...input.config, disable: [] }, { charts: input.charts, releaseNamespace: input.namespace, probes: input.probes });
    const lost = [...new Set(unfiltered.findings.filter((finding) => !finding.suppressed && atOrAbove(finding.severity, 'high') && input.config.disable.includes(finding.ruleId)).map((finding) => finding.ruleId))];
    for (const ruleId of lost) gaps.push({ title: `rule ${ruleId} is disabled in ${where}; it reports this chart`, fix: `enable ${ruleId} again (remove it from disable:), and suppress single objects with a reason instead` });
  }
  if (gaps.length === 0) gaps.push({ title: 'the scan reports nothing about this chart that blocks it', fix: 'report the scenario to the kubeward maintainers: the attack pattern should be critical' });
  return gaps;
}

function findingEvidence(finding: Finding): Evidence {
  return {
    text: `${finding.severity.toUpperCase()} ${finding.ruleId} ${describeRef(finding.object)}: ${finding.message}`,
    ruleId: finding.ruleId,
    severity: finding.severity,
    object: finding.object,
    suppressed: finding.suppressed,
  };
}

function bySeverity(a: Finding, b: Finding): number {
  return severityRank(a.severity) - severityRank(b.severity);
}

function countText(findings: readonly Finding[]): string {
  const counts = new Map<Severity, number>();
  for (const finding of findings) counts.set(finding.severity, (counts.get(finding.severity) ?? 0) + 1);
  return [...counts.entries()].sort(([a], [b]) => severityRank(a) - severityRank(b)).map(([severity, count]) => `${count} ${severity}`).join(', ');
}
