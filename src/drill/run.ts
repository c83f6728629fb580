/**
 * `kubeward drill run`: the scenario's attack through the team's own defences, one engine per stage,
 * each with the team's inputs. Pure: the CLI loads the scenario, renders its chart, reads the cluster
 * sources, the configuration, the policies and the rules; this decides.
 *
 * Each stage is judged on its own, as if the stages before it had let the attack through: a drill
 * says where the attack would be stopped and where it would only be seen, and every gap counts.
 */
import type { ChartSource } from '../core/chart.js';
import type { Config } from '../core/config.js';
import { InputError } from '../core/errors.js';
import { selfDeletingPolicies } from '../core/hooks.js';
import { Inventory } from '../core/inventory.js';
import type { KubeObject } from '../core/object.js';
import type { Severity } from '../core/severity.js';
import type { PipelineOptions } from '../detect/pipeline.js';
import type { ChartProbe } from '../load/render-variants.js';
import type { PolicySetLike } from '../policy/run.js';
import { buildEngine } from '../rbac/engine.js';
import { evaluateStage } from './evaluate.js';
import { exposeStage, type DrillAlert } from './expose.js';
import { fortifyStage } from './fortify.js';
import { limitStage, type ConnectionVerdict } from './limit.js';
import { reconStage } from './recon.js';
import { firstStopOf, type DrillResult, type StageResult, type StepOutcome } from './result.js';
import type { DrillScenario } from './scenario.js';
import { attackPod, buildTimeline, type Timeline } from './timeline.js';

export interface DrillInput {
  version: string;
  scenario: DrillScenario;
  /** Where the chart is installed (`--namespace`, else the scenario's). */
  namespace: string;
  /** The chart as rendered for that namespace: its inventory (with provenance), sources and extra renders. */
  chart: { inventory: Inventory; charts?: readonly ChartSource[]; probes?: readonly ChartProbe[] };
  /** The team's existing objects (`--cluster`). */
  cluster: readonly KubeObject[];
  config: Config;
  configFile?: string;
  failOn: Severity | 'none';
  /** The team's admission policies (cluster sources and --policies), if any. */
  policies?: PolicySetLike;
  /** The built-in pack, to name Fortify's fix. */
  builtinPolicies?: PolicySetLike;
  detection: Pick<PipelineOptions, 'rules' | 'falco'>;
  ruleSources: string[];
  maxTtdSeconds: number;
  /** Described in the result's `inputs`. */
  inputs?: Record<string, unknown>;
}

/** Everything a drill found: the contract's result, and what the tabletop and the kit reuse. */
export interface DrillRun {
  result: DrillResult;
  timeline: Timeline;
  alerts: DrillAlert[];
  verdicts: ConnectionVerdict[];
}

/** The cluster plus the chart: a Namespace object for the target namespace when the cluster has none. */
function withChart(cluster: readonly KubeObject[], chart: readonly KubeObject[], namespace: string): KubeObject[] {
  const objects = [...cluster, ...chart];
  if (!objects.some((object) => object.kind === 'Namespace' && object.metadata.name === namespace)) {
    objects.push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace, labels: { 'kubernetes.io/metadata.name': namespace } } });
  }
  return objects;
}

/** Hooks that delete themselves once they ran: gone from the cluster an audit looks at. */
const selfDeleting = (object: KubeObject) => selfDeletingPolicies(object).includes('hook-succeeded');

