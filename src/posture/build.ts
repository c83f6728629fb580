/**
 * Builds the posture report from what each stage's engine already computes: the scan (rules, RBAC,
 * NetworkPolicy, supply chain), the RBAC audit's facts and escalation paths, the NetworkPolicy
 * coverage and connectivity, the built-in admission policies' decisions, the detector's alerts, the
 * last drill's result, and the earlier runs. Pure: the CLI loads every input.
 */
import type { ChartSource } from '../core/chart.js';
import type { Config } from '../core/config.js';
import type { Finding } from '../core/finding.js';
import { parseImage } from '../core/image.js';
import type { Inventory } from '../core/inventory.js';
import { describeRef } from '../core/object.js';
import { compareStrings } from '../core/order.js';
import { atOrAbove, SEVERITIES, severityRank, STAGES, type Severity, type Stage } from '../core/severity.js';
import { VERSION } from '../core/version.js';
import { containersOf, hasControllerIn, isWorkload } from '../core/workload.js';
import { isBootstrapObject } from '../rbac/builtin-roles.js';
import { auditFacts, buildEngine, describeSubject } from '../rbac/index.js';
import { coverage } from '../netpol/index.js';
import type { ChartProbe } from '../load/render-variants.js';
import type { PolicySetLike } from '../policy/run.js';
import { admitInventory } from '../policy/run.js';
import { policyTestReport } from '../report/policy.js';
import { sortFindings } from '../report/report.js';
import { scanInventory } from '../scan.js';
import { connectivityMatrix } from './connectivity.js';
import { detectionSection, type DetectionInput } from './detection.js';
import { trendsOf, type HistoryRun } from './history.js';
import { metric, percentMetric, secondsMetric, notMeasured } from './metrics.js';
import { STAGE_TITLES, TOP_FINDINGS, type DrillSummary, type PostureFinding, type PostureMetric, type PostureReport, POSTURE_SCHEMA, type Recon, type StageSection } from './model.js';
import { rbacGraph } from './rbac-graph.js';

export interface PostureInput {
  inventory: Inventory;
  config: Pick<Config, 'disable' | 'ignore' | 'allowedRegistries' | 'allowedRepositories' | 'failOn'>;
  sources: string[];
  charts?: readonly ChartSource[];
  probes?: readonly ChartProbe[];
  releaseNamespace?: string;
  /** The admission policies to decide every object with (the CLI passes the built-in pack). */
  policies?: PolicySetLike;
  detection?: DetectionInput;
  drill?: DrillSummary;
  history?: readonly HistoryRun[];
  now?: Date;
  title?: string;
  warnings?: readonly string[];
}

