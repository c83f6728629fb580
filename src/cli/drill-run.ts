/** What the `kubeward drill` commands do, loaded when one runs (drill.ts defines them). */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { InputError } from '../core/errors.js';
import { Inventory } from '../core/inventory.js';
import { systemErrorText } from '../core/sanitize.js';
import { VERSION } from '../core/version.js';
import { FIELD_TABLES } from '../detect/fields.js';
import { loadFalcoRules } from '../detect/falco.js';
import { loadKubewardRules } from '../detect/rules.js';
import { buildKit, DOMAIN_PATTERN } from '../drill/kit.js';
import { drillExitCode } from '../drill/result.js';
import { runDrill, type DrillRun } from '../drill/run.js';
import type { DrillScenario } from '../drill/scenario.js';
import { renderPostMortem, scoreDrills, type ScoreInput, type ScoreTarget } from '../drill/score.js';
import { renderTabletop } from '../drill/tabletop.js';
import type { KubeObject } from '../core/object.js';
import { parseTime, readAlertsFile, readDrillResult, readKitManifest, readSurvey } from '../load/drill-inputs.js';
import { loadCluster, mergeLoadResults, SCAN_CLUSTER_LISTS, type ClusterList } from '../load/cluster.js';
import { loadConfig } from '../load/config.js';
import { builtinDetectRuleFiles, readRuleFile } from '../load/detect-rules.js';
import { builtinScenarios, findScenario, renderScenarioChart } from '../load/drills.js';
import { builtinParamsFile, builtinPolicyFiles, checkSet, loadPolicySet, readPolicyObjects, type PolicySet } from '../load/policies.js';
import { loadSources, type LoadResult } from '../load/sources.js';
import type { PolicySetLike } from '../policy/run.js';
import { renderDrill } from '../report/drill.js';
import { failOnOf, withConfigFlags } from './options.js';
import { useColor, warnAll, writeOutput } from './output.js';
import { BUILTIN_POLICIES, type DrillRunFlags } from './drill.js';

/** What `drill run --context` reads: the scan's kinds, admission policies, and where the API server is. */
export const DRILL_CLUSTER_LISTS: readonly ClusterList[] = [
  ...SCAN_CLUSTER_LISTS,
  { group: 'admissionregistration.k8s.io', version: 'v1', resource: 'validatingadmissionpolicies', kind: 'ValidatingAdmissionPolicy', required: false },
  { group: 'admissionregistration.k8s.io', version: 'v1', resource: 'validatingadmissionpolicybindings', kind: 'ValidatingAdmissionPolicyBinding', required: false },
  { group: 'discovery.k8s.io', version: 'v1', resource: 'endpointslices', kind: 'EndpointSlice', required: false },
  { group: '', version: 'v1', resource: 'services', kind: 'Service', required: false },
];

/** The team's existing objects: files, folders, dumps, and the live cluster with --context. */
async function loadTeamCluster(flags: DrillRunFlags): Promise<LoadResult | undefined> {
  const parts: LoadResult[] = [];
  if (flags.cluster?.length) parts.push(await loadSources(flags.cluster));
  if (flags.context !== undefined || flags.kubeconfig !== undefined) parts.push(await loadCluster({ context: flags.context, kubeconfig: flags.kubeconfig, lists: DRILL_CLUSTER_LISTS }));
  if (parts.length === 0) return undefined;
  return parts.length === 1 ? parts[0] : mergeLoadResults(parts);
}

/**
 * The team's admission policies: the ValidatingAdmissionPolicies in the cluster sources, plus those
 * --policies names (`builtin`: the built-in pack with its params).
 */
async function teamPolicies(cluster: Inventory, flags: DrillRunFlags, warnings: string[]): Promise<PolicySetLike | undefined> {
  const fromCluster = readPolicyObjects(cluster, { others: 'skip' });
  const paths = (flags.policies ?? []).flatMap((path) => (path === BUILTIN_POLICIES ? builtinPolicyFiles() : [path]));
  const params = [...(flags.params ?? []), ...(flags.policies?.includes(BUILTIN_POLICIES) ? [builtinParamsFile()] : [])];
  let named: PolicySet | undefined;
  if (paths.length) {
    named = await loadPolicySet({ policyPaths: paths, paramPaths: params });
    warnings.push(...named.warnings);
  }
  const policies = [...fromCluster.policies, ...(named?.policies ?? [])];
  if (policies.length === 0) return undefined;
  const bindings = [...fromCluster.bindings, ...(named?.bindings ?? [])];
  const paramObjects = [...(named?.params ?? []), ...cluster.objects.filter((object) => object.kind === 'ConfigMap')];
  checkSet(policies, bindings, paramObjects);
  return { policies, bindings, params: paramObjects };
}

