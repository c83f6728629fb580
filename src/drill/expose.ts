/**
 * The Expose stage: the attack's audit events and DNS queries, hidden in the generated background
 * traffic, go through the detection engine with the team's rules, in event-time order as
 * `kubeward detect --audit-log … --dns-log …` reads them. `detected` when the first alert at `high`
 * or above comes within --max-ttd of the install (time to detect: that alert's event time minus the
 * install's); otherwise `missed`, with what was seen too late or too quietly.
 *
 * Which step each alert saw comes from the alert's evidence (auditIDs, DNS log lines) matched with the
 * timeline: no rule id is assumed here, so the team's own rules are judged exactly like the built-in.
 */
import type { Alert } from '../core/alert.js';
import { atOrAbove, severityRank } from '../core/severity.js';
import type { DetectedAlert } from '../detect/detector.js';
import { PodIndex } from '../core/pods.js';
import { DetectPipeline, type PipelineOptions } from '../detect/pipeline.js';
import { alertNames } from './naming.js';
import type { Evidence, Gap, StageResult } from './result.js';
import type { DrillScenario } from './scenario.js';
import type { StepRun, Timeline } from './timeline.js';

export interface ExposeInput {
  scenario: DrillScenario;
  timeline: Timeline;
  runs: readonly StepRun[];
  /** The team's rules (kubeward and Falco), compiled. */
  detection: Pick<PipelineOptions, 'rules' | 'falco'>;
  /** The rule files in use, for the summary. */
  ruleSources: string[];
  maxTtdSeconds: number;
}

/** An alert of the drill, placed on the attack's timeline. */
export interface DrillAlert {
  alert: Alert;
  /** Seconds after the install. */
  at: number;
  /** The attack's steps its evidence belongs to (empty: raised on background traffic alone). */
  steps: string[];
  /** Does it name the attacking pod, and its ServiceAccount? (What the blue team needs first.) */
  namesPod: boolean;
  namesServiceAccount: boolean;
}

export interface ExposeOutcome {
  result: StageResult;
  alerts: DrillAlert[];
  timeToDetectSeconds: number | null;
}

const seconds = (ms: number) => Math.round(ms / 100) / 10;

/** Runs the logs through the detector and places every alert on the timeline. */
export function detectTimeline(timeline: Timeline, detection: ExposeInput['detection']): DrillAlert[] {
  const pipeline = new DetectPipeline({ ...detection, pods: new PodIndex(timeline.pods), retainAlerts: true, dnsFallbackTime: timeline.start });
  for (const line of timeline.dns) pipeline.dnsLine(line.text, line.id);
  for (const line of timeline.audit) pipeline.auditLine(line.text);
  pipeline.flushDns();
  const stepOf = new Map<string, string>();
  for (const line of [...timeline.audit, ...timeline.dns]) if (line.step) stepOf.set(line.id, line.step);
  const { pod } = timeline;
  return pipeline.alerts().map((detected: DetectedAlert) => {
    const { alert } = detected;
    const named = alertNames(alert, { namespace: pod.namespace, pod: pod.name, serviceAccount: pod.serviceAccount });
    return {
      alert,
      at: seconds(detected.alertTime - timeline.installAt),
      steps: [...new Set(alert.evidence.map((id) => stepOf.get(id)).filter((step): step is string => step !== undefined))],
      namesPod: named.pod,
      namesServiceAccount: named.serviceAccount,
    };
  });
}

export function exposeStage(input: ExposeInput): ExposeOutcome {
  const alerts = detectTimeline(input.timeline, input.detection);
  const onAttack = alerts.filter((entry) => entry.steps.length > 0);
  const noise = alerts.length - onAttack.length;
  const first = onAttack.find((entry) => atOrAbove(entry.alert.priority, 'high'));
  const ttd = first ? Math.max(0, first.at) : null;
  const evidence: Evidence[] = onAttack.slice(0, 12).map((entry) => ({
    text: `+${entry.at}s ${entry.alert.priority.toUpperCase()} ${entry.alert.rule} (${entry.steps.join(', ')}): ${entry.alert.principal}: ${entry.alert.summary}`,
    rule: entry.alert.rule,
    priority: entry.alert.priority,
    time: entry.alert.time,
    secondsAfterInstall: entry.at,
    steps: entry.steps,
    principal: entry.alert.principal,
    namesPod: entry.namesPod,
    namesServiceAccount: entry.namesServiceAccount,
  }));
  if (onAttack.length > 12) evidence.push({ text: `and ${onAttack.length - 12} more alerts on the attack` });
  if (noise) evidence.push({ text: `${noise} alert${noise === 1 ? '' : 's'} on the background traffic alone (false positives in this drill)`, falsePositives: noise });
  const rules = input.ruleSources.length ? input.ruleSources.join(', ') : 'no rules';
  const gaps = exposeGaps(input, onAttack, first, ttd);
  if (first && ttd !== null && ttd <= input.maxTtdSeconds) {
    return {
      result: { stage: 'expose', outcome: 'detected', summary: `${first.alert.rule} (${first.alert.priority}) fires ${ttd}s after the install, within --max-ttd ${input.maxTtdSeconds}s: ${first.alert.summary}`, evidence, gaps },
      alerts,
      timeToDetectSeconds: ttd,
    };
  }
  const summary = first
    ? `the first alert at high or above (${first.alert.rule}) fires ${ttd}s after the install, later than --max-ttd ${input.maxTtdSeconds}s`
    : onAttack.length
      ? `the team's rules (${rules}) raise only ${[...new Set(onAttack.map((entry) => `${entry.alert.priority} ${entry.alert.rule}`))].join(', ')} on the attack: nothing at high or above`
      : `the team's rules (${rules}) raise no alert on the attack's ${input.timeline.audit.filter((line) => line.attack).length} audit events and ${input.timeline.dns.filter((line) => line.attack).length} DNS queries`;
  return { result: { stage: 'expose', outcome: 'missed', summary, evidence, gaps }, alerts, timeToDetectSeconds: null };
}