export function buildPosture(input: PostureInput): PostureReport {
  const now = input.now ?? new Date();
  const { inventory, config } = input;
  const scan = scanInventory(inventory, config, { charts: input.charts, releaseNamespace: input.releaseNamespace, probes: input.probes });
  const findings = sortFindings(scan.findings.filter((finding) => !finding.suppressed));
  const engine = buildEngine(inventory);
  const facts = auditFacts(engine);
  const netpol = coverage(inventory);
  const failOn = config.failOn ?? 'high';
  const policyDecisions = input.policies ? policyTestReport(admitInventory(input.policies, inventory), inventory, []) : undefined;
  const detection = input.detection ? detectionSection(input.detection) : undefined;
  const history = [...(input.history ?? [])].sort((a, b) => compareStrings(a.generatedAt, b.generatedAt));
  const lastRun = history.at(-1);

  const recon = reconOf(inventory, input.charts ?? []);
  const clusterRoleBindings = engine.bindings.filter((binding) => binding.kind === 'ClusterRoleBinding' && !isBootstrapObject(binding.object.metadata.labels));
  const external = config.allowedRepositories?.filter((entry) => !entry.internal);
  const registries = new Set(recon.images.map((image) => image.registry));
  const repositories = new Set(recon.charts.map((chart) => chart.repository).filter(Boolean));

  const defaultDeny = (direction: 'ingress' | 'egress') => netpol.namespaces.filter((namespace) => namespace.defaultDeny[direction]).length;
  const bothDenied = netpol.namespaces.filter((namespace) => namespace.defaultDeny.ingress && namespace.defaultDeny.egress).length;
  const clients = netpol.workloads.filter((entry) => !entry.isClusterDns);
  const internet = netpol.workloads.filter((entry) => entry.internet.length > 0).length;
  const outsideDns = clients.filter((entry) => entry.externalDns?.length).length;

  const metrics: Record<Stage, PostureMetric[]> = {
    recon: [
      metric('recon.cluster-role-bindings', 'ClusterRoleBindings created', clusterRoleBindings.length, { better: 'lower', detail: names(clusterRoleBindings.map((binding) => binding.name)), goal: 'each one reviewed' }),
      external
        ? metric('recon.allowed-external-repositories', 'Allowed external chart repositories', external.length, { better: 'lower', goal: 'a short, documented list (ideally 0)', detail: names(external.map((entry) => entry.url)) })
        : notMeasured('recon.allowed-external-repositories', 'Allowed external chart repositories', 'count', 'lower', 'no allowedRepositories in .kubeward.yaml', 'any'),
      metric('recon.chart-repositories', 'Chart repositories used', repositories.size, { better: 'lower', detail: names([...repositories] as string[]) }),
      metric('recon.image-registries', 'Image registries used', registries.size, { better: 'lower', detail: names([...registries]) }),
    ],
    evaluate: [
      metric('evaluate.wildcard-service-accounts', 'ServiceAccounts with wildcard permissions', facts.wildcardAccounts.length, { better: 'lower', goal: '0', detail: names(facts.wildcardAccounts.map(describeSubject)) }),
      facts.workloads
        ? percentMetric('evaluate.non-default-service-account-share', 'Workloads on a non-default ServiceAccount', facts.workloads - facts.onDefault, facts.workloads, { better: 'higher', goal: '100%', detail: facts.onDefault ? `${facts.onDefault} on default, ${facts.mountedOnDefault} of them with the token mounted` : undefined })
        : notMeasured('evaluate.non-default-service-account-share', 'Workloads on a non-default ServiceAccount', 'percent', 'higher', 'no workloads in the sources'),
      metric('evaluate.subjects-reading-all-secrets', 'Subjects that can read all Secrets', facts.secretReaders.length, { better: 'lower', goal: '0 beyond the control plane', detail: names(facts.secretReaders.map(describeSubject)) }),
      metric('evaluate.escalation-paths', 'Subjects with an escalation path to cluster-admin', facts.escalating.length, { better: 'lower', goal: '0', detail: `besides system:masters${facts.escalating.length ? `: ${names(facts.escalating.map(describeSubject))}` : ''}` }),
      metric('evaluate.cluster-admin-bindings', 'ClusterRoleBindings to cluster-admin', facts.clusterAdminBindings.length, { better: 'lower', detail: names(facts.clusterAdminBindings.map((binding) => binding.name)) }),
      lastRun
        ? secondsMetric('evaluate.time-since-last-rbac-audit', 'Time since the last RBAC audit', Math.max(0, (now.getTime() - Date.parse(lastRun.generatedAt)) / 1000), { better: 'lower', goal: 'a recurring, scheduled audit', detail: `the last run in --history: ${lastRun.generatedAt}` })
        : notMeasured('evaluate.time-since-last-rbac-audit', 'Time since the last RBAC audit', 'seconds', 'lower', 'no earlier run: give --history DIR'),
    ],
    fortify: [
      metric('fortify.blocking-findings', `Findings that fail CI (at or above ${failOn})`, findings.filter((finding) => atOrAbove(finding.severity, failOn)).length, { better: 'lower', detail: 'a pipeline running kubeward scan fails on these' }),
      metric('fortify.findings', 'Findings in all', findings.length, { better: 'lower' }),
      policyDecisions
        ? metric('fortify.policy-denied', 'Objects the admission policies deny', policyDecisions.summary.denied, { better: 'lower', detail: `${policyDecisions.summary.objects} objects admitted against the built-in policy pack; ${policyDecisions.summary.warned} warned` })
        : notMeasured('fortify.policy-denied', 'Objects the admission policies deny', 'count', 'lower', 'no policy set'),
    ],
    limit: [
      netpol.namespaces.length
        ? percentMetric('limit.default-deny-share', 'Namespaces with default-deny ingress and egress', bothDenied, netpol.namespaces.length, { better: 'higher', goal: '100%', detail: `${defaultDeny('ingress')} with default-deny ingress, ${defaultDeny('egress')} with default-deny egress` })
        : notMeasured('limit.default-deny-share', 'Namespaces with default-deny ingress and egress', 'percent', 'higher', 'no namespaces in the sources'),
      metric('limit.internet-workloads', 'Workloads that may reach the internet', internet, { better: 'lower', goal: '0 beyond known egress', detail: `of ${netpol.workloads.length} workloads` }),
      metric('limit.outside-resolver-workloads', 'Workloads that may send DNS to a resolver outside the cluster', outsideDns, { better: 'lower', goal: '0', detail: `of ${clients.length} workloads` }),
      ...flowMetrics(detection),
    ],
    expose: exposeMetrics(detection),
    exercise: exerciseMetrics(input.drill),
  };

  const stages: StageSection[] = STAGES.map((stage) => ({
    stage,
    title: STAGE_TITLES[stage],
    metrics: metrics[stage],
    findings: countOf(findings.filter((finding) => finding.stage === stage)),
    topFindings: findings
      .filter((finding) => finding.stage === stage)
      .slice(0, TOP_FINDINGS)
      .map(postureFinding),
    notes: notesOf(stage, input),
  }));

  const report: PostureReport = {
    schema: POSTURE_SCHEMA,
    kubeward: VERSION,
    generatedAt: now.toISOString(),
    title: input.title ?? 'kubeward posture report',
    sources: input.sources,
    stages,
    recon,
    rbacGraph: rbacGraph(engine),
    connectivity: connectivityMatrix(netpol),
    findingsByRule: findingsByRule(findings),
    policy: policyDecisions
      ? { ...policyDecisions.summary, byPolicy: byPolicy(policyDecisions.decisions) }
      : { objects: 0, denied: 0, warned: 0, audited: 0, allowed: 0, byPolicy: [] },
    ...(detection ? { detection } : {}),
    ...(input.drill ? { drill: input.drill } : {}),
    history: { runs: [], trends: {} },
    warnings: [...(input.warnings ?? []), ...scan.warnings],
  };
  report.history = trendsOf(history, report);
  return report;
}