/** The team's detection rules: the built-in ones unless --rules or --falco-rules replace them. */
async function teamDetection(flags: DrillRunFlags, warnings: string[]) {
  const replaced = Boolean(flags.rules?.length || flags.falcoRules?.length);
  const readAll = (paths: readonly string[]) => Promise.all(paths.map((path) => readRuleFile(path)));
  const files = replaced ? await readAll(flags.rules ?? []) : builtinDetectRuleFiles();
  const rules = loadKubewardRules(files);
  const falco = flags.falcoRules?.length ? loadFalcoRules(await readAll(flags.falcoRules), { fields: FIELD_TABLES.audit, matching: 'first' }) : undefined;
  warnings.push(...rules.warnings, ...(falco?.warnings ?? []));
  return { detection: { rules, falco }, sources: replaced ? [...(flags.rules ?? []), ...(flags.falcoRules ?? [])] : ['the built-in rules (rules/detect/)'] };
}

/** Loads everything a drill needs from the flags and runs it. Shared by `drill run` and `drill tabletop`. */
export async function drillFromFlags(reference: string, flags: DrillRunFlags): Promise<{ run: DrillRun; scenario: DrillScenario; chart: readonly KubeObject[]; warnings: string[] }> {
  const scenario = await findScenario(reference);
  const namespace = flags.namespace ?? scenario.namespace;
  const { config: fileConfig, file: configFile } = await loadConfig(flags.config);
  const config = withConfigFlags(fileConfig, flags);
  const failOn = failOnOf({ failOn: flags.failOn }, config);
  const warnings: string[] = [];
  const cluster = await loadTeamCluster(flags);
  if (cluster) warnings.push(...cluster.warnings);
  const clusterInventory = cluster?.inventory ?? Inventory.of([]);
  const policies = await teamPolicies(clusterInventory, flags, warnings);
  const builtin = await loadPolicySet({});
  const { detection, sources } = await teamDetection(flags, warnings);
  const chart = await renderScenarioChart(scenario, namespace, { probeCharts: true });
  warnings.push(...chart.warnings);
  const run = runDrill({
    version: VERSION,
    scenario,
    namespace,
    chart: { inventory: chart.inventory, charts: chart.charts, probes: chart.probes },
    cluster: clusterInventory.objects,
    config,
    configFile,
    failOn,
    policies,
    builtinPolicies: builtin,
    detection,
    ruleSources: sources,
    maxTtdSeconds: flags.maxTtd,
    inputs: {
      cluster: [...(flags.cluster ?? []), ...(flags.context !== undefined ? [`context ${flags.context}`] : [])],
      config: configFile ?? null,
      failOn,
      policies: flags.policies ?? [],
      rules: sources,
      maxTtdSeconds: flags.maxTtd,
    },
  });
  if (warnings.length) run.result.warnings = warnings;
  return { run, scenario, chart: chart.inventory.objects, warnings };
}

/** Writes a folder of files atomically: built beside the target, then renamed into place. */
function writeFolder(target: string, files: ReadonlyMap<string, string>): void {
  if (existsSync(target) && (!statSync(target).isDirectory() || readdirSync(target).length > 0)) throw new InputError(`${target}: exists and is not an empty folder`);
  const parent = dirname(resolve(target));
  let staging: string;
  try {
    staging = mkdtempSync(join(parent, `.${basename(target)}.kit-`));
  } catch (error) {
    throw new InputError(`cannot write ${target}: ${systemErrorText(error)}`);
  }
  try {
    for (const [path, text] of files) {
      mkdirSync(dirname(join(staging, path)), { recursive: true });
      writeFileSync(join(staging, path), text, { mode: 0o644 });
    }
    if (existsSync(target)) rmdirSync(target);
    renameSync(staging, target);
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    throw new InputError(`cannot write ${target}: ${systemErrorText(error)}`);
  }
}

function splitRef(value: string, flag: string): { namespace: string; name: string } {
  const [namespace, name, extra] = value.split('/');
  if (!namespace || !name || extra !== undefined) throw new InputError(`${flag}: NAMESPACE/NAME (got "${value}")`);
  return { namespace, name };
}

async function scoreTarget(flags: { kit?: string; pod?: string; serviceAccount?: string }): Promise<ScoreTarget | undefined> {
  if (flags.kit) {
    const kit = await readKitManifest(join(flags.kit, 'kit.json'));
    return { namespace: kit.namespace, podPrefix: `${kit.workload.split('/')[1]}-`, serviceAccount: kit.serviceAccount };
  }
  const pod = flags.pod ? splitRef(flags.pod, '--pod') : undefined;
  const account = flags.serviceAccount ? splitRef(flags.serviceAccount, '--service-account') : undefined;
  if (pod && account && pod.namespace !== account.namespace) throw new InputError('--pod and --service-account name different namespaces');
  if (!pod && !account) return undefined;
  return { namespace: (pod ?? account)!.namespace, podPrefix: pod?.name, serviceAccount: account?.name };
}