function exposeGaps(input: ExposeInput, onAttack: readonly DrillAlert[], first: DrillAlert | undefined, ttd: number | null): Gap[] {
  const gaps: Gap[] = [];
  const { scenario, timeline } = input;
  const seen = new Set(onAttack.filter((entry) => atOrAbove(entry.alert.priority, 'high')).flatMap((entry) => entry.steps));
  const ran = new Set(input.runs.filter((run) => run.ran).map((run) => run.id));
  for (const step of scenario.steps) {
    if (!ran.has(step.id)) continue;
    const lines = [...timeline.audit, ...timeline.dns].filter((line) => line.step === step.id);
    if (seen.has(step.id)) continue;
    const quiet = onAttack.filter((entry) => entry.steps.includes(step.id)).sort((a, b) => severityRank(a.alert.priority) - severityRank(b.alert.priority))[0];
    if (lines.length === 0) {
      const run = input.runs.find((candidate) => candidate.id === step.id);
      const channel = run?.channel === undefined ? undefined : step.channels[run.channel];
      if (channel?.to === 'outside-resolver') {
        gaps.push({
          title: `"${step.title}" leaves no log: the pod sends DNS straight to ${channel.address}, so CoreDNS never sees the queries`,
          fix: 'allow port 53 only to the kube-dns pods (NetworkPolicy), deny dnsPolicy: None with outside nameservers at admission, and log DNS at the node or the egress point (flow logs) as well as in CoreDNS',
        });
      } else if (channel?.to === 'internet') {
        gaps.push({ title: `"${step.title}" goes straight to ${channel.address}: neither the audit log nor CoreDNS sees it`, fix: 'collect egress flow logs (CNI flow logs, VPC flow logs) and alert on connections from pods to unknown addresses' });
      }
      continue;
    }
    gaps.push({
      title: quiet
        ? `"${step.title}" raises only ${quiet.alert.priority} ${quiet.alert.rule}, below high`
        : `no rule alerts on "${step.title}" (${lines.length} ${lines[0].text.startsWith('{') ? 'audit events' : 'log lines'})`,
      fix: stepFix(step.id),
    });
  }
  if (first && ttd !== null && ttd > input.maxTtdSeconds) {
    gaps.push({ title: `time to detect ${ttd}s is above the target of ${input.maxTtdSeconds}s`, fix: 'alert on the first signal: the creation of a binding that reads Secrets cluster-wide, or a ServiceAccount listing Secrets across namespaces, not only on their correlation' });
  }
  // What the blue team needs first: which pod, which ServiceAccount. Some alert at high or above should name each.
  const loud = onAttack.filter((entry) => atOrAbove(entry.alert.priority, 'high'));
  if (loud.length) {
    const missing = [loud.some((entry) => entry.namesPod) ? '' : `the pod (${timeline.pod.name})`, loud.some((entry) => entry.namesServiceAccount) ? '' : `the ServiceAccount (${timeline.pod.namespace}/${timeline.pod.serviceAccount})`].filter(Boolean);
    if (missing.length) {
      gaps.push({
        title: `no alert at high or above names ${missing.join(' or ')}: the on-call has to find ${missing.length > 1 ? 'them' : 'it'} by hand`,
        fix: 'give the detector the pods (`kubeward detect --pods pods.json`) so DNS alerts name the pod and its workload, and keep the audit log at Metadata level or above for Secrets, so alerts carry the ServiceAccount and the pod-name claim of its token',
      });
    }
  }
  return gaps;
}

function stepFix(step: string): string {
  switch (step) {
    case 'install':
      return 'alert on bindings that grant Secrets or cluster-admin cluster-wide (the built-in rbac-binding-grants-powerful-role), at high';
    case 'read-secrets':
      return 'alert when a ServiceAccount lists Secrets cluster-wide or reads Secrets outside its namespace (the built-in secrets-listed-cluster-wide, serviceaccount-reads-other-namespace-secrets)';
    case 'exfiltrate':
      return 'ship CoreDNS query logs (the log plugin) to kubeward detect --dns-log with pods attributed, and alert on long random labels and many unique subdomains of one domain';
    default:
      return 'write a detection rule for the signals of this step (kubeward detect --rules)';
  }
}
