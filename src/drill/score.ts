/**
 * `kubeward drill score`: after a live-fire drill (or several), the numbers the battlecard asks for.
 * Time to detect (the first alert at high or above after the start), time to remediate (from that
 * alert, or from the start when nothing alerted, to the moment the team contained it) and its mean
 * across drills, whether any alert named the pod and the ServiceAccount, the gaps found, and the
 * developer-confidence average. Then a blameless post-mortem template pre-filled with the timeline.
 * Pure: alerts and times in, a score and markdown out.
 */
import type { Alert } from '../core/alert.js';
import { escapeControl } from '../core/sanitize.js';
import { atOrAbove } from '../core/severity.js';
import { alertNames } from './naming.js';
import type { Gap } from './result.js';

export interface DrillTimes {
  /** Where the alerts came from (the file), for the report. */
  source: string;
  alerts: readonly Alert[];
  started: number;
  remediated: number;
}

/** Who the blue team had to name: the kit's pod (by name prefix) and ServiceAccount. */
export interface ScoreTarget {
  namespace: string;
  podPrefix?: string;
  serviceAccount?: string;
}

export interface ScoreInput {
  drills: readonly DrillTimes[];
  target?: ScoreTarget;
  /** Developer-confidence answers, 1 to 5. */
  survey?: readonly number[];
  /** Gaps a `drill run` found, to carry into the post-mortem. */
  drillGaps?: readonly (Gap & { stage: string })[];
  maxTtdSeconds: number;
}

export interface DrillScore {
  source: string;
  started: string;
  remediated: string;
  firstAlert: { rule: string; priority: string; time: string; principal: string } | null;
  timeToDetectSeconds: number | null;
  timeToRemediateSeconds: number;
  alerts: number;
  namedPod: boolean | null;
  namedServiceAccount: boolean | null;
}

export interface ScoreResult {
  kubeward: 'drill-score';
  drills: DrillScore[];
  meanTimeToDetectSeconds: number | null;
  meanTimeToRemediateSeconds: number;
  gaps: (Gap & { stage: string })[];
  confidence: { responses: number; average: number } | null;
}

const seconds = (ms: number) => Math.round(ms / 100) / 10;
const iso = (ms: number) => new Date(ms).toISOString();
const mean = (values: readonly number[]) => Math.round((values.reduce((sum, value) => sum + value, 0) / values.length) * 10) / 10;

/** Alerts of the drill: those at or after its start, in time order. */
function drillAlerts(drill: DrillTimes): { alert: Alert; time: number }[] {
  return drill.alerts
    .map((alert) => ({ alert, time: Date.parse(alert.time) }))
    .filter((entry) => Number.isFinite(entry.time) && entry.time >= drill.started)
    .sort((a, b) => a.time - b.time);
}

export function scoreDrills(input: ScoreInput): ScoreResult {
  const gaps: (Gap & { stage: string })[] = [];
  const drills = input.drills.map((drill): DrillScore => {
    const alerts = drillAlerts(drill);
    const first = alerts.find((entry) => atOrAbove(entry.alert.priority, 'high'));
    const from = first ? first.time : drill.started;
    const named = input.target ? alerts.filter((entry) => atOrAbove(entry.alert.priority, 'high')).map((entry) => alertNames(entry.alert, { namespace: input.target!.namespace, pod: input.target!.podPrefix, serviceAccount: input.target!.serviceAccount })) : [];
    const score: DrillScore = {
      source: drill.source,
      started: iso(drill.started),
      remediated: iso(drill.remediated),
      firstAlert: first ? { rule: first.alert.rule, priority: first.alert.priority, time: first.alert.time, principal: first.alert.principal } : null,
      timeToDetectSeconds: first ? seconds(first.time - drill.started) : null,
      timeToRemediateSeconds: seconds(Math.max(0, drill.remediated - from)),
      alerts: alerts.length,
      namedPod: input.target?.podPrefix ? named.some((entry) => entry.pod) : null,
      namedServiceAccount: input.target?.serviceAccount ? named.some((entry) => entry.serviceAccount) : null,
    };
    const where = input.drills.length > 1 ? ` (${drill.source})` : '';
    if (!first) {
      gaps.push({ stage: 'expose', title: `no alert at high or above during the drill${where}${alerts.length ? `: only ${[...new Set(alerts.map((entry) => `${entry.alert.priority} ${entry.alert.rule}`))].join(', ')}` : ''}`, fix: 'check that the audit log and the CoreDNS query log reach kubeward detect (or your SIEM), and that the rules for Secret reads and DNS exfiltration are enabled at high' });
    } else if (score.timeToDetectSeconds! > input.maxTtdSeconds) {
      gaps.push({ stage: 'expose', title: `time to detect ${score.timeToDetectSeconds}s is above the target of ${input.maxTtdSeconds}s${where}`, fix: 'alert on the first signal (the binding, the first cross-namespace Secret read), and shorten the log shipping delay' });
    }
    if (score.namedPod === false) gaps.push({ stage: 'expose', title: `no alert at high or above named the pod${where}`, fix: 'attribute DNS queries to pods (`kubeward detect --pods`), so the DNS alerts name the pod and its workload' });
    if (score.namedServiceAccount === false) gaps.push({ stage: 'expose', title: `no alert at high or above named the ServiceAccount${where}`, fix: 'keep Secret reads in the audit log (Metadata level) and alert on them per ServiceAccount' });
    return score;
  });
  gaps.push(...(input.drillGaps ?? []));
  const detected = drills.map((drill) => drill.timeToDetectSeconds).filter((value): value is number => value !== null);
  return {
    kubeward: 'drill-score',
    drills,
    meanTimeToDetectSeconds: detected.length ? mean(detected) : null,
    meanTimeToRemediateSeconds: mean(drills.map((drill) => drill.timeToRemediateSeconds)),
    gaps,
    confidence: input.survey?.length ? { responses: input.survey.length, average: Math.round(mean(input.survey) * 100) / 100 } : null,
  };
}