async function drillGapsOf(file: string) {
  return (await readDrillResult(file)).stages.flatMap((stage) => (Array.isArray(stage.gaps) ? stage.gaps.map((gap) => ({ stage: String(stage.stage), title: String(gap.title), fix: String(gap.fix) })) : []));
}

/** `kubeward drill list`. */
export async function runList(flags: { format: 'table' | 'json' }): Promise<void> {
  const scenarios = await builtinScenarios();
  if (flags.format === 'json') {
    writeOutput(`${JSON.stringify(scenarios.map((scenario) => ({ name: scenario.name, title: scenario.title, variantOf: scenario.variantOf ?? null, namespace: scenario.namespace, steps: scenario.steps.map((step) => step.id) })), null, 2)}\n`);
    return;
  }
  const lines = scenarios.map((scenario) => `${scenario.variantOf ? '  ' : ''}${scenario.name.padEnd(scenario.variantOf ? 32 : 34)} ${scenario.title}`);
  writeOutput(`${lines.join('\n')}\n\nRun one: kubeward drill run NAME [--cluster DUMP] [--format html -o drill.html]; your own: kubeward drill run my-scenario.yaml\n`);
}

/** `kubeward drill run`: the scorecard; exit 1 when the attack goes through unstopped and unseen. */
export async function runDrillCommand(reference: string, flags: DrillRunFlags): Promise<void> {
  if (flags.cluster && flags.cluster.length === 0) throw new InputError('--cluster needs at least one source');
  const { run: drillRun, warnings } = await drillFromFlags(reference, flags);
  warnAll(warnings, flags.quiet);
  const format = flags.format ?? 'table';
  writeOutput(renderDrill(drillRun.result, format, { color: format === 'table' && !flags.output && useColor() }), flags.output);
  process.exitCode = drillExitCode(drillRun.result);
}

/** `kubeward drill tabletop`: the runbook. */
export async function runTabletop(reference: string, flags: DrillRunFlags & { output?: string }): Promise<void> {
  const { run, scenario, chart, warnings } = await drillFromFlags(reference, flags);
  warnAll(warnings, flags.quiet);
  writeOutput(renderTabletop({ scenario, chart, result: run.result, timeline: run.timeline, alerts: run.alerts }), flags.output);
}

/** `kubeward drill kit`: the live-fire kit folder. */
export async function runKit(reference: string, flags: { out: string; namespace?: string; domain: string; queries: number }): Promise<void> {
  const scenario = await findScenario(reference);
  const domain = flags.domain.toLowerCase().replace(/\.$/, '');
  if (!DOMAIN_PATTERN.test(domain)) throw new InputError(`--domain: "${flags.domain}" is not a domain name`);
  if (flags.queries > 1000) throw new InputError('--queries: at most 1000');
  const files = buildKit({ scenario, namespace: flags.namespace ?? scenario.namespace, marker: randomBytes(16).toString('hex'), domain, queries: flags.queries });
  writeFolder(flags.out, files);
  process.stderr.write(`kubeward: wrote the live-fire kit to ${flags.out} (${files.size} files); start with ${join(flags.out, 'README.md')}\n`);
}

/** `kubeward drill score`: time to detect and remediate, and the post-mortem. */
export async function runScore(flags: { alerts: string[]; started: string[]; remediated: string[]; survey?: string; kit?: string; pod?: string; serviceAccount?: string; drill?: string; maxTtd: number; format: 'markdown' | 'json'; output?: string }): Promise<void> {
  if (flags.started.length !== flags.alerts.length || flags.remediated.length !== flags.alerts.length) {
    throw new InputError(`give one --started and one --remediated per --alerts (got ${flags.alerts.length} --alerts, ${flags.started.length} --started, ${flags.remediated.length} --remediated)`);
  }
  const drills = [];
  for (const [index, file] of flags.alerts.entries()) {
    const started = parseTime(flags.started[index], '--started');
    const remediated = parseTime(flags.remediated[index], '--remediated');
    if (remediated < started) throw new InputError(`--remediated ${flags.remediated[index]} is before --started ${flags.started[index]}`);
    drills.push({ source: file, alerts: await readAlertsFile(file), started, remediated });
  }
  const input: ScoreInput = {
    drills,
    target: await scoreTarget(flags),
    survey: flags.survey ? await readSurvey(flags.survey) : undefined,
    drillGaps: flags.drill ? await drillGapsOf(flags.drill) : undefined,
    maxTtdSeconds: flags.maxTtd,
  };
  const score = scoreDrills(input);
  writeOutput(flags.format === 'json' ? `${JSON.stringify(score, null, 2)}\n` : renderPostMortem(score, input), flags.output);
}

