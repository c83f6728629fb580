/** What `kubeward report` does, loaded when it runs (report.ts defines it). */
import { accessSync, constants, statSync } from 'node:fs';
import { dirname, extname } from 'node:path';
import { InputError } from '../core/errors.js';
import { PodIndex } from '../core/pods.js';
import { systemErrorText } from '../core/sanitize.js';
import { secretAccessOf } from '../detect/context.js';
import { DetectPipeline } from '../detect/pipeline.js';
import { forEachLine, readInput } from '../load/input.js';
import { loadPolicySet } from '../load/policies.js';
import { historyFile, readDrillResults, readHistory } from '../load/posture.js';
import { parseVerdicts, type Verdict } from '../detect/triage.js';
import { buildPosture } from '../posture/build.js';
import type { DetectionInput } from '../posture/detection.js';
import { renderPostureHtml } from '../report/posture-html.js';
import { renderPostureMarkdown } from '../report/posture-markdown.js';
import { fileTime, pipelineOptionsFromFlags } from './detect-run.js';
import { readInputs } from './detect-inputs.js';
import { buildEngine } from '../rbac/index.js';
import type { Inventory } from '../core/inventory.js';
import { inputLimits, loadFromFlagsAndCluster } from './options.js';
import { warnAll, writeOutput } from './output.js';
import { withAllowedRegistries } from './policy-run.js';
import type { ReportCommandFlags, ReportFormat } from './report.js';

/** `--format`, else the output file's extension (`.md`, `.json`), else html. */
function formatOf(flags: ReportCommandFlags): ReportFormat {
  if (flags.format) return flags.format;
  const extension = extname(flags.output).toLowerCase();
  return extension === '.md' || extension === '.markdown' ? 'markdown' : extension === '.json' ? 'json' : 'html';
}

/** Fails before any work when the output cannot be written where it is asked for. */
function checkWritable(file: string): void {
  if (file === '-') return;
  const folder = dirname(file);
  try {
    if (!statSync(folder).isDirectory()) throw new InputError(`cannot write ${file}: ${folder} is not a directory`);
    accessSync(folder, constants.W_OK);
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError(`cannot write ${file}: ${systemErrorText(error)}`);
  }
  try {
    if (statSync(file).isDirectory()) throw new InputError(`cannot write ${file}: it is a directory`);
  } catch (error) {
    if (error instanceof InputError) throw error;
  }
}

/** The Expose stage: the logs through the built-in rules, with the sources' Pods and RBAC as what the detector knows of the cluster. */
async function detectionFrom(flags: ReportCommandFlags, inventory: Inventory, verdicts: ReadonlyMap<string, Verdict> | undefined): Promise<(DetectionInput & { warnings: string[] }) | undefined> {
  if (!flags.auditLog && !flags.dnsLog && !flags.flows) return undefined;
  const options = await pipelineOptionsFromFlags({ quiet: flags.quiet });
  const pods = new PodIndex(inventory.byKind('Pod'));
  const facts = { pods, secrets: secretAccessOf(buildEngine(inventory)) };
  const pipeline = new DetectPipeline({ ...options, pods, facts, dnsFallbackTime: fileTime(flags.dnsLog), retainAlerts: true });
  const limits = inputLimits(flags);
  if (flags.auditLog) {
    await readInputs(pipeline, { audit: flags.auditLog, dns: flags.dnsLog, flows: flags.flows }, limits);
  } else {
    // no audit log to pace them: the pipeline orders the DNS queries and flows by time when it flushes
    const dns = flags.dnsLog;
    const flows = flags.flows;
    if (dns) await forEachLine(dns, 'DNS log', (text, line) => pipeline.dnsLine(text, `${dns}:${line}`), limits);
    if (flows) await forEachLine(flows, 'flow log', (text, line) => pipeline.flowLine(text, `${flows}:${line}`), limits);
    pipeline.flush();
  }
  const summary = pipeline.summary();
  // a log of the wrong kind (a DNS log given as --audit-log) or garbage: the Expose stage would read "0 alerts" as a clean bill
  const warnings: string[] = [];
  if (flags.auditLog && summary.audit.events === 0) warnings.push(`${flags.auditLog}: no audit events in it (${summary.audit.lines} lines read)`);
  if (flags.dnsLog && summary.dns.queries === 0) warnings.push(`${flags.dnsLog}: no CoreDNS queries in it (${summary.dns.lines} lines read)`);
  if (flags.flows && summary.flows.flows === 0) warnings.push(`${flags.flows}: no Hubble flows in it (${summary.flows.lines} lines read)`);
  return {
    warnings,
    logs: [flags.auditLog, flags.dnsLog, flags.flows].filter((log): log is string => Boolean(log)),
    events: summary.audit.events + summary.dns.queries + (flags.flows ? summary.flows.flows : 0),
    ...(flags.flows ? { flows: summary.flows.flows } : {}),
    alerts: pipeline.alerts(),
    tagsByRule: new Map(options.rules?.rules.map((rule) => [rule.id, rule.tags]) ?? []),
    ...(verdicts ? { verdicts } : {}),
  };
}

/** `kubeward report`. */
export async function runReport(sources: string[], flags: ReportCommandFlags): Promise<void> {
  const format = formatOf(flags);
  checkWritable(flags.output);
  if (flags.verdicts && !flags.auditLog && !flags.dnsLog && !flags.flows) throw new InputError('--verdicts judges alerts: give --audit-log, --dns-log or --flows too');
  const verdicts = flags.verdicts ? parseVerdicts(await readInput(flags.verdicts, 'verdicts', inputLimits(flags)), flags.verdicts) : undefined;
  const history = flags.history ? readHistory(flags.history) : { runs: [], warnings: [] };
  const drill = flags.drill?.length ? readDrillResults(flags.drill) : undefined;
  const { config, loaded } = await loadFromFlagsAndCluster(sources, flags, 'scan', { probeCharts: true });
  const policies = await loadPolicySet({ kubeVersion: flags.kubeVersion });
  if (config.allowedRegistries) policies.params = withAllowedRegistries(policies.params, config.allowedRegistries);
  const detection = await detectionFrom(flags, loaded.inventory, verdicts);
  const report = buildPosture({
    inventory: loaded.inventory,
    config,
    sources: loaded.sources.map((source) => source.path),
    charts: loaded.charts,
    probes: loaded.probes,
    releaseNamespace: flags.namespace ?? config.helm.namespace ?? 'default',
    policies,
    detection,
    drill,
    history: history.runs,
    title: flags.title,
    warnings: [...history.warnings, ...loaded.warnings, ...policies.warnings, ...(detection?.warnings ?? [])],
  });
  const json = `${JSON.stringify(report, null, 2)}\n`;
  const text = format === 'json' ? json : format === 'markdown' ? renderPostureMarkdown(report) : renderPostureHtml(report);
  warnAll(report.warnings, flags.quiet);
  writeOutput(text, flags.output);
  if (flags.history) writeOutput(json, historyFile(flags.history, report.generatedAt));
}