const md = (text: string) => escapeControl(text).replace(/\|/g, '\\|').replace(/</g, '&lt;');
const yesNo = (value: boolean | null) => (value === null ? 'not checked (give --kit, or --pod and --service-account)' : value ? 'yes' : '**no**');

/** The blameless post-mortem template, pre-filled with the timeline and the numbers. */
export function renderPostMortem(score: ScoreResult, input: ScoreInput): string {
  const out: string[] = [];
  out.push('# Post-mortem: security drill', '', '_Blameless: this is about the system and the process, never about a person. Fill in the sections in italics._', '');
  out.push('## Numbers', '', '| | |', '|---|---|');
  out.push(`| Drills | ${score.drills.length} |`);
  out.push(`| Time to detect | ${score.drills.map((drill) => (drill.timeToDetectSeconds === null ? 'not detected' : `${drill.timeToDetectSeconds}s`)).join(', ')}${score.meanTimeToDetectSeconds !== null && score.drills.length > 1 ? ` (mean ${score.meanTimeToDetectSeconds}s)` : ''} |`);
  out.push(`| Time to remediate | ${score.drills.map((drill) => `${drill.timeToRemediateSeconds}s`).join(', ')}${score.drills.length > 1 ? ` (MTTR ${score.meanTimeToRemediateSeconds}s)` : ''} |`);
  out.push(`| Alerts named the pod | ${score.drills.map((drill) => yesNo(drill.namedPod)).join(', ')} |`);
  out.push(`| Alerts named the ServiceAccount | ${score.drills.map((drill) => yesNo(drill.namedServiceAccount)).join(', ')} |`);
  out.push(`| Gaps found | ${score.gaps.length} |`);
  out.push(`| Developer confidence | ${score.confidence ? `${score.confidence.average} / 5 (${score.confidence.responses} responses)` : 'no survey (--survey)'} |`, '');
  score.drills.forEach((drill, index) => {
    const times = input.drills[index];
    out.push(`## Timeline${score.drills.length > 1 ? ` ${index + 1} (${md(drill.source)})` : ''}`, '', '| Time (UTC) | After start | What |', '|---|---|---|');
    const rows: { time: number; what: string }[] = [{ time: times.started, what: '**Drill starts** (the chart is installed)' }];
    for (const entry of drillAlerts(times)) rows.push({ time: entry.time, what: `alert \`${entry.alert.priority}\` **${md(entry.alert.rule)}**: ${md(entry.alert.principal)}: ${md(entry.alert.summary)}` });
    rows.push({ time: times.remediated, what: '**Contained** (remediated)' });
    rows.sort((a, b) => a.time - b.time);
    for (const row of rows) out.push(`| ${iso(row.time)} | +${seconds(row.time - times.started)}s | ${row.what} |`);
    out.push('', '_Add what people did and when: who saw the first alert, who was paged, the first command run, when the pod and the ServiceAccount were named._', '');
  });
  out.push('## Gaps found', '');
  if (score.gaps.length === 0) out.push('- none found by the tools: list the procedural ones below');
  for (const gap of score.gaps) out.push(`- [ ] **${md(gap.stage)}**: ${md(gap.title)}. Fix: ${md(gap.fix)}`);
  out.push('', '## What went well', '', '_…_', '', '## What was confusing', '', '_…_', '', '## What failed (tools, runbooks, access)', '', '_…_', '');
  out.push('## Action items', '', '| Action | Owner | Due | Ticket |', '|---|---|---|---|', '| _…_ | | | |', '');
  return out.join('\n');
}
