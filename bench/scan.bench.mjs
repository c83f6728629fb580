// Scan speed against its floor: the fastest bare YAML parse of the same text (js-yaml's loadAll),
// measured in the same run. Prints objects per second and the ratio scan time / parse time.
//
// The floor and each stage run in turn, round after round (interleaved), so a machine loaded by
// other work slows them alike; the ratios use the median CPU time of the rounds (the process's own
// user + system time: what the work costs, less disturbed by load than wall time), and the least
// disturbed wall time is printed beside it.
import jsYaml from 'js-yaml';
import { parseAllDocuments } from 'yaml';
import { Inventory } from '../dist/core/inventory.js';
import { parseYamlStream } from '../dist/load/yaml.js';
import { builtinRules } from '../dist/rules/index.js';
import { runRules } from '../dist/rules/engine.js';
import { scanInventory } from '../dist/scan.js';
import { manifest } from './manifest-mix.mjs';

const OBJECTS = 10_000;
const ROUNDS = Number(process.env.KUBEWARD_BENCH_ROUNDS ?? 7);

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
};

/** One run of a stage: wall and CPU milliseconds, after a full GC so one stage's garbage is not the next one's cost. */
function measure(work) {
  globalThis.gc?.();
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  const result = work();
  const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
  const used = process.cpuUsage(cpu);
  return { wallMs, cpuMs: (used.user + used.system) / 1000, result };
}

// One warm-up round (the JIT), then ROUNDS interleaved rounds.
for (const work of Object.values(stages)) work();
const samples = Object.fromEntries(Object.keys(stages).map((name) => [name, []]));
let findings = 0;
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, work] of Object.entries(stages)) {
    const sample = measure(work);
    samples[name].push(sample);
    if (name === 'scan') findings = sample.result;
  }
}
const documentModel = measure(() => parseAllDocuments(text).length);

const median = (values) => [...values].sort((a, b) => a - b)[values.length >> 1];
const summary = (name) => ({ cpuMs: median(samples[name].map((sample) => sample.cpuMs)), wallMs: Math.min(...samples[name].map((sample) => sample.wallMs)) });
const floor = summary('floor');
const perSecond = (ms) => Math.round((OBJECTS / ms) * 1000).toLocaleString('en-US');
const line = (label, { cpuMs, wallMs }, ratio = true) =>
  console.log(`${label.padEnd(34)} cpu ${cpuMs.toFixed(0).padStart(5)} ms  wall ${wallMs.toFixed(0).padStart(5)} ms  ${perSecond(cpuMs).padStart(7)} objects/s${ratio ? `  ratio ${(cpuMs / floor.cpuMs).toFixed(2)} (wall ${(wallMs / floor.wallMs).toFixed(2)})` : ''}`);

console.log(`input: ${OBJECTS.toLocaleString('en-US')} objects, ${(bytes / 1048576).toFixed(1)} MiB of YAML; ${findings} findings; median CPU of ${ROUNDS} interleaved rounds, best wall`);
line('floor  js-yaml loadAll', floor, false);
console.log(`       yaml parseAllDocuments      cpu ${documentModel.cpuMs.toFixed(0).padStart(5)} ms  (${(documentModel.cpuMs / floor.cpuMs).toFixed(1)}x the floor: why positions are computed lazily)`);
line('kubeward parse (with lines)', summary('parse'));
line('parse + rule pack only', summary('rulePack'));
line('kubeward scan (+ RBAC + netpol)', summary('scan'));
console.log(`ratio scan/parse-floor ${(summary('scan').cpuMs / floor.cpuMs).toFixed(2)} (goal ≤ 2)`);
