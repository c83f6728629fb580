/**
 * `kubeward drill tabletop`: the drill as a runbook for a room of people. The injects in the order the
 * team would meet them, each with the alert text the team's rules would really raise (from the drill's
 * detection run, not written by hand), the signals to look for, questions per role, and the commands to
 * run. Then the drill's stage outcomes and gaps, to discuss. Pure: markdown from a drill run.
 */
import { isRecord, type KubeObject } from '../core/object.js';
import { escapeControl } from '../core/sanitize.js';
import type { DrillAlert } from './expose.js';
import type { DrillResult } from './result.js';
import type { DrillScenario, StepSpec } from './scenario.js';
import { sampleExfiltrationName, type Timeline } from './timeline.js';

export const ROLES = ['developer', 'on-call', 'platform', 'security'] as const;

export interface TabletopInput {
  scenario: DrillScenario;
  /** The chart's objects as rendered: the bindings to cut are read from them. */
  chart: readonly KubeObject[];
  result: DrillResult;
  timeline: Timeline;
  alerts: readonly DrillAlert[];
}

const md = (text: string) => escapeControl(text).replace(/\|/g, '\\|').replace(/</g, '&lt;');

/** The questions each role answers at a step, on top of the scenario's own. */
function questionsFor(step: StepSpec, input: TabletopInput, seen: boolean): Record<(typeof ROLES)[number], string[]> {
  const { pod } = input.timeline;
  const account = `${pod.namespace}/${pod.serviceAccount}`;
  switch (step.id) {
    case 'install':
      return {
        developer: ['Where did this chart come from, and who reviewed it?', 'What did `helm template` show before the install: did anyone read the ClusterRoleBinding?'],
        'on-call': [seen ? 'The alert names a binding: who created it, and is that person reachable?' : 'Nothing alerted on the install. What would have made you look?'],
        platform: ['Why could a developer of this namespace create cluster-wide bindings at all?', 'Would `kubeward gate` as the Helm post-renderer have blocked this, at the threshold CI uses?'],
        security: ['Which Secrets can the new account read now, in which namespaces?', 'Is the chart repository on the approved list?'],
      };
    case 'read-secrets':
      return {
        developer: ['Does a tracing agent have any reason to read Secrets?'],
        'on-call': [
          seen ? `The alert names ${account}: how do you find the pod that holds its token, and its node?` : 'Nothing alerted on the Secret reads. Which log would show them, and who looks at it?',
          'Do you cut the account off first (delete the binding) or the pod (scale to zero)? What does each destroy as evidence?',
        ],
        platform: ['Which NetworkPolicy would have kept this pod away from the API server?'],
        security: ['Which Secrets were read (audit log: verb get/list, resource secrets, this user)? Which credentials must be rotated, by whom, how fast?'],
      };
    case 'exfiltrate':
      return {
        developer: ['Which names does your application resolve? Would you notice a new one?'],
        'on-call': [seen ? 'The DNS alert names a pod: is it the same pod as the Secret reads?' : 'Nothing alerted on DNS. Are CoreDNS query logs collected at all?', 'How do you stop the queries now, without deleting the evidence?'],
        platform: ['Does the cluster resolver forward any name upstream? Would an egress policy that allows DNS have stopped this?'],
        security: ['What left, and to which domain? Which resolvers and registrars do you ask, and what do you tell the owners of the leaked credentials?'],
      };
    default:
      return { developer: [], 'on-call': ['What do you see, and what do you do first?'], platform: [], security: [] };
  }
}

function commandsFor(step: StepSpec, input: TabletopInput): string[] {
  const { scenario, timeline } = input;
  const { pod } = timeline;
  const release = scenario.chart.release;
  const bindings = input.chart.filter((object) => (object.kind === 'ClusterRoleBinding' || object.kind === 'RoleBinding') && Array.isArray(object.subjects) && object.subjects.some((subject) => isRecord(subject) && subject.kind === 'ServiceAccount' && subject.name === pod.serviceAccount));
  const cut = bindings.map((binding) => `kubectl delete ${binding.kind.toLowerCase()} ${binding.metadata.name}${binding.metadata.namespace ? ` -n ${binding.metadata.namespace}` : ''}   # cut the account off; keep the pod for forensics`);
  switch (step.id) {
    case 'install':
      return [
        `helm -n ${pod.namespace} get manifest ${release} | kubeward scan - -n ${pod.namespace}`,
        `kubectl get clusterrolebindings,rolebindings -A -o wide | grep ${pod.serviceAccount}`,
        `kubeward rbac can ServiceAccount:${pod.namespace}:${pod.serviceAccount} list secrets -n payments-api cluster-dump.json`,
      ];
    case 'read-secrets':
      return [
        `kubeward rbac who-can list secrets -A cluster-dump.json`,
        `kubectl -n ${pod.namespace} get pods -o wide --field-selector spec.serviceAccountName=${pod.serviceAccount}`,
        `kubeward detect --audit-log audit.log --format table | grep ${pod.serviceAccount}`,
        ...cut,
      ];
    case 'exfiltrate': {
      const name = sampleExfiltrationName(step);
      const domain = step.dns?.domain ?? 'the domain';
      return [
        `kubectl -n kube-system logs -l k8s-app=kube-dns --since=1h | grep ${domain}`,
        `kubeward detect --audit-log audit.log --dns-log coredns.log --pods pods.json --format table`,
        `kubectl -n ${pod.namespace} scale ${pod.workload.kind.toLowerCase()}/${pod.workload.name} --replicas=0   # stop the leak`,
        `kubeward netpol generate cluster-dump.json --from-dns-log coredns.log --pods pods.json   # least-privilege egress: DNS only for pods that use it`,
        ...(name ? [`# a query looks like: ${name}`] : []),
      ];
    }
    default:
      return [];
  }
}

