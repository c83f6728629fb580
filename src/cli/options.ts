import { Command, InvalidArgumentError, Option } from 'commander';
import type { Config } from '../core/config.js';
import { InputError } from '../core/errors.js';
import type { Finding } from '../core/finding.js';
import { atOrAbove, isSeverity, type Severity } from '../core/severity.js';
import { loadCluster, mergeLoadResults, type ClusterList } from '../load/cluster.js';
import { loadConfig } from '../load/config.js';
import { DEFAULT_MAX_FILE_BYTES, loadSources, type LoadOptions, type LoadResult } from '../load/sources.js';
import { readBaseline } from '../load/baseline.js';
import { FORMATS, render, withBaseline, type Report } from '../report/index.js';
import { useColor, warnAll, writeOutput } from './output.js';

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
  maxFileSize?: number;
  maxRenderMemory?: number;
  config?: string | false;
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

/** Commander argument parser for a number that must be positive. */
export function positiveNumber(name: string) {
  return (value: string) => {
    const number = Number(value);
    if (!Number.isFinite(number) || number <= 0) throw new InvalidArgumentError(`${name} must be a positive number`);
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
  return command
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
    .option('--timeout <seconds>', 'how long helm or kustomize may run', positiveNumber('--timeout'))
    .option('--max-file-size <MiB>', `largest file read (default ${DEFAULT_MAX_FILE_BYTES / 1048576})`, positiveNumber('--max-file-size'))
    .option('--max-render-memory <MiB>', 'memory helm or kustomize may use before it is stopped (default 2048)', positiveNumber('--max-render-memory'))
    .option('--config <file>', 'configuration file (default: nearest .kubeward.yaml upward)')
    .option('--no-config', 'ignore .kubeward.yaml');
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

/** The live-cluster flags (`--context`, `--kubeconfig`) of the commands that can read a cluster. */
export interface LiveFlags {
  context?: string;
  kubeconfig?: string;
}

export function addLiveOptions(command: Command): Command {
  return command
    .option('--context <name>', 'read the live cluster of this kubeconfig context')
    .option('--kubeconfig <file>', 'kubeconfig to read the live cluster with (default: $KUBECONFIG, ~/.kube/config)');
}

/**
 * The sources and, with `--context`/`--kubeconfig`, the live cluster, as one inventory (a cluster plus
 * the chart about to be installed in it). `lists` are the kinds read from the cluster.
 */
export async function loadFromFlagsAndCluster(
  sources: string[],
  flags: SourceFlags & LiveFlags,
  lists?: readonly ClusterList[],
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
    config = loadConfig(flags.config).config;
  }
  if (live) parts.push(await loadCluster({ context: flags.context, kubeconfig: flags.kubeconfig, lists }));
  return { config, loaded: parts.length === 1 ? parts[0] : mergeLoadResults(parts) };
}

/** The configuration and the loaded inventory, with flags overriding the configuration. */
export async function loadFromFlags(sources: string[], flags: SourceFlags, extra: Pick<LoadOptions, 'probeCharts'> = {}): Promise<{ config: Config; loaded: LoadResult }> {
  if (sources.length === 0) throw new InputError('no source given: name files, directories, charts, or - for stdin');
  const { config } = loadConfig(flags.config);
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
    maxFileBytes: flags.maxFileSize ? flags.maxFileSize * 1048576 : undefined,
    maxMemoryBytes: flags.maxRenderMemory ? flags.maxRenderMemory * 1048576 : undefined,
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
  if (failOn === 'none') return 0;
  return findings.some((finding) => !finding.suppressed && finding.baselineState !== 'unchanged' && atOrAbove(finding.severity, failOn)) ? 1 : 0;
}

/** The report compared with `--baseline FILE`, when one is given. */
export function applyBaselineFlag(report: Report, flags: Pick<ReportFlags, 'baseline'>): Report {
  return flags.baseline ? withBaseline(report, readBaseline(flags.baseline)) : report;
}

/** Renders and writes the report, prints warnings, and sets the exit code from --fail-on. */
export function emitReport(original: Report, flags: ReportFlags, config: Config): void {
  const report = applyBaselineFlag(original, flags);
  const format = flags.format ?? config.format ?? 'table';
  const text = render(report, format, { color: !flags.output && useColor() });
  warnAll(report.warnings, flags.quiet);
  writeOutput(text, flags.output);
  process.exitCode = exitCodeFor(report.findings, failOnOf(flags, config));
}
