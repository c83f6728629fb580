import { Command, Option } from 'commander';
import { InputError } from '../core/errors.js';
import { isRecord } from '../core/object.js';
import { oneLine } from '../core/sanitize.js';
import type { TriagedAlert } from '../detect/triage.js';
import { forEachLine, readInput } from '../load/input.js';
import { addInputOptions, inputLimits, type InputFlags } from './options.js';
import { warn } from './output.js';

/** `kubeward detect triage ALERTS.jsonl --verdicts FILE`: alert fidelity per rule and overall. */

interface TriageFlags extends InputFlags {
  verdicts: string;
  format?: 'table' | 'json';
  quiet?: boolean;
}

/** The alerts `detect` printed (JSON lines); lines that are not alerts with an id are warned about and skipped. */
async function readAlerts(file: string, flags: TriageFlags, warnings: string[]): Promise<TriagedAlert[]> {
  const out: TriagedAlert[] = [];
  let skipped = 0;
  await forEachLine(
    file,
    'alerts',
    (line) => {
      if (line.trim() === '') return;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        skipped++;
        return;
      }
      if (isRecord(value) && typeof value.id === 'string' && typeof value.rule === 'string') out.push({ id: value.id, rule: value.rule, priority: String(value.priority ?? '') });
      else skipped++;
    },
    inputLimits(flags),
  );
  if (skipped > 0) warnings.push(`${file}: ${skipped} lines are not alerts with an id (skipped)`);
  if (out.length === 0) throw new InputError(`${file}: no alerts (JSON lines as kubeward detect prints them)`);
  return out;
}

async function runTriage(file: string, flags: TriageFlags): Promise<void> {
  const { parseVerdicts, renderTriage, triage } = await import('../detect/triage.js');
  const warnings: string[] = [];
  const alerts = await readAlerts(file, flags, warnings);
  const verdicts = parseVerdicts(await readInput(flags.verdicts, 'verdicts', inputLimits(flags)), flags.verdicts);
  const report = triage(alerts, verdicts);
  if (report.unknownIds.length > 0) {
    warnings.push(`${flags.verdicts}: ${report.unknownIds.length} verdicts name alerts not in ${file} (${oneLine(report.unknownIds.slice(0, 5).join(', '), 200)}${report.unknownIds.length > 5 ? ', …' : ''})`);
  }
  if (!flags.quiet) for (const message of warnings) warn(message);
  process.stdout.write(flags.format === 'json' ? `${JSON.stringify(report, null, 2)}\n` : renderTriage(report));
}

export function registerTriage(detect: Command): void {
  const triageCommand = detect
    .command('triage')
    .description('alert fidelity: the share of actionable alerts per rule and overall, from verdicts on alert ids')
    .argument('<alerts>', 'alerts as kubeward detect prints them (JSON lines), or - for stdin')
    .requiredOption('--verdicts <file>', 'alert id → true-positive | false-positive | benign (YAML or JSON mapping, or a list of {id, verdict})')
    .addOption(new Option('--format <format>', 'table or json').choices(['table', 'json']).default('table'))
    .option('-q, --quiet', 'do not print warnings');
  addInputOptions(triageCommand)
    .addHelpText(
      'after',
      `
Actionable means true-positive; benign alerts are real but expected (a break-glass admin). Rules whose
triaged alerts were mostly not actionable are listed as noise. Verdicts naming unknown alert ids are
warned about.

Example:
  kubeward detect --audit-log audit.log > alerts.jsonl
  kubeward detect triage alerts.jsonl --verdicts verdicts.yaml`,
    )
    .action(async (file: string, flags: TriageFlags) => runTriage(file, flags));
}
