/**
 * `kubeward gate` under Helm 3's post-renderer contract. No Helm 3 binary runs here (the bundled helm
 * is v4, whose post-renderers are plugins), so this test calls kubeward exactly as Helm 3's
 * `pkg/postrender` does for `helm install --post-renderer kubeward --post-renderer-args gate`:
 *
 * - `NewExec`: the name has no path separator, so it is looked up on $PATH (`exec.LookPath`, an
 *   executable file) and made absolute (`filepath.Abs`);
 * - `Run`: `exec.Command(fullPath, args...)` with helm's own environment, each `--post-renderer-args`
 *   value one argument, in order; the rendered manifests are written to a stdin pipe by a goroutine
 *   that closes it when done; stdout and stderr are collected in separate buffers; `cmd.Run()`
 *   waits for the exit: a non-zero status is an error, and helm aborts with
 *   `error while running post render on files: error while running command <path>. error output:
 *   <stderr>: exit status <n>`; status 0 and stdout is the manifest stream helm goes on with;
 * - the input (`action.renderResources`), in two generations:
 *   - Helm 3.0 to 3.20: the non-hook manifests, in install order, each written as
 *     `---\n# Source: <template>\n<content>\n`. Hooks are split off before and never post-rendered.
 *     Made here from the real helm's `helm template` output, whose documents carry the same
 *     `# Source:` headers in the same install order, with the hooks dropped as Helm 3 drops them.
 *   - Helm 3.21 and later (helm/helm#32227, as Helm 4): every template, hooks included, merged into
 *     one stream before the hooks are split off (`annotateAndMerge`), each object annotated with
 *     `postrenderer.helm.sh/postrender-filename`. Captured here from the real helm 4, whose
 *     `annotateAndMerge` is the same, through a post-renderer plugin that copies its stdin.
 */
import { execFile, spawn } from 'node:child_process';
import { accessSync, chmodSync, constants, mkdirSync, mkdtempSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, isAbsolute, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { loadAll } from 'js-yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { findTool } from '../../src/load/tools.js';
import { REPO } from '../helpers/cli.js';

const TROJAN = join(REPO, 'test/fixtures/charts/fast-trace-agent');
const HARMLESS = ['--set', 'sidecar.enabled=false', '--set', 'serviceAccount.create=false'];

/** exec.LookPath for a name without a separator: the first executable regular file of that name on $PATH, made absolute. */
function lookPath(name: string, path: string): string {
  for (const folder of path.split(delimiter)) {
    const candidate = join(folder || '.', name);
    try {
      if (!statSync(candidate).isFile()) continue;
      accessSync(candidate, constants.X_OK);
      return isAbsolute(candidate) ? candidate : resolve(candidate);
    } catch {
      // not here
    }
  }
  throw new Error(`unable to find binary at ${name}`);
}

/** Helm 3's execRender.Run: stdin pipe fed then closed, stdout and stderr buffered apart, the exit status decides. */
function helm3PostRender(binary: string, args: string[], manifests: string, env: NodeJS.ProcessEnv): Promise<{ output?: string; error?: string }> {
  const fullPath = lookPath(binary, env.PATH ?? '');
  return new Promise((resolveRun, reject) => {
    const child = spawn(fullPath, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code === 0) resolveRun({ output: Buffer.concat(stdout).toString('utf8') });
      else resolveRun({ error: `error while running post render on files: error while running command ${fullPath}. error output:\n${Buffer.concat(stderr).toString('utf8')}: ${signal ? `signal: ${signal}` : `exit status ${code}`}` });
    });
    child.stdin.on('error', () => undefined); // io.Copy's error is ignored by the goroutine too
    child.stdin.end(manifests);
  });
}

