import { findingFingerprint, type Finding } from './finding.js';
import type { ObjectRef } from './object.js';
import type { Severity } from './severity.js';

/** A finding of an earlier report, as much of it as a comparison needs. */
export interface BaselineFinding {
  fingerprint: string;
  ruleId: string;
  severity: Severity;
  message: string;
  object: ObjectRef;
}

/** An earlier kubeward JSON report (`--baseline FILE`), or the findings of the old side of `kubeward diff`. */
export interface Baseline {
  /** Where it came from, as the user named it. */
  source: string;
  findings: BaselineFinding[];
}

/** The `baseline` section of a report: how the findings compare with the baseline's. */
export interface BaselineSummary {
  source: string;
  /** Findings absent from the baseline: the only ones that count for the exit code. */
  new: number;
  unchanged: number;
  /** Findings of the baseline that are gone. */
  fixed: number;
}

export interface BaselineComparison {
  /** The findings, each with its baselineState. */
  findings: Finding[];
  summary: BaselineSummary;
  /** Baseline findings no longer reported. */
  fixed: BaselineFinding[];
}

/**
 * Marks each finding `new` or `unchanged` by fingerprint. Fingerprints are compared as a multiset:
 * when the baseline had one finding with a fingerprint and the run has two, one of them is new.
 */
export function compareWithBaseline(findings: readonly Finding[], baseline: Baseline): BaselineComparison {
  const remaining = new Map<string, BaselineFinding[]>();
  for (const finding of baseline.findings) {
    const list = remaining.get(finding.fingerprint);
    if (list) list.push(finding);
    else remaining.set(finding.fingerprint, [finding]);
  }
  let fresh = 0;
  const marked = findings.map((finding): Finding => {
    const matches = remaining.get(findingFingerprint(finding));
    if (matches?.length) {
      matches.shift();
      return { ...finding, baselineState: 'unchanged' };
    }
    fresh++;
    return { ...finding, baselineState: 'new' };
  });
  const fixed = [...remaining.values()].flat();
  return { findings: marked, fixed, summary: { source: baseline.source, new: fresh, unchanged: findings.length - fresh, fixed: fixed.length } };
}

/** The findings of a report as a baseline (the old side of a diff). */
export function baselineOf(source: string, findings: readonly Finding[]): Baseline {
  return {
    source,
    findings: findings.map((finding) => ({ fingerprint: findingFingerprint(finding), ruleId: finding.ruleId, severity: finding.severity, message: finding.message, object: finding.object })),
  };
}
