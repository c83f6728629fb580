// `npm run bench process`: kubeward as a whole process, the way hooks, post-renderers and CI run it
// (issue 9), each against its reference, interleaved in the same run, median of several:
//   kubeward --version            against node -e 0        (goal ≤ 1.5×)
//   kubeward scan pod.yaml        against node -e 0        (goal ≤ 2×)
//   kubeward scan 10,000 objects  against node reading the same file with js-yaml's loadAll (goal ≤ 1.5×),
//                                 and the peak memory (max RSS) of both.
// Wall time is what a user waits for; CPU time (user + system, node's start-up included) is what the
// process itself costs, and varies less when other work loads the machine. Both are printed.
// The chart scan against `helm template` is in chart.bench.mjs.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { manifest } from './manifest-mix.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const usagePreload = fileURLToPath(new URL('process-usage.cjs', import.meta.url));
const RUNS = Number(process.env.KUBEWARD_BENCH_RUNS ?? 9);
const LARGE_RUNS = Number(process.env.KUBEWARD_BENCH_LARGE_RUNS ?? 3);

const work = mkdtempSync(join(tmpdir(), 'kubeward-bench-'));
const pod = join(work, 'pod.yaml');
// Block style, as kubectl and helm write YAML (a flow collection on a finding's path also loads `yaml` for its line).
writeFileSync(
  pod,
  'apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  containers:\n  - name: web\n    image: nginx:1.27\n    securityContext:\n      privileged: true\n',
);
const large = join(work, 'mix.yaml');
writeFileSync(large, manifest(10_000));
const loadAll = `const { readFileSync } = require('node:fs'); const jsYaml = require(${JSON.stringify(join(root, 'node_modules/js-yaml'))}); jsYaml.loadAll(readFileSync(${JSON.stringify(large)}, 'utf8'), undefined, { schema: jsYaml.CORE_SCHEMA });`;

/** One process: wall time, CPU time and peak memory (read from process-usage.cjs's last stderr line). */
function run(args) {
  const start = process.hrtime.bigint();
  const child = spawnSync(process.execPath, ['-r', usagePreload, ...args], { cwd: root, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, maxBuffer: 256 * 1024 * 1024 });
  const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
  if (child.status !== 0 && child.status !== 1) throw new Error(`node ${args.join(' ')} exited ${child.status}: ${child.stderr}`);
  const usage = child.stderr.trim().split('\n').at(-1);
  if (!usage.startsWith('kubeward-bench-usage ')) throw new Error(`node ${args.join(' ')}: no usage line on stderr`);
  return { wallMs, ...JSON.parse(usage.slice('kubeward-bench-usage '.length)) };
}

const median = (values) => [...values].sort((a, b) => a - b)[values.length >> 1];

/** Runs the command and its reference alternately, `runs` times each, after one warm-up of each. */
function compare(label, command, reference, referenceLabel, runs, goal) {
  run(reference);
  run(command);
  const samples = { command: [], reference: [] };
  for (let index = 0; index < runs; index++) {
    samples.reference.push(run(reference));
    samples.command.push(run(command));
  }
  const summary = (list) => ({ wallMs: median(list.map((sample) => sample.wallMs)), cpuMs: median(list.map((sample) => sample.cpuMs)), maxRssMiB: median(list.map((sample) => sample.maxRssMiB)) });
  const [ours, theirs] = [summary(samples.command), summary(samples.reference)];
  const ms = (value) => `${value.toFixed(0).padStart(5)} ms`;
  console.log(`${label}  (median of ${runs}, goal ≤ ${goal}×)`);
  console.log(`  ${referenceLabel.padEnd(34)} wall ${ms(theirs.wallMs)}  cpu ${ms(theirs.cpuMs)}  peak ${theirs.maxRssMiB.toFixed(0).padStart(4)} MiB`);
  console.log(`  ${'kubeward'.padEnd(34)} wall ${ms(ours.wallMs)}  cpu ${ms(ours.cpuMs)}  peak ${ours.maxRssMiB.toFixed(0).padStart(4)} MiB`);
  console.log(`  ratio  wall ${(ours.wallMs / theirs.wallMs).toFixed(2)}  cpu ${(ours.cpuMs / theirs.cpuMs).toFixed(2)}  peak memory ${(ours.maxRssMiB / theirs.maxRssMiB).toFixed(2)}`);
}

const bin = join(root, 'bin/kubeward.js');
try {
  compare('kubeward --version', [bin, '--version'], ['-e', '0'], 'node -e 0', RUNS, 1.5);
  compare('kubeward scan pod.yaml (one Pod)', [bin, 'scan', pod], ['-e', '0'], 'node -e 0', RUNS, 2);
  compare('kubeward scan of 10,000 objects (17 MB)', [bin, 'scan', large, '--format', 'json', '-o', join(work, 'out.json')], ['-e', loadAll], 'node: js-yaml loadAll of the file', LARGE_RUNS, 1.5);
} finally {
  rmSync(work, { recursive: true, force: true });
}
