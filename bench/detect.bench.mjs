// `npm run bench detect`: a 1,000,000-event audit log through `kubeward detect` with the built-in
// rules, against its floor: bare JSON.parse of the same lines, measured in the same run. Lines are
// generated in chunks (so memory stays flat) and each chunk is timed under both, alternately.
import { DetectPipeline } from '../dist/detect/pipeline.js';
import { loadKubewardRules } from '../dist/detect/rules.js';
import { builtinDetectRuleFiles } from '../dist/load/detect-rules.js';
import { auditLine as line } from './audit-log.mjs';

const TOTAL = Number(process.env.KUBEWARD_BENCH_EVENTS ?? 1_000_000);
const CHUNK = 50_000;

const pipeline = new DetectPipeline({ rules: loadKubewardRules(builtinDetectRuleFiles()), retainAlerts: false });
let floorNs = 0n;
let engineNs = 0n;
// CPU time too: on a shared machine, wall time also counts the time other processes had the CPU
let floorCpu = 0;
let engineCpu = 0;
const cpu = () => {
  const { user, system } = process.cpuUsage();
  return user + system;
};
let bytes = 0;
let alerts = 0;
let sink = 0;
for (let start = 0; start < TOTAL; start += CHUNK) {
  const lines = [];
  for (let i = start; i < Math.min(TOTAL, start + CHUNK); i++) lines.push(line(i));
  for (const text of lines) bytes += text.length + 1;
  globalThis.gc?.();
  let t = process.hrtime.bigint();
  let c = cpu();
  for (const text of lines) sink += JSON.parse(text).stage.length;
  floorNs += process.hrtime.bigint() - t;
  floorCpu += cpu() - c;
  globalThis.gc?.();
  t = process.hrtime.bigint();
  c = cpu();
  for (const text of lines) alerts += pipeline.auditLine(text).length;
  engineNs += process.hrtime.bigint() - t;
  engineCpu += cpu() - c;
}
const seconds = (ns) => Number(ns) / 1e9;
const rate = (ns) => TOTAL / seconds(ns);
const summary = pipeline.summary();
console.log(`events: ${TOTAL.toLocaleString('en')} (${(bytes / 1e6).toFixed(0)} MB of JSON lines), built-in rules: ${pipeline.detector['rules'].length}`);
console.log(`floor  JSON.parse only:        ${seconds(floorNs).toFixed(2)} s  ${Math.round(rate(floorNs)).toLocaleString('en')} events/s  ${(bytes / 1e6 / seconds(floorNs)).toFixed(0)} MB/s`);
console.log(`detect built-in rules:         ${seconds(engineNs).toFixed(2)} s  ${Math.round(rate(engineNs)).toLocaleString('en')} events/s  ${(bytes / 1e6 / seconds(engineNs)).toFixed(0)} MB/s`);
console.log(`ratio  detect / JSON.parse:    ${(Number(engineNs) / Number(floorNs)).toFixed(2)}x the time of the floor (CPU time: ${(engineCpu / floorCpu).toFixed(2)}x; goal ≤ 2.0x)`);
console.log(`alerts: ${alerts}, events read: ${summary.audit.events}, heap used: ${(process.memoryUsage().heapUsed / 1e6).toFixed(0)} MB (checksum ${sink % 10})`);
