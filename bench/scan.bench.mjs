// Scan speed against its floor: the fastest bare YAML parse of the same text (js-yaml's loadAll),
// measured in the same run. Prints objects per second and the ratio scan time / parse time.
import jsYaml from 'js-yaml';
import { parseAllDocuments } from 'yaml';
import { Inventory } from '../dist/core/inventory.js';
import { parseYamlStream } from '../dist/load/yaml.js';
import { builtinRules } from '../dist/rules/index.js';
import { runRules } from '../dist/rules/engine.js';
import { scanInventory } from '../dist/scan.js';
import { manifest } from './manifest-mix.mjs';

const OBJECTS = 10_000;

/** Best of `runs` timings in milliseconds (the least disturbed run is the closest to the truth). */
function best(runs, work) {
  let fastest = Infinity;
  let result;
  for (let run = 0; run < runs; run++) {
    globalThis.gc?.();
    const start = process.hrtime.bigint();
    result = work();
    const elapsed = Number(process.hrtime.bigint() - start) / 1e6;
    fastest = Math.min(fastest, elapsed);
  }
  return { ms: fastest, result };
}

const text = manifest(OBJECTS);
const bytes = Buffer.byteLength(text);
const floor = best(5, () => jsYaml.loadAll(text, undefined, { schema: jsYaml.CORE_SCHEMA }).length);
const documentModel = best(2, () => parseAllDocuments(text).length);
const parse = best(5, () => parseYamlStream(text, { file: 'bench.yaml' }).objects);
const rulePack = best(5, () => {
  const { objects } = parseYamlStream(text, { file: 'bench.yaml' });
  return runRules(new Inventory(objects), builtinRules).length;
});
const scan = best(3, () => {
  const { objects } = parseYamlStream(text, { file: 'bench.yaml' });
  return scanInventory(new Inventory(objects), { disable: [], ignore: [] }).findings.length;
});
const perSecond = (ms) => Math.round((OBJECTS / ms) * 1000).toLocaleString('en-US');

console.log(`input: ${OBJECTS.toLocaleString('en-US')} objects, ${(bytes / 1048576).toFixed(1)} MiB of YAML; ${scan.result} findings`);
console.log(`floor  js-yaml loadAll            ${floor.ms.toFixed(0).padStart(6)} ms  ${perSecond(floor.ms).padStart(9)} objects/s`);
console.log(`       yaml parseAllDocuments      ${documentModel.ms.toFixed(0).padStart(6)} ms  ${perSecond(documentModel.ms).padStart(9)} objects/s  (${(documentModel.ms / floor.ms).toFixed(1)}x the floor: why positions are computed lazily)`);
console.log(`kubeward parse (with lines)        ${parse.ms.toFixed(0).padStart(6)} ms  ${perSecond(parse.ms).padStart(9)} objects/s  ratio ${(parse.ms / floor.ms).toFixed(2)}`);
console.log(`parse + rule pack only             ${rulePack.ms.toFixed(0).padStart(6)} ms  ${perSecond(rulePack.ms).padStart(9)} objects/s  ratio ${(rulePack.ms / floor.ms).toFixed(2)}`);
console.log(`kubeward scan (+ RBAC + netpol)    ${scan.ms.toFixed(0).padStart(6)} ms  ${perSecond(scan.ms).padStart(9)} objects/s  ratio scan/parse-floor ${(scan.ms / floor.ms).toFixed(2)}`);
