// `npm run bench process`: kubeward as a whole process, the way hooks, post-renderers and CI run it
// (issue 9), each against its reference, interleaved in the same run, median of several:
//   kubeward --version            against node -e 0        (goal ≤ 1.5×)
//   kubeward scan pod.yaml        against node -e 0        (goal ≤ 2×); also its first run after a build,
//                                 which compiles the CLI without a code cache and writes one
//   kubeward scan 10,000 objects  against node reading the same file with js-yaml's loadAll (goal ≤ 1.5×),
//                                 and the peak memory (max RSS) of both.
// Wall time is what a user waits for; CPU time (user + system, node's start-up included) is what the
// process itself costs, and varies less when other work loads the machine. Both are printed.
// The chart scan against `helm template` is in chart.bench.mjs.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { manifest } from './manifest-mix.mjs';
import { ms, root, runNode, summary } from './whole-process.mjs';

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

/** Runs the command and its reference alternately, `runs` times each, after one warm-up of each. */
function compare(label, command, reference, referenceLabel, runs, goal, env = () => ({})) {
  runNode(reference);
  runNode(command, env());
  const samples = { command: [], reference: [] };
  for (let index = 0; index < runs; index++) {
    samples.reference.push(runNode(reference));
    samples.command.push(runNode(command, env()));
  }
  const [ours, theirs] = [summary(samples.command), summary(samples.reference)];
  console.log(`${label}  (median of ${runs}${goal ? `, goal ≤ ${goal}×` : ''})`);
  console.log(`  ${referenceLabel.padEnd(34)} wall ${ms(theirs.wallMs)}  cpu ${ms(theirs.cpuMs)}  peak ${theirs.maxRssMiB.toFixed(0).padStart(4)} MiB`);
  console.log(`  ${'kubeward'.padEnd(34)} wall ${ms(ours.wallMs)}  cpu ${ms(ours.cpuMs)}  peak ${ours.maxRssMiB.toFixed(0).padStart(4)} MiB`);
  console.log(`  ratio  wall ${(ours.wallMs / theirs.wallMs).toFixed(2)}  cpu ${(ours.cpuMs / theirs.cpuMs).toFixed(2)}  peak memory ${(ours.maxRssMiB / theirs.maxRssMiB).toFixed(2)}`);
}

const bin = join(root, 'bin/kubeward.js');
let fresh = 0;
/** A cache folder no run has used: the run compiles the CLI from source and writes the code cache (src/cli/code-cache.ts). */
const noCodeCache = () => ({ KUBEWARD_CACHE_DIR: join(work, `cache-${fresh++}`) });
try {
  // One run of a command first: it writes the code cache, which `--version` alone never does (bin/kubeward.js).
  // Measured in a fresh checkout without it, `--version` compiled the CLI from source (1.64× instead of 1.38×).
  runNode([bin, 'scan', pod]);
  compare('kubeward --version', [bin, '--version'], ['-e', '0'], 'node -e 0', RUNS, 1.5);
  compare('kubeward scan pod.yaml (one Pod)', [bin, 'scan', pod], ['-e', '0'], 'node -e 0', RUNS, 2);
  compare('kubeward scan pod.yaml, first run after a build (no code cache yet)', [bin, 'scan', pod], ['-e', '0'], 'node -e 0', RUNS, undefined, noCodeCache);
  compare('kubeward scan of 10,000 objects (17 MB)', [bin, 'scan', large, '--format', 'json', '-o', join(work, 'out.json')], ['-e', loadAll], 'node: js-yaml loadAll of the file', LARGE_RUNS, 1.5);
} finally {
  rmSync(work, { recursive: true, force: true });
}
