import { closeSync, openSync, writeSync } from 'node:fs';
import type { Command } from 'commander';
import { readInput } from '../load/input.js';
import { addConfigOptions, addInputOptions, addRenderObjectsOption, addSuppressionOptions, applyBaselineFlag, exitCodeFor, failOnOf, inputLimits, withConfigFlags, type InputFlags, type ReportFlags } from './options.js';
import { useColor, warnAll, writeOutput } from './output.js';

interface GateFlags extends ReportFlags, InputFlags {
  namespace?: string;
  config?: string | false;
  annotationSuppressions?: boolean;
  maxRenderObjects?: number;
}

/**
 * `kubeward gate`: a Helm post-renderer. Helm pipes the rendered manifests in; when nothing reaches
 * --fail-on they come out unchanged and the install goes on, otherwise nothing comes out, the exit
 * code is 1, and helm aborts the install before anything reaches the cluster. The report goes to
 * stderr (or --output), never to stdout, which belongs to helm.
 */
export function registerGate(program: Command): void {
  const command = program
    .command('gate')
    .description('Helm post-renderer: pass the rendered manifests through only when the scan passes (helm install --post-renderer kubeward)')
    .option('-n, --namespace <namespace>', 'namespace of the release (default $HELM_NAMESPACE, else default)')
    .option('--format <format>', 'report format on stderr: table, json, sarif, junit, markdown', 'table')
    .option('-o, --output <file>', 'also write the report to this file')
    .option('--fail-on <severity>', 'block the install when an unsuppressed finding is at or above this (default high)')
    .option('--baseline <file>', 'an earlier JSON report: only findings absent from it block the install');
  addSuppressionOptions(addConfigOptions(command)).addHelpText(
    'after',
    `
Helm 4: install the plugin from helm-plugin/kubeward, then: helm install my-release ./chart --post-renderer kubeward
Helm 3: helm install my-release ./chart -n NS --post-renderer kubeward --post-renderer-args gate --post-renderer-args --namespace=NS
        (before Helm 3.21, hooks never reach a post-renderer: scan the chart with kubeward scan too)`,
  );
  addRenderObjectsOption(addInputOptions(command)).action(async (flags: GateFlags) => {
    const [{ loadConfig }, { inventoryFromHelmOutput }, { buildReport, render }, { scanInventory }] = await Promise.all([
      import('../load/config.js'),
      import('../load/sources.js'),
      import('../report/index.js'),
      import('../scan.js'),
    ]);
    const limits = inputLimits(flags);
    const config = withConfigFlags((await loadConfig(flags.config, limits)).config, flags);
    const text = await readInput('-', 'helm output', limits);
    const namespace = flags.namespace ?? process.env.HELM_NAMESPACE ?? 'default';
    const loaded = inventoryFromHelmOutput(text, namespace, flags.maxRenderObjects);
    const { findings, rules, warnings } = scanInventory(loaded.inventory, config, { releaseNamespace: namespace });
    const report = await applyBaselineFlag(buildReport({ sources: ['helm post-renderer input'], findings, rules, warnings: [...loaded.warnings, ...warnings], title: 'kubeward gate' }), flags);
    const code = exitCodeFor(report.findings, failOnOf(flags, config));
    warnAll(report.warnings);
    if (flags.output) writeOutput(render(report, flags.format ?? 'table'), flags.output);
    showReport(render(report, flags.format ?? 'table', { color: useColor(process.stderr) }));
    if (code === 0) process.stdout.write(text);
    process.exitCode = code;
  });
}

/**
 * Helm 4 discards what a post-renderer plugin writes to stderr (4.1: `stderr=""` in its debug log),
 * so under helm (`HELM_PLUGIN_NAME` is set) the report goes to the terminal when there is one.
 * In CI, `--post-renderer-args=--output=report.sarif` keeps it.
 */
function showReport(text: string): void {
  if (process.env.HELM_PLUGIN_NAME) {
    try {
      const terminal = openSync('/dev/tty', 'w');
      try {
        writeSync(terminal, text);
        return;
      } finally {
        closeSync(terminal);
      }
    } catch {
      // No terminal: fall back to stderr.
    }
  }
  process.stderr.write(text);
}
