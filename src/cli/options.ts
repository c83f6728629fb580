import { Command, InvalidArgumentError, Option } from 'commander';
import type { Config } from '../core/config.js';
import { InputError } from '../core/errors.js';
import { blockingFindings, type Finding } from '../core/finding.js';
import { checkSeconds, DEFAULT_MAX_RENDER_OBJECTS, MAX_DURATION_SECONDS } from '../core/limits.js';
import { isSeverity, type Severity } from '../core/severity.js';
import { DEFAULT_MAX_FILE_BYTES, DEFAULT_READ_TIMEOUT_MS, MAX_TEXT_BYTES, type ReadLimits } from '../load/input.js';
import type { LoadOptions, LoadResult } from '../load/sources.js';
import { FORMATS } from '../report/formats.js';
import type { Report } from '../report/index.js';
import { useColor, warnAll, writeOutput } from './output.js';

// Defining the commands needs only commander: the loaders and the renderers are imported when a
// command runs (`await import`), so that `--version`, `--help` and every other command never load
// them (issue 9). The same holds in each command module.

/** Options every command that reads sources shares (the helm flags mirror `helm template`'s). */
export interface SourceFlags {
  values?: string[];
  set?: string[];
  setString?: string[];
  setFile?: string[];
  namespace?: string;
  release?: string;
  kubeVersion?: string;
  apiVersions?: string[];
  repo?: string;
  chartVersion?: string;
  timeout?: number;
  maxRenderMemory?: number;
  maxRenderObjects?: number;
  config?: string | false;
  /** false with --no-annotation-suppressions (commands that apply suppressions: addSuppressionOptions). */
  annotationSuppressions?: boolean;
}

/** The limits on every input a command reads: --max-file-size (MiB) and --read-timeout (seconds). */
export interface InputFlags {
  maxFileSize?: number;
  readTimeout?: number;
}

export interface ReportFlags {
  format?: string;
  output?: string;
  failOn?: Severity | 'none';
  quiet?: boolean;
  baseline?: string;
}

/** Commander argument parser for a repeatable option: each use adds to the list. */
export const collect = (value: string, previous: string[] = []) => [...previous, value];

/** Commander argument parser for a number that must be positive (and at most `max`). */
export function positiveNumber(name: string, max = Number.MAX_SAFE_INTEGER) {
  return (value: string) => {
    const number = Number(value);
    if (!Number.isFinite(number) || number <= 0) throw new InvalidArgumentError(`${name} must be a positive number`);
    if (number > max) throw new InvalidArgumentError(`${name} must be at most ${max}`);
    return number;
  };
}

/** Commander argument parser for a whole number that must be positive. */
export function positiveInteger(name: string) {
  return (value: string) => {
    const number = Number(value);
    if (!Number.isSafeInteger(number) || number <= 0) throw new InvalidArgumentError(`${name} must be a positive whole number`);
    return number;
  };
}

/** Commander argument parser for a duration in seconds: above 0, at most a day (Node timers overflow past 24.8 days). */
export function seconds(name: string, max = MAX_DURATION_SECONDS) {
  return (value: string) => {
    try {
      return checkSeconds(value, name, max);
    } catch (error) {
      throw new InvalidArgumentError((error as Error).message);
    }
  };
}

/** --max-file-size and --read-timeout, for every command that reads inputs. */
export function addInputOptions(command: Command): Command {
  return command
    .option('--max-file-size <MiB>', `largest input read whole (file, stdin, rules, configuration), and longest log line (default ${DEFAULT_MAX_FILE_BYTES / 1048576})`, positiveNumber('--max-file-size', MAX_TEXT_BYTES / 1048576))
    .option('--read-timeout <seconds>', `how long a read may wait for input: a FIFO or pipe no one writes to (default ${DEFAULT_READ_TIMEOUT_MS / 1000})`, seconds('--read-timeout'));
}

/** The read limits the input flags ask for. */
export function inputLimits(flags: InputFlags): ReadLimits {
  return { maxBytes: flags.maxFileSize ? Math.floor(flags.maxFileSize * 1048576) : undefined, timeoutMs: flags.readTimeout ? flags.readTimeout * 1000 : undefined };
}

export function addSourceOptions(command: Command): Command {
  return addSourceOptionsWith(command, '-n, --namespace <namespace>');
}

/**
 * The source options for commands whose `-n` names something else (the namespace of an RBAC
 * request): the helm release namespace is `--release-namespace`, read as `releaseNamespace`.
 */
export function addSourceOptionsWithReleaseNamespace(command: Command): Command {
  return addSourceOptionsWith(command, '--release-namespace <namespace>');
}

