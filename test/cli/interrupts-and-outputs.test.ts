import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, createReadStream, mkdirSync, openSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { findTool } from '../../src/load/tools.js';
import { chartYaml, writeTree } from '../helpers/chart.js';
import { REPO, runCli } from '../helpers/cli.js';
import { serveFiles, type FileServer } from '../helpers/http.js';

/**
 * What happens around the output: a reader that goes away (`kubeward scan … | head -1`), outputs that
 * cannot be written (a full device, a read-only folder, a folder, a FIFO nobody reads) or are not files
 * (`/dev/null`, a FIFO), and interrupts in the middle of a chart render: one line and exit 2 where the
 * user must act, nothing half-written, helm stopped and temporary folders removed, and the exit status
 * a CLI of the field gives (141 for a closed pipe, death by SIGINT/SIGTERM: 130/143 in a shell).
 */
const BIN = join(REPO, 'bin/kubeward.js');
const pods = Array.from({ length: 2000 }, (_, index) => `---\napiVersion: v1\nkind: Pod\nmetadata: {name: p${index}, namespace: a}\nspec: {containers: [{name: c, image: nginx}]}\n`).join('');
// a template that loops: helm renders it for longer than any test waits (until kubeward's --timeout)
const LOOP = '{{ range $i := until 100000000 }}{{ end }}x: 1\n';
const tree = writeTree({
  'pods.yaml': pods,
  'pod.yaml': 'apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: a}\nspec: {containers: [{name: c, image: nginx}]}\n',
  'audit.log': Array.from({ length: 3000 }, (_, index) => JSON.stringify({ kind: 'Event', apiVersion: 'audit.k8s.io/v1', level: 'Metadata', auditID: `id-${index}`, stage: 'ResponseComplete', verb: 'list', requestURI: '/api/v1/secrets', user: { username: `system:serviceaccount:tracing:agent-${index}` }, objectRef: { resource: 'secrets', apiVersion: 'v1' }, responseStatus: { code: 200 }, requestReceivedTimestamp: '2026-01-01T00:00:00.000000Z', stageTimestamp: '2026-01-01T00:00:00.100000Z' })).join('\n') + '\n',
  'loop/Chart.yaml': chartYaml('loop'),
  'loop/templates/a.yaml': LOOP,
  'loopy/Chart.yaml': chartYaml('loopy'),
  'loopy/templates/a.yaml': LOOP,
});

/** Runs the CLI and closes its stdout after the first chunk, as `| head -1` does. */
function readFirstChunk(args: string[]): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string; first: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: tree, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
    let stderr = '';
    let first = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.stdout.once('data', (chunk) => {
      first = String(chunk);
      child.stdout.destroy();
    });
    child.on('close', (code, signal) => resolve({ code, signal, stderr, first }));
  });
}

describe.concurrent('a reader that closes stdout early (kubeward … | head -1)', () => {
  it.for([
    ['scan', ['scan', 'pods.yaml', '--format', 'json']],
    ['detect (streams its alerts)', ['detect', '--audit-log', 'audit.log', '--format', 'json']],
  ] as [string, string[]][])('%s: no error printed, exit status 141 as for SIGPIPE (0 would pass a cut-off scan under pipefail)', async ([, args], { expect }) => {
    const result = await readFirstChunk(args);
    expect(result.first.length).toBeGreaterThan(0);
    // (detect's summary goes to stderr, as always)
    expect(result.stderr).not.toMatch(/kubeward: |EPIPE|\n\s+at /);
    expect(result.code).toBe(141);
  });
});

