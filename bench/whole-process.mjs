// Measuring kubeward as a whole process (process.bench.mjs, chart.bench.mjs): one run's wall time,
// and for node processes their CPU time and peak memory, read from process-usage.cjs's last stderr line.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('..', import.meta.url));
const usagePreload = fileURLToPath(new URL('process-usage.cjs', import.meta.url));

export const median = (values) => [...values].sort((a, b) => a - b)[values.length >> 1];
export const ms = (value) => `${value.toFixed(0).padStart(5)} ms`;

/** One node process: wall time, CPU time (user + system, node's start-up included) and peak memory. */
export function runNode(args, env = {}) {
  const start = process.hrtime.bigint();
  const child = spawnSync(process.execPath, ['-r', usagePreload, ...args], { cwd: root, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', ...env }, maxBuffer: 256 * 1024 * 1024 });
  const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
  if (child.status !== 0 && child.status !== 1) throw new Error(`node ${args.join(' ')} exited ${child.status}: ${child.stderr}`);
  const usage = child.stderr.trim().split('\n').at(-1);
  if (!usage.startsWith('kubeward-bench-usage ')) throw new Error(`node ${args.join(' ')}: no usage line on stderr`);
  return { wallMs, ...JSON.parse(usage.slice('kubeward-bench-usage '.length)) };
}

/** Any other process (helm): wall time only. */
export function runProcess(command, args) {
  const start = process.hrtime.bigint();
  const child = spawnSync(command, args, { cwd: root, stdio: 'ignore' });
  if (child.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${child.status}`);
  return { wallMs: Number(process.hrtime.bigint() - start) / 1e6 };
}

/** The medians of a list of runs. */
export function summary(runs) {
  const of = (key) => (runs[0][key] === undefined ? undefined : median(runs.map((run) => run[key])));
  return { wallMs: of('wallMs'), cpuMs: of('cpuMs'), maxRssMiB: of('maxRssMiB') };
}
