import type { ObjectRef } from './object.js';
import { emptySeverityCounts, type Severity, type SeverityCounts, type Stage } from './severity.js';

/** What a suppression says and where it came from. */
export interface Suppression {
  /** `annotation` is `kubeward.io/ignore` on the object; `config` is an `ignore` entry in `.kubeward.yaml`. */
  source: 'annotation' | 'config';
  reason: string;
  expires?: string;
}

/** One problem with one object. The JSON report carries these fields under these names. */
export interface Finding {
  ruleId: string;
  severity: Severity;
  title: string;
  message: string;
  object: ObjectRef;
  location?: { file: string; line?: number };
  stage: Stage;
  suppressed: boolean;
  suppression?: Suppression;
  remediation?: string;
  /** Rule-specific facts (an escalation path, the connections allowed); never a Secret's value. */
  evidence?: Record<string, unknown>;
}

export function summarize(findings: readonly Finding[]): SeverityCounts {
  const counts = emptySeverityCounts();
  for (const finding of findings) if (!finding.suppressed) counts[finding.severity]++;
  return counts;
}