function signals(step: StepSpec, input: TabletopInput): string[] {
  const lines: string[] = [];
  const requests = input.timeline.requests.filter((request) => request.step === step.id);
  for (const request of requests.slice(0, 6)) {
    lines.push(`audit: ${request.verb} ${request.resource}${request.namespace ? ` in ${request.namespace}` : ' in all namespaces'}${request.name ? ` (${request.name})` : ''}: ${request.allowed ? 'allowed' : 'forbidden (403)'}`);
  }
  if (step.id === 'install') {
    const created = input.timeline.audit.filter((line) => line.attack && line.step === 'install').length;
    lines.push(`audit: ${created} events from helm install and the controllers (the ServiceAccount, its bindings, the pod, the token the kubelet requests)`);
  }
  const dns = input.timeline.dns.filter((line) => line.step === step.id);
  if (dns.length) lines.push(`CoreDNS: ${dns.length} query lines for ${step.dns?.domain} from ${input.timeline.pod.ip} (search-path expansions included)`);
  else if (step.dns) lines.push(`CoreDNS: nothing (the queries ${input.result.path?.find((entry) => entry.id === step.id)?.status === 'ran' ? 'go to a resolver outside the cluster' : 'never happen'})`);
  return lines;
}

export function renderTabletop(input: TabletopInput): string {
  const { scenario, result, timeline, alerts } = input;
  const out: string[] = [];
  out.push(`# Tabletop: ${md(scenario.title)}`, '');
  if (scenario.description) out.push(md(scenario.description), '');
  out.push(
    `**Setting.** Namespace \`${result.namespace}\`; the chart is installed by \`${scenario.installer.username}\`; the attacking pod is \`${timeline.pod.namespace}/${timeline.pod.name}\` (ServiceAccount \`${timeline.pod.serviceAccount}\`, IP ${timeline.pod.ip}, node ${timeline.pod.node}).`,
    '',
    `**Roles.** ${ROLES.map((role) => `\`${role}\``).join(', ')}. The facilitator reads each inject at its time, shows the alert text (exactly what the team's rules raise), and asks the questions. Keep it blameless: the goal is the gaps, not a score.`,
    '',
    '**Timing.** Start a clock at the install. Note when someone first names the pod and the ServiceAccount, and when the leak is contained: `kubeward drill score` turns those times into time to detect and time to remediate.',
    '',
  );
  scenario.steps.forEach((step, index) => {
    const path = result.path?.find((entry) => entry.id === step.id);
    // An alert belongs to the inject of the last step its evidence reaches: that is when it fires.
    const stepAlerts = alerts.filter((entry) => lastStep(entry, scenario) === step.id);
    out.push(`## Inject ${index + 1} (+${step.at / 1000}s): ${md(step.title)}`, '');
    if (path) out.push(`_In your cluster: ${path.status}${path.detail ? `; ${md(path.detail)}` : ''}._`, '');
    out.push('**What the team sees**', '');
    if (stepAlerts.length === 0) out.push('- No alert fires. (Ask: would anyone notice?)');
    for (const entry of stepAlerts.slice(0, 5)) out.push(`- +${entry.at}s \`${entry.alert.priority.toUpperCase()}\` **${md(entry.alert.rule)}**: ${md(entry.alert.summary)}`);
    out.push('', '**Expected signals**', '');
    for (const line of signals(step, input)) out.push(`- ${md(line)}`);
    out.push('', '**Questions**', '');
    const questions = questionsFor(step, input, stepAlerts.length > 0);
    for (const role of ROLES) {
      const list = [...questions[role], ...(index === 0 ? scenario.questions[role] ?? [] : [])];
      for (const question of list) out.push(`- _${role}_: ${md(question)}`);
    }
    const commands = commandsFor(step, input);
    if (commands.length) out.push('', '**Commands**', '', '```sh', ...commands.map((line) => escapeControl(line)), '```');
    out.push('');
  });
  out.push('## Where your defences stand', '', '| Stage | Outcome | Summary |', '|---|---|---|');
  for (const stage of result.stages) out.push(`| ${stage.stage} | ${stage.outcome} | ${md(stage.summary)} |`);
  out.push('');
  if (result.gaps) {
    out.push('## Gaps to discuss (and to ticket)', '');
    for (const stage of result.stages) for (const gap of stage.gaps) out.push(`- [ ] **${stage.stage}**: ${md(gap.title)}. Fix: ${md(gap.fix)}`);
    out.push('');
  }
  out.push('## Close', '', '- What went well? What was confusing? Which tool or runbook failed?', '- Ask every participant for a confidence score (1 to 5): "I could find the pod and the ServiceAccount, and contain the leak, on my own." Record it for `kubeward drill score --survey`.', '');
  return out.join('\n');
}

function lastStep(entry: DrillAlert, scenario: DrillScenario): string | undefined {
  return scenario.steps.map((step) => step.id).filter((id) => entry.steps.includes(id)).pop();
}