export function runDrill(input: DrillInput): DrillRun {
  const { scenario, namespace } = input;
  const chartObjects = input.chart.inventory.objects;
  const installed = Inventory.of(withChart(input.cluster, chartObjects, namespace));
  const after = Inventory.of(withChart(input.cluster, chartObjects.filter((object) => !selfDeleting(object)), namespace));
  const attacker = chartObjects.find((object) => object.kind === scenario.attacker.kind && object.metadata.name === scenario.attacker.name);
  if (!attacker) {
    const rendered = chartObjects.map((object) => `${object.kind}/${object.metadata.name}`).join(', ');
    throw new InputError(`${scenario.file ?? scenario.name}: attacker.workload: ${scenario.attacker.kind}/${scenario.attacker.name} is not among the chart's objects as rendered in ${namespace} (${rendered || 'nothing rendered'})`);
  }
  const pod = attackPod(scenario, namespace, attacker);

  const recon = reconStage({ inventory: input.chart.inventory, charts: input.chart.charts, probes: input.chart.probes, config: input.config, failOn: input.failOn, namespace, configFile: input.configFile });
  const evaluate = evaluateStage({ inventory: after, config: input.config, serviceAccount: { namespace, name: pod.serviceAccount }, removed: chartObjects.filter(selfDeleting), configFile: input.configFile });
  const clusterWithNamespace = Inventory.of(withChart(input.cluster, [], namespace));
  const fortify = fortifyStage({
    policies: input.policies,
    builtin: input.builtinPolicies,
    cluster: clusterWithNamespace,
    chart: chartObjects,
    installer: { username: scenario.installer.username, groups: [...scenario.installer.groups, 'system:authenticated'] },
  });
  const limit = limitStage(installed, scenario, namespace);
  const timeline = buildTimeline({ scenario, namespace, chart: chartObjects, engine: buildEngine(installed), runs: limit.runs, namespaces: installed.namespaces() });
  const expose = exposeStage({ scenario, timeline, runs: limit.runs, detection: input.detection, ruleSources: input.ruleSources, maxTtdSeconds: input.maxTtdSeconds });

  const { findings: _findings, ...reconResult } = recon;
  const stages: StageResult[] = [reconResult, evaluate, fortify, limit.result, expose.result];
  const result: DrillResult = {
    kubeward: input.version,
    scenario: scenario.name,
    namespace,
    stages,
    firstStop: firstStopOf(stages),
    timeToDetectSeconds: expose.timeToDetectSeconds,
    gaps: stages.reduce((sum, stage) => sum + stage.gaps.length, 0),
    title: scenario.title,
    path: attackPath(scenario, limit.runs, limit.verdicts, expose.alerts, timeline),
    ...(input.inputs ? { inputs: input.inputs } : {}),
  };
  return { result, timeline, alerts: expose.alerts, verdicts: limit.verdicts };
}

/** The attack's steps as they would unfold: what the network let each do, and the first alert on it. */
function attackPath(scenario: DrillScenario, runs: ReturnType<typeof limitStage>['runs'], verdicts: readonly ConnectionVerdict[], alerts: readonly DrillAlert[], timeline: Timeline): StepOutcome[] {
  let blocked = false;
  return scenario.steps.map((step) => {
    const run = runs.find((candidate) => candidate.id === step.id);
    const denied = verdicts.filter((verdict) => verdict.step === step.id && !verdict.allowed);
    const seen = alerts.find((entry) => entry.steps.includes(step.id));
    const status: StepOutcome['status'] = blocked ? 'not reached' : run?.ran === false ? 'blocked' : 'ran';
    if (status === 'blocked') blocked = true;
    const channel = run?.channel === undefined ? undefined : step.channels[run.channel];
    const requests = timeline.requests.filter((request) => request.step === step.id);
    const parts: string[] = [];
    if (status === 'blocked') parts.push(`NetworkPolicy denies ${denied.map((verdict) => verdict.destination).join('; ')}`);
    if (status === 'ran') {
      if (requests.length) parts.push(`${requests.filter((request) => request.allowed).length} of ${requests.length} API requests allowed by RBAC`);
      if (channel) parts.push(`out through ${channel.to === 'cluster-dns' ? 'cluster DNS' : channel.to === 'outside-resolver' ? `the resolver ${channel.address}` : `${channel.address}:${channel.port ?? 443}`}`);
      if (denied.length) parts.push(`blocked: ${denied.map((verdict) => verdict.destination).join('; ')}`);
      parts.push(seen ? `first alert +${seen.at}s: ${seen.alert.priority} ${seen.alert.rule}` : 'no alert');
    }
    return { id: step.id, title: step.title, at: step.at / 1000, status, detail: parts.join('; ') };
  });
}
