import type { Command } from 'commander';
import type { Config } from '../core/config.js';
import { InputError, isInputError } from '../core/errors.js';
import type { DiffSide } from '../diff/index.js';
import { DIFF_FORMATS } from '../report/formats.js';
import { addReportOptions, addSourceOptions, addSuppressionOptions, exitCodeFor, failOnOf, loadFromFlags, type ReportFlags, type SourceFlags } from './options.js';
import { useColor, warnAll, writeOutput } from './output.js';

/** One side, loaded with the shared flags; an error names the side, so "which of the two failed" is never a question. */
async function loadSide(label: 'old' | 'new', source: string, flags: SourceFlags): Promise<DiffSide & { config: Config; warnings: string[] }> {
  try {
    const { config, loaded } = await loadFromFlags([source], flags);
    return { source, inventory: loaded.inventory, charts: loaded.charts, config, warnings: loaded.warnings.map((warning) => `${label} version: ${warning}`) };
  } catch (error) {
    if (isInputError(error)) throw new InputError(`the ${label} version (${source}): ${error.message}`, { cause: error });
    throw error;
  }
}

/** `kubeward diff OLD NEW`: the security-relevant changes of an upgrade; exit 1 when it adds a finding at or above --fail-on. */
export function registerDiff(program: Command): void {
  const command = program
    .command('diff')
    .description('what an upgrade changes for security: new findings, permissions per subject, containers, images, registries, hooks, tokens, exposure')
    .argument('<old>', 'the version installed now: a chart folder, .tgz, repo/chart, rendered manifests or a folder of manifests')
    .argument('<new>', 'the version to install, rendered with the same flags')
    .addHelpText(
      'after',
      `
Both versions are rendered with the same flags (values, namespace, release, Kubernetes version).
Exit codes: 0 the new version adds nothing at or above --fail-on, 1 it does, 2 usage or input error
(one of the versions cannot be read or rendered).

Examples:
  kubeward diff ./fast-trace-agent-0.3.1.tgz ./fast-trace-agent-0.4.0.tgz -n checkout --release tracing
  helm template tracing ./chart > old.yaml; git checkout feature; helm template tracing ./chart > new.yaml
  kubeward diff old.yaml new.yaml --format markdown -o pr-comment.md`,
    );
  addSourceOptions(command);
  addSuppressionOptions(command);
  addReportOptions(command, DIFF_FORMATS, 'high', false);
  command.action(async (oldSource: string, newSource: string, flags: SourceFlags & ReportFlags) => {
    const [{ diffVersions }, { renderDiff }] = await Promise.all([import('../diff/index.js'), import('../report/diff.js')]);
    const before = await loadSide('old', oldSource, flags);
    const after = await loadSide('new', newSource, flags);
    const config = after.config;
    const failOn = failOnOf(flags, config);
    const result = diffVersions(before, after, config);
    result.warnings = [...before.warnings, ...after.warnings, ...result.warnings];
    const format = flags.format ?? (DIFF_FORMATS.includes(config.format as never) ? (config.format as string) : 'table');
    const text = renderDiff(result, format, { color: !flags.output && useColor() });
    warnAll(result.warnings, flags.quiet);
    writeOutput(text, flags.output);
    process.exitCode = exitCodeFor(result.findings, failOn);
  });
}