/** The flow rules whose alerts are the battlecard's Limit signals (rules/detect/40-flows.yaml). */
const EGRESS_RULES = ['flow-new-internet-egress', 'flow-egress-to-outside-resolver'];
const POLICY_DROP_RULES = ['flow-dropped-by-policy'];

/** Limit's observed signals, from the network flows (`--flows`) through the detector: unexpected egress and policy violations. */
function flowMetrics(detection: PostureReport['detection']): PostureMetric[] {
  if (!detection?.flows) {
    const why = 'give --flows FILE (Hubble flows, as kubeward detect reads them)';
    return [notMeasured('limit.unexpected-egress', 'Unexpected egress (alerts on flows leaving the cluster)', 'count', 'lower', why), notMeasured('limit.policy-violations', 'Network policy violations (alerts on dropped flows)', 'count', 'lower', why)];
  }
  const count = (rules: string[]) => detection.alertsByRule.filter((entry) => rules.includes(entry.rule)).reduce((sum, entry) => sum + entry.count, 0);
  return [
    metric('limit.unexpected-egress', 'Unexpected egress (alerts on flows leaving the cluster)', count(EGRESS_RULES), { better: 'lower', goal: 'near 0', detail: `${EGRESS_RULES.join(', ')}; ${detection.flows} flows read` }),
    metric('limit.policy-violations', 'Network policy violations (alerts on dropped flows)', count(POLICY_DROP_RULES), { better: 'lower', detail: POLICY_DROP_RULES.join(', ') }),
  ];
}