/** What Helm 3 hands a post-renderer: non-hook manifests as `---\n# Source: <name>\n<content>\n`. */
function helm3Input(templateOutput: string): string {
  const documents = templateOutput.split(/^---\n(?=# Source: )/m).filter((part) => part.startsWith('# Source: '));
  return documents
    .map((document) => {
      const newline = document.indexOf('\n');
      return { name: document.slice('# Source: '.length, newline), content: document.slice(newline + 1).replace(/\n+$/, '') };
    })
    .filter(({ content }) => !/^\s+["']?helm\.sh\/hook["']?:/m.test(content))
    .map(({ name, content }) => `---\n# Source: ${name}\n${content}\n`)
    .join('');
}

const objects = (text: string) => loadAll(text).filter(Boolean).map((object) => JSON.stringify(object)).sort();

describe('kubeward gate as a Helm 3 post-renderer (helm install --post-renderer kubeward --post-renderer-args gate)', () => {
  const bin = mkdtempSync(join(tmpdir(), 'kw-helm3-path-'));
  // As `npm install -g kubeward` puts it on the PATH: a link to bin/kubeward.js, run by its #!/usr/bin/env node.
  symlinkSync(join(REPO, 'bin/kubeward.js'), join(bin, 'kubeward'));
  const env = { ...process.env, PATH: [bin, dirname(process.execPath), process.env.PATH ?? ''].join(delimiter), NO_COLOR: '1' };
  let helm: string;
  const render = async (...args: string[]) => (await promisify(execFile)(helm, ['template', 'tracing', TROJAN, ...args], { maxBuffer: 64 << 20 })).stdout;

  beforeAll(async () => {
    helm = await findTool('helm');
  });

  it('blocks the trojan chart: a non-zero exit, nothing on stdout, the report in the error helm prints', async () => {
    const input = helm3Input(await render('-n', 'checkout'));
    expect(input).toMatch(/^---\n# Source: fast-trace-agent\/templates\/rbac\.yaml\n/);
    expect(input).not.toContain('helm.sh/hook');
    const result = await helm3PostRender('kubeward', ['gate', '--namespace=checkout'], input, env);
    expect(result.output).toBeUndefined();
    expect(result.error).toMatch(new RegExp(`^error while running post render on files: error while running command ${bin}/kubeward\\. error output:\\n`));
    expect(result.error).toContain('ClusterRoleBinding tracing-fast-trace-agent-reader fast-trace-agent/templates/rbac.yaml');
    expect(result.error).toMatch(/(CRITICAL|HIGH) +rbac-read-secrets +ServiceAccount checkout\/tracing-fast-trace-agent/);
    expect(result.error).toMatch(/: exit status 1$/);
  });

  it('passes a clean chart through unchanged: exit 0 and the same manifests on stdout', async () => {
    const input = helm3Input(await render(...HARMLESS));
    const result = await helm3PostRender('kubeward', ['gate'], input, env);
    expect(result.error).toBeUndefined();
    expect(result.output).toBe(input);
    expect(objects(result.output!)).toEqual(objects(input));
    expect(objects(input)).toHaveLength(2);
  });

  it('takes each --post-renderer-args value as one argument, in order', async () => {
    const input = helm3Input(await render('-n', 'checkout'));
    const lenient = await helm3PostRender('kubeward', ['gate', '--fail-on', 'none', '--namespace=checkout'], input, env);
    expect(lenient.output).toBe(input);
    const wrong = await helm3PostRender('kubeward', ['gate', '--fail-on=sometimes'], input, env);
    expect(wrong.error).toMatch(/error output:\nkubeward: --fail-on must be a severity or none\n: exit status 2$/);
  });

  it('Helm 3.21+ input (every template, hooks included, annotated with their file): the hook is gated too', async () => {
    // What helm hands a post-renderer since annotateAndMerge, captured from the real helm by a plugin that copies its stdin.
    const home = mkdtempSync(join(tmpdir(), 'kw-helm3-capture-'));
    const plugin = join(home, 'capture');
    mkdirSync(plugin);
    writeFileSync(join(plugin, 'plugin.yaml'), 'apiVersion: v1\ntype: postrenderer/v1\nname: capture\nversion: 0.1.0\nruntime: subprocess\nruntimeConfig:\n  platformCommand:\n    - command: ${HELM_PLUGIN_DIR}/capture.sh\n');
    writeFileSync(join(plugin, 'capture.sh'), '#!/bin/sh\ntee "$KW_CAPTURE"\n');
    chmodSync(join(plugin, 'capture.sh'), 0o755);
    const helmEnv = { ...process.env, HELM_DATA_HOME: join(home, 'data'), HELM_CONFIG_HOME: join(home, 'config'), HELM_CACHE_HOME: join(home, 'cache'), KW_CAPTURE: join(home, 'input.yaml') };
    await promisify(execFile)(helm, ['plugin', 'install', plugin], { env: helmEnv });
    // Without the ClusterRoleBinding and the sidecar, what is left at high is in the hook Job alone.
    await promisify(execFile)(helm, ['template', 'tracing', TROJAN, ...HARMLESS, '--post-renderer', 'capture'], { env: helmEnv });
    const input = readFileSync(join(home, 'input.yaml'), 'utf8');
    expect(input).toMatch(/postrenderer\.helm\.sh\/postrender-filename: '?fast-trace-agent\/templates\/hook-job\.yaml/);
    expect(input).not.toContain('# Source:');
    const passes = await helm3PostRender('kubeward', ['gate', '--fail-on=medium', '--format=json', '--output', join(home, 'report.json')], input, env);
    expect(passes.output).toBeUndefined();
    const report = JSON.parse(readFileSync(join(home, 'report.json'), 'utf8')) as { findings: { ruleId: string; object: { kind: string; name: string }; location?: { file: string } }[] };
    expect(report.findings.find((finding) => finding.ruleId === 'image-latest-tag')).toMatchObject({
      object: { kind: 'Job', name: 'tracing-fast-trace-agent-setup' },
      location: { file: 'fast-trace-agent/templates/hook-job.yaml' },
    });
  });
});
