// `npm run bench drill`: `kubeward drill run trojan-chart` without its I/O (the chart rendered once), stage
// by stage, against its floor: `kubeward scan`'s engine over the same chart (the Recon stage alone),
// measured in the same run. A drill runs every engine and replays its logs through the detector, so
// the ratio says what the other four stages cost on top of a scan.
import { performance } from 'node:perf_hooks';
import { emptyConfig } from '../dist/core/config.js';
import { Inventory } from '../dist/core/inventory.js';
import { detectTimeline } from '../dist/drill/expose.js';
import { limitStage } from '../dist/drill/limit.js';
import { runDrill } from '../dist/drill/run.js';
import { buildTimeline } from '../dist/drill/timeline.js';
import { loadKubewardRules } from '../dist/detect/rules.js';
import { builtinDetectRuleFiles } from '../dist/load/detect-rules.js';
import { findScenario, renderScenarioChart } from '../dist/load/drills.js';
import { loadPolicySet } from '../dist/load/policies.js';
import { buildEngine } from '../dist/rbac/engine.js';
import { scanInventory } from '../dist/scan.js';

const RUNS = Number(process.env.KUBEWARD_BENCH_RUNS ?? 10);
const scenario = await findScenario('trojan-chart');
const chart = await renderScenarioChart(scenario, 'checkout', { probeCharts: true });
const builtin = await loadPolicySet({});
const rules = loadKubewardRules(builtinDetectRuleFiles());
const input = { version: 'bench', scenario, namespace: 'checkout', chart: { inventory: chart.inventory, charts: chart.charts, probes: chart.probes }, cluster: [], config: emptyConfig(), failOn: 'high', builtinPolicies: builtin, detection: { rules }, ruleSources: [], maxTtdSeconds: 60 };

const time = (run) => {
  globalThis.gc?.();
  const start = performance.now();
  for (let i = 0; i < RUNS; i++) run();
  return (performance.now() - start) / RUNS;
};
const floor = time(() => scanInventory(chart.inventory, emptyConfig(), { charts: chart.charts, releaseNamespace: 'checkout', probes: chart.probes }));
const drill = time(() => runDrill(input));
const installed = Inventory.of(chart.inventory.objects);
const limit = limitStage(installed, scenario, 'checkout');
let timeline;
const timelineMs = time(() => (timeline = buildTimeline({ scenario, namespace: 'checkout', chart: chart.inventory.objects, engine: buildEngine(installed), runs: limit.runs, namespaces: installed.namespaces() })));
const detectMs = time(() => detectTimeline(timeline, { rules }));
console.log(`scenario trojan-chart: ${timeline.audit.length.toLocaleString('en')} audit events and ${timeline.dns.length.toLocaleString('en')} CoreDNS lines (attack and background), ${RUNS} runs each`);
console.log(`floor  kubeward scan's engine on the chart:  ${floor.toFixed(1)} ms`);
console.log(`drill  all five stages:                      ${drill.toFixed(1)} ms`);
console.log(`  of which the logs (timeline):              ${timelineMs.toFixed(1)} ms`);
console.log(`  of which detection over them:              ${detectMs.toFixed(1)} ms`);
console.log(`ratio  drill / scan:                         ${(drill / floor).toFixed(1)}x the time of the floor`);
