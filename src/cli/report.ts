import { Option, type Command } from 'commander';
import { addLiveOptions, addSourceOptions, addSuppressionOptions, collect, type InputFlags, type LiveFlags, type SourceFlags } from './options.js';

export const REPORT_FORMATS = ['html', 'markdown', 'json'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export interface ReportCommandFlags extends SourceFlags, InputFlags, LiveFlags {
  auditLog?: string;
  dnsLog?: string;
  flows?: string;
  drill?: string[];
  history?: string;
  verdicts?: string;
  output: string;
  format?: ReportFormat;
  title?: string;
  quiet?: boolean;
}

export function registerReport(program: Command): void {
  const command = program
    .command('report')
    .description("one posture report of the battlecard's six stages: metrics, top findings with fixes, an RBAC graph, a connectivity matrix, a detection timeline, trends across runs")
    .argument('[sources...]', 'charts, manifests, cluster dumps, - for stdin (or --context for a live cluster)')
    .requiredOption('-o, --output <file>', 'where to write the report (atomically); - for stdout')
    .addOption(new Option('--format <format>', 'html (one self-contained file), markdown or json (default: from the --output extension, else html)').choices([...REPORT_FORMATS]))
    .option('--audit-log <file>', 'API server audit log (JSON lines) for the Expose stage: alerts by rule, time to detect, timeline')
    .option('--dns-log <file>', 'CoreDNS query log for the Expose stage')
    .option('--verdicts <file>', 'alert id → true-positive | false-positive | benign (the file kubeward detect triage reads): the alert fidelity')
    .option('--flows <file>', 'network flows (Hubble JSON, as kubeward detect --flows reads them): unexpected egress and policy violations (Limit), alerts (Expose)')
    .option('--drill <file>', 'the JSON of kubeward drill run (stages, gaps, time to detect) and/or of kubeward drill score (MTTR, developer confidence): the eXercise stage (repeatable)', collect)
    .option('--history <dir>', 'keep this run there (JSON) and draw each metric across the runs it holds')
    .option('--title <text>', 'the report title')
    .option('-q, --quiet', 'do not print warnings');
  addSourceOptions(command);
  addSuppressionOptions(command);
  addLiveOptions(command);
  command.addHelpText(
    'after',
    `
Exit codes: 0 report written, 2 usage or input error (nothing written).
The HTML file fetches nothing when opened (styles, scripts, data inline; a strict Content-Security-Policy).

Examples:
  kubeward report cluster-dump.json ./fast-trace-agent --audit-log audit.log --history reports/ -o posture.html
  kubeward report --context prod --drill drill.json --history reports/ -o posture.html
  kubeward report cluster-dump.json -o posture.md`,
  );
  command.action(async (sources, flags) => (await import('./report-run.js')).runReport(sources, flags));
}