describe.concurrent('outputs that are not regular files, or cannot be written', () => {
  it('stdout onto a full device (kubeward scan > /dev/full): one line, exit 2, no stack trace', async ({ expect }) => {
    const full = openSync('/dev/full', 'w');
    try {
      for (const args of [['scan', 'pod.yaml'], ['scan', 'pods.yaml', '--format', 'json'], ['detect', '--audit-log', 'audit.log', '--format', 'json']]) {
        const run = spawnSync(process.execPath, [BIN, ...args], { cwd: tree, stdio: ['ignore', full, 'pipe'], encoding: 'utf8' });
        // (detect's summary goes to stderr, as always, before the failed write is reported)
        expect(run.stderr.match(/^kubeward: .*$/gm)).toEqual(['kubeward: cannot write the standard output: no space left on device (ENOSPC)']);
        expect(run.stderr.endsWith('kubeward: cannot write the standard output: no space left on device (ENOSPC)\n')).toBe(true);
        expect(run.stderr).not.toMatch(/\n\s+at |ENOSPC: no space/);
        expect(run.status).toBe(2);
      }
    } finally {
      closeSync(full);
    }
  });

  it('-o /dev/full: one line, exit 2 (it was renamed over by a file, as root, and the run passed)', async ({ expect }) => {
    const result = await runCli(['scan', 'pods.yaml', '-o', '/dev/full'], { cwd: tree });
    expect(result.stderr).toBe('kubeward: cannot write /dev/full: no space left on device (ENOSPC)\n');
    expect(result.code).toBe(2);
    expect(statSync('/dev/full').isCharacterDevice()).toBe(true);
  });

  it('-o /dev/null and -o /dev/stdout are written as they are, never replaced', async ({ expect }) => {
    const nothing = await runCli(['scan', 'pod.yaml', '-o', '/dev/null', '--fail-on', 'none'], { cwd: tree });
    expect(nothing).toMatchObject({ code: 0, stdout: '', stderr: '' });
    expect(statSync('/dev/null').isCharacterDevice()).toBe(true);
    const piped = await runCli(['scan', 'pod.yaml', '--format', 'json', '-o', '/dev/stdout', '--fail-on', 'none'], { cwd: tree });
    expect(piped.code).toBe(0);
    expect(JSON.parse(piped.stdout)).toHaveProperty('findings');
  });

  it('-o FIFO: written into when a process reads it; one line and exit 2 when none does (the open waited for ever)', async ({ expect }) => {
    const folder = writeTree({});
    const fifo = join(folder, 'report.fifo');
    execFileSync('mkfifo', [fifo]);
    const alone = await runCli(['scan', join(tree, 'pod.yaml'), '-o', fifo], { cwd: folder });
    expect(alone.stderr).toBe(`kubeward: cannot write ${fifo}: no process reads it\n`);
    expect(alone.code).toBe(2);
    let read = '';
    const reader = createReadStream(fifo, 'utf8').on('data', (chunk) => (read += chunk));
    const [result] = await Promise.all([runCli(['scan', join(tree, 'pod.yaml'), '--format', 'json', '-o', fifo, '--fail-on', 'none'], { cwd: folder }), new Promise<void>((resolve) => reader.on('close', () => resolve()))]);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(read)).toHaveProperty('findings');
    expect(statSync(fifo).isFIFO()).toBe(true);
  });

  it('-o a folder: one line, exit 2, nothing left in its parent', async ({ expect }) => {
    const folder = writeTree({ 'out/keep': '' });
    const result = await runCli(['scan', join(tree, 'pod.yaml'), '-o', 'out'], { cwd: folder });
    expect(result.stderr).toMatch(/^kubeward: cannot write out: (it is a directory|illegal operation on a directory \(EISDIR\))\n$/);
    expect(result.code).toBe(2);
    expect(readdirSync(folder)).toEqual(['out']);
  });

  it('-o into a read-only folder: one line, exit 2, nothing written', async ({ expect, skip }) => {
    // a read-only tmpfs in a mount namespace of its own (root ignores a folder's mode bits)
    const folder = writeTree({});
    const ro = join(folder, 'ro');
    mkdirSync(ro);
    const unprivileged = process.getuid?.() === 0 ? [] : ['--user', '--map-root-user'];
    const probe = spawnSync('unshare', [...unprivileged, '--mount', 'sh', '-c', `mount -t tmpfs -o ro kubeward-test '${ro}'`]);
    if (probe.status !== 0) skip();
    const script = `mount -t tmpfs -o ro kubeward-test '${ro}' && exec '${process.execPath}' '${BIN}' scan '${join(tree, 'pod.yaml')}' -o '${join(ro, 'report.txt')}'`;
    const result = spawnSync('unshare', [...unprivileged, '--mount', 'sh', '-c', script], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    expect(result.stderr).toBe(`kubeward: cannot write ${join(ro, 'report.txt')}: read-only file system (EROFS)\n`);
    expect(result.status).toBe(2);
    expect(readdirSync(ro)).toEqual([]);
  });
});

/** The pids of a process's children (Linux). */
function childrenOf(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((task) => readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number));
  } catch {
    return [];
  }
}

/** Whether a process still runs: gone, or a zombie waiting for its new parent to reap it, is not. */
function running(pid: number): boolean {
  try {
    const state = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '')[0];
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/** Polls until `condition` holds (a state of the processes, never a duration), failing after `limitMs`. */
async function until<T>(condition: () => T | undefined, what: string, limitMs = 60_000): Promise<T> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const value = condition();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Starts the CLI with its own TMPDIR, waits until helm renders (`helm template` among its children), and interrupts it. */
async function interruptRender(args: string[], signal: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string; helm: number[]; temporary: string }> {
  const temporary = writeTree({}, 'kubeward-tmpdir-');
  const child: ChildProcess = spawn(process.execPath, [BIN, ...args], { cwd: tree, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, TMPDIR: temporary } });
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  const closed = new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on('close', (code, signal) => resolve([code, signal])));
  const helm = await until(() => {
    const rendering = childrenOf(child.pid!).filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes('template');
      } catch {
        return false;
      }
    });
    return rendering.length ? rendering : undefined;
  }, 'helm template to start');
  child.kill(signal);
  const [code, ended] = await closed;
  return { code, signal: ended, stderr, helm, temporary };
}

describe.concurrent('an interrupt during a chart render', () => {
  let server: FileServer;
  beforeAll(async () => {
    // a chart repository on loopback, serving the looping chart as helm pulls it
    const helm = await findTool('helm');
    const www = writeTree({});
    execFileSync(helm, ['package', join(tree, 'loopy'), '--destination', www]);
    server = await serveFiles(www);
    execFileSync(helm, ['repo', 'index', www, '--url', server.url]);
  });
  afterAll(() => server.close());

  it('SIGINT: helm (in a process group of its own, which Ctrl-C does not reach) is stopped, and kubeward ends by the signal', async ({ expect }) => {
    const result = await interruptRender(['scan', 'loop'], 'SIGINT');
    expect(result.signal).toBe('SIGINT');
    expect(result.stderr).toBe('');
    await until(() => (result.helm.some(running) ? undefined : true), 'helm to stop');
    expect(readdirSync(result.temporary)).toEqual([]);
  });

  it('SIGTERM: the pulled remote chart (its temporary folder) is removed, and helm stopped', async ({ expect }) => {
    const result = await interruptRender(['scan', 'loopy', '--repo', server.url], 'SIGTERM');
    expect(result.signal).toBe('SIGTERM');
    await until(() => (result.helm.some(running) ? undefined : true), 'helm to stop');
    expect(readdirSync(result.temporary)).toEqual([]);
  });
});
