/**
 * npm's `prepare` builds dist/ after `npm ci` and `npm install`, but not a second time when `npx kubeward`
 * installs this package into npx's cache on its first run in a checkout (npm_command=exec), which rebuilt
 * it (8–16 s) before the developer's first verdict (scripts/already-built.mjs).
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from '../helpers/cli.js';

/** The exit code of the script that decides, in a package folder, with npm's command name as npm sets it. */
function decision(packageFolder: string, npmCommand?: string): number | null {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.npm_command;
  if (npmCommand) env.npm_command = npmCommand;
  return spawnSync(process.execPath, [join(packageFolder, 'scripts', 'already-built.mjs')], { env }).status;
}

describe('prepare', () => {
  it('is the build unless the script says it is already there', () => {
    const scripts = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    expect(scripts.prepare).toBe('node scripts/already-built.mjs || npm run build');
  });

  it('skips the build only for npx (npm exec) and only when the bundle is built', () => {
    // npm test builds dist/ before the tests run
    expect(decision(REPO, 'exec')).toBe(0);
    for (const command of ['ci', 'install', 'run', 'rebuild', undefined]) expect(decision(REPO, command)).toBe(1);

    const unbuilt = mkdtempSync(join(tmpdir(), 'kubeward-prepare-'));
    mkdirSync(join(unbuilt, 'scripts'));
    copyFileSync(join(REPO, 'scripts', 'already-built.mjs'), join(unbuilt, 'scripts', 'already-built.mjs'));
    expect(decision(unbuilt, 'exec')).toBe(1);
  });
});
