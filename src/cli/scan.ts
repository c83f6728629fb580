import type { Command } from 'commander';
import { addLiveOptions, addReportOptions, addSourceOptions, addSuppressionOptions, emitReport, loadFromFlagsAndCluster, type LiveFlags, type ReportFlags, type SourceFlags } from './options.js';

export function registerScan(program: Command): void {
  const command = program
    .command('scan')
    .description('render charts and read manifests exactly as they will be installed, or read a live cluster, and report what they really do')
    .argument('[sources...]', 'chart directories, .tgz charts, repo/chart references, kustomize directories, manifest files or directories, - for stdin')
    .addHelpText(
      'after',
      `
Exit codes: 0 nothing at or above --fail-on, 1 findings at or above it, 2 usage or input error.

--context/--kubeconfig reads the live cluster (RBAC, ServiceAccounts, namespaces, workloads, pods,
NetworkPolicies; never Secrets) with the loader kubeward audit uses; sources given too are added to it.

Examples:
  kubeward scan ./fast-trace-agent -f values.yaml --set image.tag=1.2 -n checkout --release tracing
  kubeward scan ./manifests/ --format sarif --output results.sarif
  kubeward scan --context prod --format json -o prod.json
  kubectl get deploy,sa,clusterrolebinding -A -o yaml | kubeward scan - --format json`,
    );
  addSourceOptions(command);
  addSuppressionOptions(command);
  addLiveOptions(command);
  addReportOptions(command);
  command.action(async (sources: string[], flags: SourceFlags & LiveFlags & ReportFlags) => {
    // Loading starts first: helm renders a chart in processes of its own while the scan's code loads.
    const [{ config, loaded }, { buildReport }, { scanInventory }] = await Promise.all([
      loadFromFlagsAndCluster(sources, flags, 'scan', { probeCharts: true }),
      import('../report/index.js'),
      import('../scan.js'),
    ]);
    const { findings, rules, warnings, metrics } = scanInventory(loaded.inventory, config, { charts: loaded.charts, releaseNamespace: flags.namespace ?? config.helm.namespace ?? 'default', probes: loaded.probes });
    const report = buildReport({ sources: loaded.sources.map((source) => source.path), findings, rules, warnings: [...loaded.warnings, ...warnings] });
    report.metrics = metrics;
    await emitReport(report, flags, config);
  });
}
