// `npm run bench chart`: a chart scan against `helm template` of the same chart (issue 9: ≤ 2×), as
// whole processes, interleaved in the same run, median of several. Also printed: node's own start
// (`node -e 0`) followed by `helm template`, the least any node program that runs helm can take, and
// kubeward's own CPU time (the three helm processes' apart). Then in process, where node's start-up
// does not hide the renders: what the second and third renders (another namespace, another Kubernetes
// version, load/render-variants.ts) add.
import { loadSources } from '../dist/load/sources.js';
import { findTool } from '../dist/load/tools.js';
import { scanInventory } from '../dist/scan.js';
import { ms, runNode, runProcess, summary } from './whole-process.mjs';

const charts = ['test/fixtures/charts/recon/trojan', 'test/fixtures/charts/fast-trace-agent'];
const RUNS = Number(process.env.KUBEWARD_BENCH_RUNS ?? 9);
const helm = await findTool('helm');

async function inProcess(chart, probeCharts) {
  const start = process.hrtime.bigint();
  const loaded = await loadSources([chart], { namespace: 'shop', probeCharts });
  scanInventory(loaded.inventory, { disable: [], ignore: [] }, { releaseNamespace: 'shop', probes: loaded.probes });
  return { wallMs: Number(process.hrtime.bigint() - start) / 1e6 };
}

for (const chart of charts) {
  const scan = ['bin/kubeward.js', 'scan', chart, '-n', 'shop', '--format', 'json', '--fail-on', 'none'];
  const helmTemplate = ['template', 'rel', chart, '--namespace', 'shop', '--include-crds'];
  const samples = { node: [], helm: [], floor: [], scan: [], plain: [], probed: [] };
  // Warm-up: the code cache, the file system cache, helm's binary.
  runNode(scan);
  await inProcess(chart, true);
  for (let run = 0; run < RUNS; run++) {
    samples.node.push(runNode(['-e', '0']));
    samples.helm.push(runProcess(helm, helmTemplate));
    samples.floor.push({ wallMs: runNode(['-e', '0']).wallMs + runProcess(helm, helmTemplate).wallMs });
    samples.scan.push(runNode(scan));
    samples.plain.push(await inProcess(chart, false));
    samples.probed.push(await inProcess(chart, true));
  }
  const [node, helmTime, floor, ours, plain, probed] = [samples.node, samples.helm, samples.floor, samples.scan, samples.plain, samples.probed].map(summary);
  const ratio = (value) => (value.wallMs / helmTime.wallMs).toFixed(2);
  console.log(`${chart}  (median of ${RUNS}, goal ≤ 2× helm template)`);
  console.log(`  node -e 0                                  wall ${ms(node.wallMs)}  cpu ${ms(node.cpuMs)}`);
  console.log(`  helm template                              wall ${ms(helmTime.wallMs)}`);
  console.log(`  node -e 0, then helm template (the floor)  wall ${ms(floor.wallMs)}  ratio to helm template ${ratio(floor)}`);
  console.log(`  kubeward scan (3 renders, whole process)   wall ${ms(ours.wallMs)}  cpu ${ms(ours.cpuMs)} (its own; helm's apart)  ratio to helm template ${ratio(ours)}, to the floor ${(ours.wallMs / floor.wallMs).toFixed(2)}`);
  console.log(`  in process: one render + scan              wall ${ms(plain.wallMs)}`);
  console.log(`  in process: three renders + scan           wall ${ms(probed.wallMs)}  ratio ${(probed.wallMs / plain.wallMs).toFixed(2)} (the second and third renders run in parallel with the first)`);
}
