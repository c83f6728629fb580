import type { Command } from 'commander';
import { buildReport } from '../report/index.js';
import { scanInventory } from '../scan.js';
import { addReportOptions, addSourceOptions, emitReport, loadFromFlags, type ReportFlags, type SourceFlags } from './options.js';

export function registerScan(program: Command): void {
  const command = program
    .command('scan')
    .description('render charts and read manifests exactly as they will be installed, and report what they really do')
    .argument('<sources...>', 'chart directories, .tgz charts, repo/chart references, kustomize directories, manifest files or directories, - for stdin')
    .addHelpText(
      'after',
      `
Exit codes: 0 nothing at or above --fail-on, 1 findings at or above it, 2 usage or input error.

Examples:
  kubeward scan ./fast-trace-agent -f values.yaml --set image.tag=1.2 -n checkout --release tracing
  kubeward scan ./manifests/ --format sarif --output results.sarif
  kubectl get deploy,sa,clusterrolebinding -A -o yaml | kubeward scan - --format json`,
    );
  addSourceOptions(command);
  addReportOptions(command);
  command.action(async (sources: string[], flags: SourceFlags & ReportFlags) => {
    const { config, loaded } = await loadFromFlags(sources, flags);
    const { findings, rules, warnings, metrics } = scanInventory(loaded.inventory, config, { charts: loaded.charts });
    const report = buildReport({ sources, findings, rules, warnings: [...loaded.warnings, ...warnings] });
    report.metrics = metrics;
    emitReport(report, flags, config);
  });
}