function addSourceOptionsWith(command: Command, namespaceFlags: string): Command {
  addInputOptions(command)
    .option('-f, --values <file>', 'helm values file (repeatable)', collect)
    .option('--set <key=value>', 'helm --set value (repeatable)', collect)
    .option('--set-string <key=value>', 'helm --set-string value (repeatable)', collect)
    .option('--set-file <key=path>', 'helm --set-file value (repeatable)', collect)
    .option(namespaceFlags, 'namespace objects without one are installed into (helm release namespace)')
    .option('--release <name>', 'helm release name', undefined)
    .option('--kube-version <version>', 'Kubernetes version for Capabilities.KubeVersion')
    .option('--api-versions <group/version>', 'API versions for Capabilities.APIVersions (repeatable)', collect)
    .option('--repo <url>', 'chart repository URL for a remote chart (network is used only then)')
    .option('--chart-version <version>', 'version of a remote chart')
    .option('--timeout <seconds>', 'how long helm or kustomize may run (default 60)', seconds('--timeout'))
    .option('--max-render-memory <MiB>', 'memory helm or kustomize may use before it is stopped (default 2048)', positiveNumber('--max-render-memory'));
  addRenderObjectsOption(command);
  return addConfigOptions(command);
}

/** `--max-render-objects`: the most objects a chart or kustomization may render (also `gate`'s input). */
export function addRenderObjectsOption(command: Command): Command {
  return command.option('--max-render-objects <count>', `most objects, and most containers of their pod templates, a chart or kustomization may render (default ${DEFAULT_MAX_RENDER_OBJECTS})`, positiveInteger('--max-render-objects'));
}

/**
 * `--config FILE` and `--no-config`. Both write the one value `config`, so commander would take the
 * last in silence: given together they are a usage error, as commander says of conflicting options.
 */
export function addConfigOptions(command: Command, description = 'configuration file (default: nearest .kubeward.yaml upward)'): Command {
  const given = new Set<string>();
  const note = (flag: string) => () => {
    given.add(flag);
    if (given.size === 2) command.error("error: option '--config <file>' cannot be used with option '--no-config'", { exitCode: 2, code: 'commander.conflictingOption' });
  };
  return command.option('--config <file>', description).option('--no-config', 'ignore .kubeward.yaml').on('option:config', note('config')).on('option:no-config', note('no-config'));
}

/**
 * `--no-annotation-suppressions`, on every command that applies suppressions (scan, gate, diff, audit,
 * rbac risks, netpol coverage, report, drill run and tabletop): the `kubeward.io/ignore` annotation is
 * written by the object's author, who in the trojan chart is the attacker.
 */
export function addSuppressionOptions(command: Command): Command {
  return command.option('--no-annotation-suppressions', "the kubeward.io/ignore annotation (written by the object's author) suppresses nothing; only .kubeward.yaml's ignore entries do");
}

/** The configuration with the flags that override it: today --no-annotation-suppressions (the flag can only turn the annotation off). */
export function withConfigFlags(config: Config, flags: Pick<SourceFlags, 'annotationSuppressions'>): Config {
  return flags.annotationSuppressions === false ? { ...config, annotationSuppressions: false } : config;
}

export function addReportOptions(command: Command, formats: readonly string[] = FORMATS, defaultFailOn = 'high', baseline = true): Command {
  command
    .addOption(new Option('--format <format>', 'output format').choices(formats as string[]))
    .option('-o, --output <file>', 'write the report to a file (atomically) instead of stdout')
    .addOption(
      new Option('--fail-on <severity>', `exit 1 when an unsuppressed finding is at or above this (default ${defaultFailOn})`).choices([
        'critical',
        'high',
        'medium',
        'low',
        'info',
        'none',
      ]),
    );
  if (baseline) command.option('--baseline <file>', 'an earlier JSON report of this command: only findings absent from it are new and count for --fail-on');
  return command.option('-q, --quiet', 'do not print warnings');
}

/** The live-cluster flags (`--context`, `--kubeconfig`, and the deadlines of reading it) of the commands that can read a cluster. */
export interface LiveFlags {
  context?: string;
  kubeconfig?: string;
  requestTimeout?: number;
  clusterTimeout?: number;
}

export function addLiveOptions(command: Command): Command {
  return command
    .option('--context <name>', 'read the live cluster of this kubeconfig context')
    .option('--kubeconfig <file>', 'kubeconfig to read the live cluster with (default: $KUBECONFIG, ~/.kube/config)')
    .option('--request-timeout <seconds>', 'the live cluster: how long one API request (answer and body) may take (default 30)', seconds('--request-timeout'))
    .option('--cluster-timeout <seconds>', 'the live cluster: how long reading it all may take (default 600)', seconds('--cluster-timeout'));
}

/**
 * The sources and, with `--context`/`--kubeconfig`, the live cluster, as one inventory (a cluster plus
 * the chart about to be installed in it). `lists` are the kinds read from the cluster: what the RBAC
 * analysis reads (CLUSTER_LISTS) or, for `scan`, NetworkPolicies too (SCAN_CLUSTER_LISTS). The live
 * cluster's loader (and node's HTTP and TLS modules) load only when a cluster is read.
 */