function exposeMetrics(detection: PostureReport['detection']): PostureMetric[] {
  const why = 'give --audit-log (and --dns-log, --flows)';
  if (!detection) {
    return [
      notMeasured('expose.alerts', 'Alerts', 'count', 'lower', why),
      notMeasured('expose.time-to-detect', 'Time to detect (median)', 'seconds', 'lower', why),
      notMeasured('expose.alert-fidelity', 'Alert fidelity (actionable share)', 'percent', 'higher', why),
    ];
  }
  const times = detection.timeline.map((alert) => alert.timeToDetectSeconds).sort((a, b) => a - b);
  const fidelity = detection.fidelity;
  return [
    metric('expose.alerts', 'Alerts', detection.alerts, { better: 'lower', detail: `${detection.events} events read` }),
    times.length
      ? secondsMetric('expose.time-to-detect', 'Time to detect (median)', times[Math.floor((times.length - 1) / 2)], { better: 'lower', detail: `from the first event of an alert's evidence to the alert; longest ${times.at(-1)}s` })
      : notMeasured('expose.time-to-detect', 'Time to detect (median)', 'seconds', 'lower', 'no alerts'),
    fidelity && fidelity.triaged
      ? percentMetric('expose.alert-fidelity', 'Alert fidelity (actionable share)', fidelity.truePositive, fidelity.triaged, {
          better: 'higher',
          detail: `${fidelity.truePositive} true positive, ${fidelity.falsePositive} false positive, ${fidelity.benign} benign, ${fidelity.unjudged} without a verdict${fidelity.noisy.length ? `; noisy rules: ${names(fidelity.noisy)}` : ''}`,
        })
      : notMeasured('expose.alert-fidelity', 'Alert fidelity (actionable share)', 'percent', 'higher', 'give --verdicts FILE (verdicts on alert ids, as kubeward detect triage reads them)'),
  ];
}

function exerciseMetrics(drill: DrillSummary | undefined): PostureMetric[] {
  const run = drill?.hasRun ? drill : undefined;
  const why = 'give --drill RESULT.json (kubeward drill run)';
  const scoreWhy = 'give --drill SCORE.json (kubeward drill score)';
  const holding = run ? run.stages.filter((stage) => stage.outcome === 'stopped' || stage.outcome === 'detected').length : 0;
  return [
    run ? metric('exercise.stages-holding', 'Stages that stop or detect the attack', holding, { better: 'higher', detail: `of ${run.stages.length}; first stop: ${run.firstStop ?? 'none'}` }) : notMeasured('exercise.stages-holding', 'Stages that stop or detect the attack', 'count', 'higher', why),
    run ? metric('exercise.gaps', 'Gaps found in the last drill', run.gaps, { better: 'lower' }) : notMeasured('exercise.gaps', 'Gaps found in the last drill', 'count', 'lower', why),
    run && run.timeToDetectSeconds !== null
      ? secondsMetric('exercise.time-to-detect', 'Time to detect in the last drill', run.timeToDetectSeconds, { better: 'lower' })
      : notMeasured('exercise.time-to-detect', 'Time to detect in the last drill', 'seconds', 'lower', run ? 'the drill did not detect the attack' : why),
    drill?.timeToRemediateSeconds != null
      ? secondsMetric('exercise.mttr', 'Mean time to remediate', drill.timeToRemediateSeconds, { better: 'lower', detail: 'of the live-fire drills kubeward drill score scored' })
      : notMeasured('exercise.mttr', 'Mean time to remediate', 'seconds', 'lower', scoreWhy),
    drill?.confidence
      ? { ...metric('exercise.developer-confidence', 'Developer confidence (survey, 1 to 5)', drill.confidence.average, { better: 'higher', detail: `${drill.confidence.responses} responses` }), display: `${drill.confidence.average}/5` }
      : notMeasured('exercise.developer-confidence', 'Developer confidence (survey, 1 to 5)', 'count', 'higher', `${scoreWhy} with --survey`),
  ];
}

