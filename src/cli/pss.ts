import { Option, type Command } from 'commander';
import { InputError } from '../core/errors.js';
import { isLevel, LEVELS } from '../pss/model.js';
import { effectiveVersion, formatVersion, LATEST_MINOR, parsePolicyVersion } from '../pss/version.js';
import { POD_SECURITY_FORMATS } from '../report/formats.js';
import { addSourceOptions, loadFromFlags, type SourceFlags } from './options.js';
import { useColor, warnAll, writeOutput } from './output.js';

interface PssFlags extends SourceFlags {
  level?: string;
  version?: string;
  format?: string;
  output?: string;
  quiet?: boolean;
}

export function registerPss(program: Command): void {
  const command = program
    .command('pss')
    .description('judge every pod template against a Pod Security Standards level, exactly as Pod Security admission would')
    .argument('<sources...>', 'chart directories, .tgz charts, repo/chart references, kustomize directories, manifest files or directories, - for stdin')
    .requiredOption('--level <level>', `Pod Security level: ${LEVELS.join(' or ')}`)
    .option('--version <version>', `policy version: v1.N (v1.0 to v1.${LATEST_MINOR}) or latest`, 'latest')
    .addOption(new Option('--format <format>', 'output format').choices(POD_SECURITY_FORMATS as unknown as string[]).default('table'))
    .option('-o, --output <file>', 'write the report to a file (atomically) instead of stdout')
    .option('-q, --quiet', 'do not print warnings')
    .addHelpText(
      'after',
      `
Exit codes: 0 every pod template meets the level, 1 one does not, 2 usage or input error.

Examples:
  kubeward pss ./chart --level restricted
  kubeward pss manifests/ --level baseline --version v1.29 --format json`,
    );
  addSourceOptions(command);
  command.action(async (sources: string[], flags: PssFlags) => {
    // Flags first: a bad level or version is reported before any chart is rendered.
    const level = flags.level ?? '';
    if (!isLevel(level)) throw new InputError(`unknown Pod Security level "${level}": use ${LEVELS.join(' or ')}`);
    const asked = parsePolicyVersion(flags.version ?? 'latest');
    const version = effectiveVersion(asked);
    const [{ evaluateObject, podTemplateObjects }, { buildPodSecurityReport, renderPodSecurity }] = await Promise.all([import('../pss/index.js'), import('../report/pod-security.js')]);
    const { loaded } = await loadFromFlags(sources, flags);
    const results = podTemplateObjects(loaded.inventory).map((object) => ({ object, failures: evaluateObject(object, level, version) ?? [] }));
    const report = buildPodSecurityReport({
      inventory: loaded.inventory,
      level,
      policyVersion: flags.version === 'latest' || flags.version === undefined ? 'latest' : formatVersion(asked),
      evaluatedVersion: formatVersion(version),
      sources,
      results,
      warnings: loaded.warnings,
    });
    warnAll(report.warnings, flags.quiet);
    writeOutput(renderPodSecurity(report, flags.format ?? 'table', { color: !flags.output && useColor() }), flags.output);
    process.exitCode = results.some((result) => result.failures.length > 0) ? 1 : 0;
  });
}
