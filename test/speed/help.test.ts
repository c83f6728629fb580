/**
 * Each command loads its code on first use (issue 9), yet `--help` must read exactly as before:
 * every command's help, as `kubeward … --help` prints it, compared with `help.expected.txt`
 * (generated before commands loaded lazily). A changed flag or description changes the file:
 * review the diff and regenerate it with `npx vitest run test/speed/help.test.ts -u`.
 */
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/main.js';
import { runCli } from '../helpers/cli.js';

/** Each command's path and the help `--help` prints for it (commander writes it through writeOut). */
function helpTexts(): { path: string[]; help: string }[] {
  const texts: { path: string[]; help: string }[] = [];
  const visit = (command: Command, path: string[]) => {
    let help = '';
    command.configureOutput({ writeOut: (text) => (help += text), writeErr: (text) => (help += text) });
    command.outputHelp();
    texts.push({ path, help });
    for (const subcommand of command.commands) visit(subcommand, [...path, subcommand.name()]);
  };
  visit(buildProgram(), []);
  return texts;
}

describe('--help', () => {
  const texts = helpTexts();

  it('reads as before for every command', async () => {
    expect(texts.length).toBeGreaterThan(20);
    const file = texts.map(({ path, help }) => `$ kubeward ${[...path, '--help'].join(' ')}\n${help}`).join('\n');
    await expect(file).toMatchFileSnapshot('./help.expected.txt');
  });

  it('is what the CLI process prints', async () => {
    for (const path of [[], ['scan'], ['rbac', 'risks'], ['detect', 'serve']]) {
      const result = await runCli([...path, '--help']);
      expect(result.code).toBe(0);
      expect(result.stdout).toBe(texts.find((text) => text.path.join(' ') === path.join(' '))?.help);
    }
  });
});
