/**
 * The posture report: the battlecard's six stages on one page (`kubeward report`). This is its JSON
 * contract (`--format json`, and each run stored in `--history DIR`); the HTML and Markdown forms
 * render the same value. Every metric has a stable `id` so runs can be compared across time.
 */
import type { Severity, Stage } from '../core/severity.js';

export const POSTURE_SCHEMA = 'kubeward.io/posture-report/v1';

export interface PostureMetric {
  /** Stable across runs: `<stage>.<name>`. */
  id: string;
  name: string;
  /** The number trended across runs; null when this run could not measure it (an input was not given). */
  value: number | null;
  /** The value as people read it (`3/4 (75%)`, `2m 10s`, `not measured: …`). */
  display: string;
  unit: 'count' | 'percent' | 'seconds';
  /** Which way is better, for trends. */
  better: 'lower' | 'higher';
  goal?: string;
  detail?: string;
}

/** A finding as the report shows it: what, where, and the fix. */
export interface PostureFinding {
  ruleId: string;
  severity: Severity;
  title: string;
  message: string;
  object: string;
  location?: string;
  fix?: string;
}

export interface StageSection {
  stage: Stage;
  title: string;
  metrics: PostureMetric[];
  /** Unsuppressed findings of this stage, by severity. */
  findings: { total: number; bySeverity: Record<Severity, number> };
  /** The most severe findings of the stage, with their fixes (at most TOP_FINDINGS). */
  topFindings: PostureFinding[];
  /** What this stage could not see (an input not given), in one sentence each. */
  notes: string[];
}

export interface Recon {
  charts: { name: string; version?: string; repository?: string }[];
  /** Container images by registry and repository, with how many containers use each. */
  images: { registry: string; repository: string; containers: number }[];
}

/** Subjects → bindings → roles → risky permissions. Only subjects holding a risk are drawn. */
export interface RbacGraph {
  nodes: RbacNode[];
  links: { source: string; target: string; escalation: boolean }[];
  /** Subjects holding a risk in all; the graph draws at most MAX_GRAPH_SUBJECTS of them. */
  subjects: number;
  shownSubjects: number;
}

export interface RbacNode {
  id: string;
  type: 'subject' | 'binding' | 'role' | 'permission';
  label: string;
  /** Namespace of a ServiceAccount, RoleBinding or Role; '' for cluster-scoped. */
  namespace: string;
  severity?: Severity;
  /** Subjects with an escalation path: its goal and steps, in words. */
  escalation?: { goal: string; steps: string[] };
  /** Subjects: bindings granting its risks that the graph leaves out (MAX_GRAPH_BINDINGS_PER_SUBJECT). */
  moreBindings?: number;
}

/** Namespace × namespace: how many (source workload, destination workload) pairs may connect. */
export interface Connectivity {
  namespaces: { name: string; workloads: number }[];
  /** cells[i][j]: allowed pairs from namespaces[i] to namespaces[j], and the possible pairs. */
  cells: { allowed: number; possible: number }[][];
  /** Namespaces beyond MAX_MATRIX_NAMESPACES, folded into the last row and column. */
  folded: number;
  /** Workloads that may open connections to the internet, with the ranges. */
  internet: { workload: string; ranges: string[] }[];
  internetTotal: number;
}

/** One alert on the detection timeline, placed on the attack step its rule's tags name. */
export interface TimelineAlert {
  /** The alert's stable id, as `--verdicts` names it. */
  id: string;
  time: string;
  rule: string;
  priority: Severity;
  principal: string;
  summary: string;
  step: AttackStep;
  timeToDetectSeconds: number;
}

export const ATTACK_STEPS = ['install and grant', 'read Secrets', 'exfiltrate', 'other'] as const;
export type AttackStep = (typeof ATTACK_STEPS)[number];

export interface Detection {
  logs: string[];
  /** Audit events, DNS queries and network flows read. */
  events: number;
  /** Network flows read (`--flows`); undefined when none were given. */
  flows?: number;
  alerts: number;
  alertsByRule: { rule: string; count: number; priority: Severity }[];
  timeline: TimelineAlert[];
  /** Alerts beyond MAX_TIMELINE_ALERTS are counted, not drawn. */
  timelineTruncated: number;
  /** With `--verdicts`: as `kubeward detect triage` counts them; `noisy` names the rules whose judged alerts were mostly not actionable. */
  fidelity?: { triaged: number; truePositive: number; falsePositive: number; benign: number; unjudged: number; noisy: string[] };
}

export interface DrillSummary {
  /** Whether a `drill run` result was given (else only a score: no stages). */
  hasRun: boolean;
  file: string;
  scenario: string;
  namespace: string;
  firstStop: string | null;
  timeToDetectSeconds: number | null;
  /** From `drill score`: the mean time to remediate of the scored live-fire drills. */
  timeToRemediateSeconds: number | null;
  /** From `drill score`: the developer-confidence survey (1 to 5). */
  confidence: { average: number; responses: number } | null;
  scoreFile?: string;
  stages: { stage: string; outcome: string; summary: string; gaps: { title: string; fix: string }[] }[];
  gaps: number;
}

/** Earlier runs from `--history DIR`, oldest first, and the value of each metric in each (this run last). */
export interface History {
  runs: { generatedAt: string; file: string }[];
  /** metric id → one value per run in `runs`, then this run's. */
  trends: Record<string, (number | null)[]>;
}

export interface PostureReport {
  schema: typeof POSTURE_SCHEMA;
  kubeward: string;
  generatedAt: string;
  title: string;
  sources: string[];
  stages: StageSection[];
  recon: Recon;
  rbacGraph: RbacGraph;
  connectivity: Connectivity;
  findingsByRule: { ruleId: string; title: string; severity: Severity; count: number; stage: Stage }[];
  policy: { objects: number; denied: number; warned: number; audited: number; allowed: number; byPolicy: { policy: string; denied: number; warned: number }[] };
  detection?: Detection;
  drill?: DrillSummary;
  history: History;
  warnings: string[];
}

export const STAGE_TITLES: Record<Stage, string> = {
  recon: 'Reconnaissance',
  evaluate: 'Evaluation',
  fortify: 'Fortify',
  limit: 'Limit',
  expose: 'Expose',
  exercise: 'eXercise',
};

/** Caps that keep the file within its budget whatever the cluster's size. */
export const TOP_FINDINGS = 10;
export const MAX_GRAPH_SUBJECTS = 50;
/** Bindings drawn per subject (those of its most severe risks first); the rest are counted on the subject. */
export const MAX_GRAPH_BINDINGS_PER_SUBJECT = 4;
export const MAX_MATRIX_NAMESPACES = 40;
export const MAX_INTERNET_WORKLOADS = 50;
export const MAX_TIMELINE_ALERTS = 1000;
export const MAX_TABLE_ROWS = 200;
