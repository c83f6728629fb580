import { constants } from 'node:os';
import { Command, CommanderError } from 'commander';
import { isInputError } from '../core/errors.js';
import { oneLine, systemErrorText } from '../core/sanitize.js';
import { VERSION } from '../core/version.js';
import { registerDetect } from './detect.js';
import { registerDiff } from './diff.js';
import { registerDrill } from './drill.js';
import { registerGate } from './gate.js';
import { registerNetpol } from './netpol.js';
import { registerPolicy } from './policy.js';
import { registerPss } from './pss.js';
import { registerRbac } from './rbac.js';
import { registerReport } from './report.js';
import { registerScan } from './scan.js';
import { registerWebhook } from './webhook.js';

/** The top-level commands, each with the function that defines it (and its subcommands). */
const COMMANDS: readonly [name: string, register: (program: Command) => void][] = [
  ['scan', registerScan],
  ['gate', registerGate],
  ['diff', registerDiff],
  ['rbac', registerRbac],
  ['netpol', registerNetpol],
  ['pss', registerPss],
  ['detect', registerDetect],
  ['policy', registerPolicy],
  ['report', registerReport],
  ['webhook', registerWebhook],
  ['drill', registerDrill],
];

/**
 * The CLI. Given the command a run names (`kubeward scan …`), only that command is defined: defining
 * all eleven with their options is a few milliseconds of every run (issue 9). Without one (`--help`,
 * `--version`, `help scan`, a misspelt command), all are.
 */
export function buildProgram(command?: string): Command {
  const program = new Command('kubeward')
    .description('Stop the trojan Helm chart: scan charts, gate installs, audit RBAC, analyse NetworkPolicy, detect attacks.')
    .version(VERSION, '-V, --version')
    // a subcommand's options are its own, even where a parent has one of the same name
    // (detect serve --rules; `kubeward pss … --version v1.29` is the policy version)
    .enablePositionalOptions()
    .exitOverride();
  // commander answers a missing command (`kubeward rbac`, bare `kubeward`) with the whole help on stderr: one line instead
  let missingCommand = false;
  program.configureOutput({
    outputError: (text, write) => write(`kubeward: ${usageError(text)}\n`),
    writeErr: (text) => {
      if (!missingCommand) process.stderr.write(text);
    },
  });
  program.on('beforeAllHelp', ({ error, command }: { error: boolean; command: Command }) => {
    if (!error || missingCommand) return;
    missingCommand = true;
    const path = commandPath(command);
    const names = command.commands.map((subcommand) => subcommand.name()).filter((name) => name !== 'help');
    process.stderr.write(`kubeward: ${path.length > 1 ? `${path.slice(1).join(' ')} needs a command` : 'a command is needed'} (${names.join(', ')}); run ${path.join(' ')} --help for usage\n`);
  });
  const named = COMMANDS.filter(([name]) => name === command);
  for (const [, register] of named.length ? named : COMMANDS) register(program);
  for (const command of program.commands) command.exitOverride();
  return program;
}

/** `kubeward rbac`: the names from the program down to a command. */
function commandPath(command: Command): string[] {
  return command.parent ? [...commandPath(command.parent), command.name()] : [command.name()];
}

/** commander's usage error (`error: unknown option '--formt'` and a suggestion on the next line) as one line with the way to help. */
function usageError(text: string): string {
  // `Allowed choices are table, json.` ends with its own full stop
  return `${oneLine(text.replace(/^error: /, '')).replace(/\(Did you mean/, '(did you mean').replace(/\.$/, '')}; run with --help for usage`;
}

/**
 * Runs the CLI. Every error ends as one line on stderr and exit code 2: commander's usage errors
 * (already printed), InputErrors (bad input), and anything else (a bug: the stack only with KUBEWARD_DEBUG).
 */
export async function main(argv: string[]): Promise<void> {
  // `kubeward … | head` closes the pipe early: that is the reader's choice, not an error, so nothing
  // is printed. The run ends as the tools of the field do (Go and C programs die of SIGPIPE): with the
  // status a shell gives that, 141, never 0, which would let `set -o pipefail` take a cut-off scan for a pass.
  // Any other failure to write them (`kubeward scan > /dev/full`, a disk that fills) is the user's to act on:
  // one line naming it on stderr (if stderr itself can still be written) and exit 2, never node's stack trace.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') process.exit(128 + constants.signals.SIGPIPE);
      if (stream === process.stdout) process.stderr.write(`kubeward: cannot write the standard output: ${systemErrorText(error)}\n`);
      process.exit(2);
    });
  }
  const program = buildProgram(argv[2]);
  try {
    // `kubeward help bogus` would print the whole help on stderr
    if (argv[2] === 'help' && argv[3] !== undefined && !program.commands.some((command) => command.name() === argv[3])) {
      program.error(`error: unknown command '${argv[3]}'`, { code: 'commander.unknownCommand' });
    }
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode === 0 ? 0 : 2;
      return;
    }
    // Messages quote file names, object names and tools' words: one line, controls escaped, whatever they hold.
    if (isInputError(error)) {
      process.stderr.write(`kubeward: ${oneLine(error.message)}\n`);
    } else {
      const message = error instanceof Error ? error.message : String(error);
      process.stderr.write(`kubeward: internal error: ${oneLine(message.split('\n')[0])} (set KUBEWARD_DEBUG=1 for details)\n`);
      if (process.env.KUBEWARD_DEBUG) process.stderr.write(`${(error as Error).stack}\n`);
    }
    process.exitCode = 2;
  }
}
