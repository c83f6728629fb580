/**
 * The Fortify stage: the team's ValidatingAdmissionPolicies (those in the cluster sources and those
 * `--policies` names, the built-in pack among them when it is named) admit every object of the chart
 * as the API server would: each object a CREATE by the installer, and each workload's pod a CREATE by
 * its controller. `stopped` when a binding with the Deny action rejects any of them: Helm's install
 * fails at that object. Warn and Audit only report.
 *
 * When nothing denies, the built-in pack is run too, to say what it would have stopped.
 */
import type { Inventory } from '../core/inventory.js';
import { describeRef, refOf, type KubeObject } from '../core/object.js';
import { podTemplateOf } from '../core/workload.js';
import type { UserInfo } from '../policy/admission.js';
import { admitObjects, type ObjectDecision, type PolicySetLike } from '../policy/run.js';
import type { Evidence, Gap, StageResult } from './result.js';

export interface FortifyInput {
  /** The team's policies, or undefined when it has none. */
  policies?: PolicySetLike;
  /** The built-in pack, to name the fix when the team's policies let the chart in. */
  builtin?: PolicySetLike;
  /** The cluster as it stands before the install (namespaces, RBAC for authorizer checks). */
  cluster: Inventory;
  /** The chart's objects, in the namespace they are installed into. */
  chart: readonly KubeObject[];
  installer: UserInfo;
}

/** The requests an install makes: every object by the installer, every workload's pod by its controller. */
export function installRequests(chart: readonly KubeObject[], installer: UserInfo): { object: KubeObject; user: UserInfo }[] {
  const requests = chart.map((object) => ({ object, user: installer }));
  for (const object of chart) {
    const template = podTemplateOf(object);
    if (!template || object.kind === 'Pod' || object.kind === 'CronJob') continue;
    const controller = object.kind === 'Deployment' || object.kind === 'ReplicaSet' ? 'replicaset-controller' : object.kind === 'Job' ? 'job-controller' : object.kind === 'DaemonSet' ? 'daemon-set-controller' : 'statefulset-controller';
    const metadata = (template.metadata ?? {}) as KubeObject['metadata'];
    const pod: KubeObject = { apiVersion: 'v1', kind: 'Pod', metadata: { ...metadata, name: `${object.metadata.name}-pod`, namespace: object.metadata.namespace }, spec: template.spec };
    requests.push({ object: pod, user: { username: `system:serviceaccount:kube-system:${controller}`, groups: ['system:serviceaccounts', 'system:serviceaccounts:kube-system', 'system:authenticated'] } });
  }
  return requests;
}

function denials(decisions: readonly ObjectDecision[]): { decision: ObjectDecision; message: string; policy: string }[] {
  return decisions.flatMap((decision) =>
    decision.result.violations.filter((violation) => violation.actions.includes('Deny')).map((violation) => ({ decision, message: violation.message, policy: violation.policy })),
  );
}

function warnings(decisions: readonly ObjectDecision[]): { decision: ObjectDecision; message: string; policy: string }[] {
  return decisions.flatMap((decision) =>
    decision.result.violations.filter((violation) => !violation.actions.includes('Deny')).map((violation) => ({ decision, message: violation.message, policy: violation.policy })),
  );
}

const what = (object: KubeObject) => describeRef(refOf(object));

export function fortifyStage(input: FortifyInput): StageResult {
  const requests = installRequests(input.chart, input.installer);
  if (!input.policies || input.policies.policies.length === 0) {
    const fix = builtinFix(input, requests);
    return {
      stage: 'fortify',
      outcome: 'missed',
      summary: 'no ValidatingAdmissionPolicy in the cluster sources or --policies: the API server admits every object of the chart',
      evidence: fix.evidence,
      gaps: [{ title: 'no admission policy stands between helm install and the cluster', fix: fix.text }],
    };
  }
  const decisions = admitObjects(input.policies, input.cluster, requests);
  const denied = denials(decisions);
  const warned = warnings(decisions);
  const evidence: Evidence[] = [
    ...denied.map(({ decision, message, policy }) => ({ text: `denied: ${what(decision.object)} by ${policy}: ${message}`, policy, object: decision.object.metadata.name, kind: decision.object.kind, action: 'Deny', message })),
    ...warned.map(({ decision, message, policy }) => ({ text: `warned only: ${what(decision.object)} by ${policy}: ${message}`, policy, object: decision.object.metadata.name, kind: decision.object.kind, action: 'Warn', message })),
  ];
  const count = `${input.policies.policies.length} ValidatingAdmissionPolic${input.policies.policies.length === 1 ? 'y' : 'ies'}`;
  if (denied.length) {
    const first = denied[0];
    return {
      stage: 'fortify',
      outcome: 'stopped',
      summary: `admission denies ${[...new Set(denied.map(({ decision }) => what(decision.object)))].join(', ')} (${[...new Set(denied.map(({ policy }) => policy))].join(', ')}): helm install fails at ${what(first.decision.object)}`,
      evidence,
      gaps: [],
    };
  }
  const gaps: Gap[] = [];
  for (const { decision, policy } of warned) {
    gaps.push({ title: `${policy} flags ${what(decision.object)} but only warns or audits`, fix: `add Deny to the validationActions of ${policy}'s binding once its warnings are clean` });
  }
  const fix = builtinFix(input, requests);
  gaps.push({ title: `the team's ${count} admit every object of the chart`, fix: fix.text });
  return { stage: 'fortify', outcome: 'missed', summary: `the team's ${count} admit every object of the chart${warned.length ? ' (with warnings only)' : ''}`, evidence: [...evidence, ...fix.evidence], gaps };
}

/** What the built-in pack would deny, as the fix to name. */
function builtinFix(input: FortifyInput, requests: { object: KubeObject; user: UserInfo }[]): { text: string; evidence: Evidence[] } {
  if (!input.builtin) return { text: 'enforce ValidatingAdmissionPolicies that deny cluster-wide bindings by non-administrators (`kubeward policy export` writes the built-in pack)', evidence: [] };
  const denied = denials(admitObjects(input.builtin, input.cluster, requests));
  if (denied.length === 0) return { text: 'write a ValidatingAdmissionPolicy for what this chart does: the built-in pack admits it too', evidence: [] };
  const policies = [...new Set(denied.map(({ policy }) => policy))];
  return {
    text: `enforce the built-in pack (\`kubeward policy export | kubectl apply -f -\`; \`--policies builtin\` shows it here): ${policies.join(', ')} would deny ${[...new Set(denied.map(({ decision }) => what(decision.object)))].join(', ')}`,
    evidence: denied.map(({ decision, message, policy }) => ({ text: `the built-in pack would deny ${what(decision.object)} (${policy}): ${message}`, policy, object: decision.object.metadata.name, kind: decision.object.kind, builtin: true })),
  };
}