export async function loadFromFlagsAndCluster(
  sources: string[],
  flags: SourceFlags & InputFlags & LiveFlags,
  lists: 'rbac' | 'scan' = 'rbac',
  extra: Pick<LoadOptions, 'probeCharts'> = {},
): Promise<{ config: Config; loaded: LoadResult }> {
  const live = flags.context !== undefined || flags.kubeconfig !== undefined;
  if (!live && sources.length === 0) throw new InputError('no source given: name files, directories, charts, cluster dumps, - for stdin, or read a cluster with --context/--kubeconfig');
  const parts: LoadResult[] = [];
  let config: Config;
  if (sources.length) {
    const fromFiles = await loadFromFlags(sources, flags, extra);
    config = fromFiles.config;
    parts.push(fromFiles.loaded);
  } else {
    const { loadConfig } = await import('../load/config.js');
    config = withConfigFlags((await loadConfig(flags.config, inputLimits(flags))).config, flags);
  }
  if (!live) return { config, loaded: parts[0] };
  const { CLUSTER_LISTS, loadCluster, mergeLoadResults, SCAN_CLUSTER_LISTS } = await import('../load/cluster.js');
  const timeouts = { timeoutMs: flags.requestTimeout ? flags.requestTimeout * 1000 : undefined, deadlineMs: flags.clusterTimeout ? flags.clusterTimeout * 1000 : undefined };
  parts.push(await loadCluster({ context: flags.context, kubeconfig: flags.kubeconfig, lists: lists === 'scan' ? SCAN_CLUSTER_LISTS : CLUSTER_LISTS, limits: inputLimits(flags), ...timeouts }));
  return { config, loaded: parts.length === 1 ? parts[0] : mergeLoadResults(parts) };
}

/** The configuration and the loaded inventory, with flags overriding the configuration. */
export async function loadFromFlags(sources: string[], flags: SourceFlags & InputFlags, extra: Pick<LoadOptions, 'probeCharts'> = {}): Promise<{ config: Config; loaded: LoadResult }> {
  if (sources.length === 0) throw new InputError('no source given: name files, directories, charts, or - for stdin');
  const [{ loadConfig }, { loadSources }] = await Promise.all([import('../load/config.js'), import('../load/sources.js')]);
  const limits = inputLimits(flags);
  const config = withConfigFlags((await loadConfig(flags.config, limits)).config, flags);
  const options: LoadOptions = {
    values: flags.values ?? config.helm.values,
    set: flags.set ?? config.helm.set,
    setString: flags.setString,
    setFile: flags.setFile,
    namespace: flags.namespace ?? config.helm.namespace,
    release: flags.release ?? config.helm.release,
    kubeVersion: flags.kubeVersion ?? config.helm.kubeVersion,
    apiVersions: flags.apiVersions,
    repo: flags.repo,
    version: flags.chartVersion,
    timeoutMs: (flags.timeout ?? config.helm.timeoutSeconds ?? 60) * 1000,
    maxFileBytes: limits.maxBytes,
    readTimeoutMs: limits.timeoutMs,
    maxMemoryBytes: flags.maxRenderMemory ? flags.maxRenderMemory * 1048576 : undefined,
    maxOutputBytes: limits.maxBytes,
    maxObjects: flags.maxRenderObjects,
    ...extra,
  };
  const loaded = await loadSources(sources, options);
  return { config, loaded };
}

export function failOnOf(flags: ReportFlags, config: Config, fallback: Severity = 'high'): Severity | 'none' {
  const value = flags.failOn ?? config.failOn ?? fallback;
  if (value !== 'none' && !isSeverity(value)) throw new InputError(`--fail-on must be a severity or none`);
  return value;
}

/** 1 when an unsuppressed finding that is not already in the baseline is at or above the threshold, else 0. */
export function exitCodeFor(findings: readonly Finding[], failOn: Severity | 'none'): 0 | 1 {
  return blockingFindings(findings, failOn).length > 0 ? 1 : 0;
}

/** The report compared with `--baseline FILE`, when one is given. */
export async function applyBaselineFlag(report: Report, flags: Pick<ReportFlags, 'baseline'>): Promise<Report> {
  if (!flags.baseline) return report;
  const [{ readBaseline }, { withBaseline }] = await Promise.all([import('../load/baseline.js'), import('../report/index.js')]);
  return withBaseline(report, readBaseline(flags.baseline));
}

/** Renders and writes the report, prints warnings, and sets the exit code from --fail-on. */
export async function emitReport(original: Report, flags: ReportFlags, config: Config): Promise<void> {
  const { renderParts } = await import('../report/index.js');
  const report = await applyBaselineFlag(original, flags);
  const format = flags.format ?? config.format ?? 'table';
  const text = renderParts(report, format, { color: !flags.output && useColor() });
  warnAll(report.warnings, flags.quiet);
  writeOutput(text, flags.output);
  process.exitCode = exitCodeFor(report.findings, failOnOf(flags, config));
}