function notesOf(stage: Stage, input: PostureInput): string[] {
  if (stage === 'expose' && !input.detection) return ['No audit or DNS log was given (--audit-log, --dns-log): nothing to detect from.'];
  if (stage === 'exercise' && !input.drill?.hasRun) return ['No drill result was given (--drill RESULT.json from kubeward drill run).'];
  return [];
}

function reconOf(inventory: Inventory, charts: readonly ChartSource[]): Recon {
  const images = new Map<string, { registry: string; repository: string; containers: number }>();
  for (const object of inventory.objects) {
    // a Pod its controller owns is counted through the controller
    if (!isWorkload(object) || (object.kind === 'Pod' && hasControllerIn(object, inventory))) continue;
    for (const { container } of containersOf(object)) {
      if (typeof container.image !== 'string' || !container.image) continue;
      const { registry, repository } = parseImage(container.image);
      const key = `${registry}/${repository}`;
      const entry = images.get(key) ?? { registry, repository, containers: 0 };
      entry.containers++;
      images.set(key, entry);
    }
  }
  return {
    charts: charts.map((chart) => ({ name: chart.name, ...(chart.version ? { version: chart.version } : {}), ...(chart.repository ? { repository: chart.repository } : {}) })),
    images: [...images.values()].sort((a, b) => compareStrings(a.registry, b.registry) || compareStrings(a.repository, b.repository)),
  };
}

function postureFinding(finding: Finding): PostureFinding {
  const location = finding.location ? (finding.location.line ? `${finding.location.file}:${finding.location.line}` : finding.location.file) : undefined;
  return {
    ruleId: finding.ruleId,
    severity: finding.severity,
    title: finding.title,
    message: finding.message,
    object: describeRef(finding.object),
    ...(location ? { location } : {}),
    ...(finding.remediation ? { fix: finding.remediation } : {}),
  };
}

function countOf(findings: readonly Finding[]): StageSection['findings'] {
  const bySeverity = Object.fromEntries(SEVERITIES.map((severity) => [severity, 0])) as Record<Severity, number>;
  for (const finding of findings) bySeverity[finding.severity]++;
  return { total: findings.length, bySeverity };
}

function findingsByRule(findings: readonly Finding[]): PostureReport['findingsByRule'] {
  const byRule = new Map<string, PostureReport['findingsByRule'][number]>();
  for (const finding of findings) {
    const entry = byRule.get(finding.ruleId) ?? { ruleId: finding.ruleId, title: finding.title, severity: finding.severity, count: 0, stage: finding.stage };
    entry.count++;
    if (severityRank(finding.severity) < severityRank(entry.severity)) entry.severity = finding.severity;
    byRule.set(finding.ruleId, entry);
  }
  return [...byRule.values()].sort((a, b) => severityRank(a.severity) - severityRank(b.severity) || b.count - a.count || compareStrings(a.ruleId, b.ruleId));
}

function byPolicy(rows: readonly { policy: string; action: string }[]): PostureReport['policy']['byPolicy'] {
  const counts = new Map<string, { policy: string; denied: number; warned: number }>();
  for (const row of rows) {
    const entry = counts.get(row.policy) ?? { policy: row.policy, denied: 0, warned: 0 };
    if (row.action === 'Deny') entry.denied++;
    else if (row.action === 'Warn') entry.warned++;
    counts.set(row.policy, entry);
  }
  return [...counts.values()].sort((a, b) => b.denied - a.denied || b.warned - a.warned || compareStrings(a.policy, b.policy));
}

/** A few names for a metric's detail, with how many more. */
function names(list: readonly string[], max = 10): string | undefined {
  if (list.length === 0) return undefined;
  return `${list.slice(0, max).join(', ')}${list.length > max ? `, and ${list.length - max} more` : ''}`;
}
