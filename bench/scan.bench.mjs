// Scan speed against its floor: the fastest bare YAML parse of the same text (js-yaml's loadAll),
// measured in the same run. Prints objects per second and the ratio scan time / parse time.
//
// Each stage runs in a Node process of its own (this file, with the stage's name as argument): two
// runs to warm the JIT up, then RUNS measured ones, each after a full collection. Stages sharing one
// process coloured each other's figures: what one stage leaves behind (V8 sizes its young generation
// after what the previous work kept alive; the garbage collector's helper threads) made the full scan
// measure cheaper than the rule pack alone, which it contains. The processes take turns, round after
// round, every other round in reverse order, so a machine loaded by other work slows them alike. The
// ratios use the median CPU time (the process's own user + system time, its garbage collector's
// threads included: what the work costs, less disturbed by load than wall time); the least disturbed
// wall time is printed beside it.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import jsYaml from 'js-yaml';
import { parseAllDocuments } from 'yaml';
import { Inventory } from '../dist/core/inventory.js';
import { parseYamlStream } from '../dist/load/yaml.js';
import { builtinRules } from '../dist/rules/index.js';
import { runRules } from '../dist/rules/engine.js';
import { scanInventory } from '../dist/scan.js';
import { manifest } from './manifest-mix.mjs';

const OBJECTS = 10_000;
const ROUNDS = Number(process.env.KUBEWARD_BENCH_ROUNDS ?? 4);
const RUNS = Number(process.env.KUBEWARD_BENCH_RUNS ?? 5);

const text = manifest(OBJECTS);
const bytes = Buffer.byteLength(text);

const stages = {
  floor: () => jsYaml.loadAll(text, undefined, { schema: jsYaml.CORE_SCHEMA }).length,
  parse: () => parseYamlStream(text, { file: 'bench.yaml' }).objects.length,
  rulePack: () => {
    const { objects } = parseYamlStream(text, { file: 'bench.yaml' });
    return runRules(new Inventory(objects), builtinRules).length;
  },
  scan: () => {
    const { objects } = parseYamlStream(text, { file: 'bench.yaml' });
    return scanInventory(new Inventory(objects), { disable: [], ignore: [] }).findings.length;
  },
  documentModel: () => parseAllDocuments(text).length,
};

/** One run of a stage: wall and CPU milliseconds, after a full GC so one run's garbage is not the next one's cost. */
function measure(work) {
  globalThis.gc?.();
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  const result = work();
  const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
  const used = process.cpuUsage(cpu);
  return { wallMs, cpuMs: (used.user + used.system) / 1000, result };
}

const child = process.argv[2];
if (child) {
  // A stage's own process: warm up, measure, print the samples as JSON.
  const work = stages[child];
  const runs = child === 'documentModel' ? 1 : RUNS;
  for (let warm = 0; warm < (child === 'documentModel' ? 0 : 2); warm++) work();
  const samples = Array.from({ length: runs }, () => measure(work));
  process.stdout.write(JSON.stringify(samples));
  process.exit(0);
}

const self = fileURLToPath(import.meta.url);
function runStage(name) {
  const run = spawnSync(process.execPath, [...process.execArgv, self, name], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (run.status !== 0) throw new Error(`stage ${name} failed: ${run.stderr}`);
  return JSON.parse(run.stdout);
}

const names = ['floor', 'parse', 'rulePack', 'scan'];
const samples = Object.fromEntries(names.map((name) => [name, []]));
for (let round = 0; round < ROUNDS; round++) {
  for (const name of round % 2 === 0 ? names : [...names].reverse()) samples[name].push(...runStage(name));
}
const documentModel = runStage('documentModel')[0];
const findings = samples.scan[0].result;

const median = (values) => [...values].sort((a, b) => a - b)[values.length >> 1];
const summary = (name) => ({ cpuMs: median(samples[name].map((sample) => sample.cpuMs)), wallMs: Math.min(...samples[name].map((sample) => sample.wallMs)) });
const floor = summary('floor');
const perSecond = (ms) => Math.round((OBJECTS / ms) * 1000).toLocaleString('en-US');
const line = (label, { cpuMs, wallMs }, ratio = true) =>
  console.log(`${label.padEnd(34)} cpu ${cpuMs.toFixed(0).padStart(5)} ms  wall ${wallMs.toFixed(0).padStart(5)} ms  ${perSecond(cpuMs).padStart(7)} objects/s${ratio ? `  ratio ${(cpuMs / floor.cpuMs).toFixed(2)} (wall ${(wallMs / floor.wallMs).toFixed(2)})` : ''}`);

console.log(`input: ${OBJECTS.toLocaleString('en-US')} objects, ${(bytes / 1048576).toFixed(1)} MiB of YAML; ${findings} findings; each stage in its own process, median CPU of ${ROUNDS} × ${RUNS} runs, best wall`);
line('floor  js-yaml loadAll', floor, false);
console.log(`       yaml parseAllDocuments      cpu ${documentModel.cpuMs.toFixed(0).padStart(5)} ms  (${(documentModel.cpuMs / floor.cpuMs).toFixed(1)}x the floor: why positions are computed lazily)`);
line('kubeward parse (with lines)', summary('parse'));
line('parse + rule pack only', summary('rulePack'));
line('kubeward scan (+ RBAC + netpol)', summary('scan'));
console.log(`ratio scan/parse-floor ${(summary('scan').cpuMs / floor.cpuMs).toFixed(2)} (goal ≤ 2)`);
