// A chart scan against `helm template` of the same chart (issue 9: ≤ 2×), and what the second and
// third renders (another namespace, another Kubernetes version, rules/render-variants.ts) cost.
// Whole processes, interleaved in the same run, median of several; then in-process, where node's
// start-up does not hide the renders.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { loadSources } from '../dist/load/sources.js';
import { findTool } from '../dist/load/tools.js';
import { scanInventory } from '../dist/scan.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const charts = ['test/fixtures/charts/recon/trojan', 'test/fixtures/charts/fast-trace-agent'];
const RUNS = 7;
const helm = await findTool('helm');

const median = (values) => [...values].sort((a, b) => a - b)[values.length >> 1];
function timed(command, args) {
  const start = process.hrtime.bigint();
  const run = spawnSync(command, args, { cwd: root, stdio: 'ignore', env: { ...process.env, NO_COLOR: '1' } });
  if (run.status !== 0 && run.status !== 1) throw new Error(`${command} ${args.join(' ')} exited ${run.status}`);
  return Number(process.hrtime.bigint() - start) / 1e6;
}
async function inProcess(chart, probeCharts) {
  const start = process.hrtime.bigint();
  const loaded = await loadSources([chart], { namespace: 'shop', probeCharts });
  scanInventory(loaded.inventory, { disable: [], ignore: [] }, { releaseNamespace: 'shop', probes: loaded.probes });
  return Number(process.hrtime.bigint() - start) / 1e6;
}

const pad = (ms) => `${ms.toFixed(0).padStart(5)} ms`;
for (const chart of charts) {
  const times = { node: [], helm: [], scan: [], plain: [], probed: [] };
  await inProcess(chart, true);
  for (let run = 0; run < RUNS; run++) {
    times.node.push(timed(process.execPath, ['-e', '0']));
    times.helm.push(timed(helm, ['template', 'rel', chart, '--namespace', 'shop', '--include-crds']));
    times.scan.push(timed(process.execPath, ['bin/kubeward.js', 'scan', chart, '-n', 'shop', '--format', 'json', '--fail-on', 'none']));
    times.plain.push(await inProcess(chart, false));
    times.probed.push(await inProcess(chart, true));
  }
  const [node, helmTime, scan, plain, probed] = [times.node, times.helm, times.scan, times.plain, times.probed].map(median);
  console.log(`${chart}`);
  console.log(`  node -e 0                              ${pad(node)}`);
  console.log(`  helm template                          ${pad(helmTime)}`);
  console.log(`  kubeward scan (3 renders, whole process) ${pad(scan)}  ratio to helm template ${(scan / helmTime).toFixed(2)} (goal ≤ 2), to node -e 0 ${(scan / node).toFixed(2)}`);
  console.log(`  in process: one render + scan          ${pad(plain)}`);
  console.log(`  in process: three renders + scan       ${pad(probed)}  ratio ${(probed / plain).toFixed(2)} (the second and third renders run in parallel with the first)`);
}
