/**
 * What a drill says, stage by stage: the JSON contract of `kubeward drill run` (docs/drill.md), which
 * `kubeward report --drill` reads. Keys in the contract's order.
 */

/** The five stages a drill runs, in the battlecard's order. */
export const DRILL_STAGES = ['recon', 'evaluate', 'fortify', 'limit', 'expose'] as const;
export type DrillStage = (typeof DRILL_STAGES)[number];

/** `stopped`: the attack cannot go on; `partial`: something is blocked, a path remains; `detected`: seen; `missed`: neither. */
export type Outcome = 'stopped' | 'partial' | 'detected' | 'missed';

/** One fact behind an outcome: always a sentence (`text`), with the data it comes from. */
export interface Evidence {
  text: string;
  [detail: string]: unknown;
}

/** A weakness the drill found, and what closes it. */
export interface Gap {
  title: string;
  fix: string;
}

export interface StageResult {
  stage: DrillStage;
  outcome: Outcome;
  summary: string;
  evidence: Evidence[];
  gaps: Gap[];
}

/** One step of the attack as it would unfold in the team's cluster (the picture of the path). */
export interface StepOutcome {
  id: string;
  title: string;
  /** Seconds after the install. */
  at: number;
  /** `blocked`: the network stops it; `not reached`: an earlier step was blocked. */
  status: 'ran' | 'blocked' | 'not reached';
  detail: string;
}

export interface DrillResult {
  kubeward: string;
  scenario: string;
  namespace: string;
  stages: StageResult[];
  firstStop: DrillStage | null;
  timeToDetectSeconds: number | null;
  gaps: number;
  // Optional keys after the contract's.
  title?: string;
  path?: StepOutcome[];
  inputs?: Record<string, unknown>;
  warnings?: string[];
}

/**
 * Where the attack is first stopped or seen in time: the first stage that stops it, or Expose when it
 * detects it within --max-ttd. Evaluate's `detected` is posture (an audit would name the account on
 * its next run, after the fact) and a Limit that is `partial` leaves a way out: neither counts.
 */
export function firstStopOf(stages: readonly StageResult[]): DrillStage | null {
  const stop = stages.find((stage) => stage.outcome === 'stopped' || (stage.stage === 'expose' && stage.outcome === 'detected'));
  return stop ? stop.stage : null;
}

/** 0 when a stage stops the attack or Expose detects it in time, 1 when it goes through unstopped and unseen. */
export function drillExitCode(result: Pick<DrillResult, 'firstStop'>): 0 | 1 {
  return result.firstStop === null ? 1 : 0;
}
