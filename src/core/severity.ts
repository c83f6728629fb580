/** Severities, most severe first. One scale for findings and alerts alike. */
export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** The battlecard's six stages of defence. */
export const STAGES = ['recon', 'evaluate', 'fortify', 'limit', 'expose', 'exercise'] as const;
export type Stage = (typeof STAGES)[number];

export function isSeverity(value: unknown): value is Severity {
  return typeof value === 'string' && (SEVERITIES as readonly string[]).includes(value);
}

export function isStage(value: unknown): value is Stage {
  return typeof value === 'string' && (STAGES as readonly string[]).includes(value);
}

/** Rank where 0 is the most severe, so `rank(a) <= rank(b)` means "a is at or above b". */
export function severityRank(severity: Severity): number {
  return SEVERITIES.indexOf(severity);
}

export function atOrAbove(severity: Severity, threshold: Severity): boolean {
  return severityRank(severity) <= severityRank(threshold);
}

export type SeverityCounts = Record<Severity, number>;

export function emptySeverityCounts(): SeverityCounts {
  return { critical: 0, high: 0, medium: 0, low: 0, info: 0 };
}
