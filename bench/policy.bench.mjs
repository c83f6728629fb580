// Policy engine and admission webhook speed.
//  1. CEL evaluations per second of a typical expression on a typical Pod, against the floor of the
//     same check as a plain JavaScript function (ratio CEL/JS), and the whole built-in pack per Pod.
//  2. The webhook (a child process, over HTTPS) under autocannon at a fixed rate (1,000 requests/s by
//     default, BENCH_WEBHOOK_RATE to change), 10 connections, BENCH_WEBHOOK_SECONDS (default 10):
//     p50 / p99 latency and requests per second, against the goal p99 <= 5 ms at 1,000 requests/s.
import { fork } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { generate } from 'selfsigned';
import { Inventory } from '../dist/core/inventory.js';
import { loadPolicySet } from '../dist/load/policies.js';
import { requestFor } from '../dist/policy/admission.js';
import { compileCel } from '../dist/policy/cel/environment.js';
import { toCel } from '../dist/policy/cel/values.js';
import { evaluateAdmission } from '../dist/policy/evaluate.js';
import { offlineContext } from '../dist/policy/run.js';

const pod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'checkout-7d9f', namespace: 'shop', labels: { app: 'checkout', 'app.kubernetes.io/name': 'checkout' } },
  spec: {
    serviceAccountName: 'checkout',
    securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
    containers: [
      { name: 'app', image: `ghcr.io/shop/checkout@sha256:${'a'.repeat(64)}`, ports: [{ containerPort: 8080 }], securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } }, resources: { requests: { cpu: '100m', memory: '128Mi' } } },
      { name: 'proxy', image: `ghcr.io/shop/proxy@sha256:${'b'.repeat(64)}`, ports: [{ containerPort: 9901 }], securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } },
    ],
    volumes: [{ name: 'config', configMap: { name: 'checkout' } }],
  },
};

/**
 * Runs per second of CPU time this process got: on a shared, loaded machine wall-clock rates
 * measure the neighbours; CPU time measures the code.
 */
function rate(seconds, work) {
  for (let index = 0; index < 20_000; index++) work();
  let count = 0;
  const end = performance.now() + seconds * 1000;
  const cpu = process.cpuUsage();
  while (performance.now() < end) {
    for (let index = 0; index < 1000; index++) work();
    count += 1000;
  }
  const used = process.cpuUsage(cpu);
  return count / ((used.user + used.system) / 1e6);
}
/** CPU seconds a process has used (Linux /proc; undefined elsewhere). */
function cpuSecondsOf(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}
const format = (perSecond) => `${(perSecond / 1e6).toFixed(2)} M/s`;

console.log(`load average ${os.loadavg().map((load) => load.toFixed(1)).join(' ')} on ${os.availableParallelism()} cores; rates are per CPU-second`);
// 1. CEL
const expression = 'object.spec.containers.all(c, c.?securityContext.?privileged.orValue(false) != true)';
const program = compileCel(expression, { variables: ['object'] });
const activation = { object: toCel(pod) };
const floor = rate(1, () => pod.spec.containers.every((container) => container.securityContext?.privileged !== true));
const cel = rate(2, () => program.evaluate(activation));
console.log(`typical expression: ${expression}`);
console.log(`floor  the same check in JavaScript     ${format(floor).padStart(12)}`);
console.log(`CEL    compiled, with the cost budget   ${format(cel).padStart(12)}  ratio ${(floor / cel).toFixed(1)}x the floor  (goal >= 1 M evaluations/s)`);
const simple = compileCel("object.metadata.labels['app'] == 'checkout'", { variables: ['object'] });
console.log(`CEL    a label comparison               ${format(rate(1, () => simple.evaluate(activation))).padStart(12)}`);

const set = await loadPolicySet({});
const context = offlineContext(set, Inventory.of([]));
const request = requestFor(pod);
const expressions = set.policies.reduce((total, policy) => total + policy.validations.length + policy.variables.length, 0);
const pack = rate(2, () => evaluateAdmission(set.policies, set.bindings, request, context));
console.log(`pack   ${set.policies.length} policies (${expressions} expressions) on the Pod, JSON to CEL included  ${(pack / 1000).toFixed(1).padStart(6)} k admissions/s  (${((pack * expressions) / 1e6).toFixed(2)} M expressions/s)`);

// 2. The webhook under load.
const dir = mkdtempSync(join(tmpdir(), 'kubeward-bench-'));
const pki = await generate([{ name: 'commonName', value: 'localhost' }], { keyType: 'ec', algorithm: 'sha256', extensions: [{ name: 'subjectAltName', altNames: [{ type: 2, value: 'localhost' }, { type: 7, ip: '127.0.0.1' }] }] });
writeFileSync(join(dir, 'tls.crt'), pki.cert);
writeFileSync(join(dir, 'tls.key'), pki.private);
const bin = fileURLToPath(new URL('../bin/kubeward.js', import.meta.url));
const port = 18443 + Math.floor(Math.random() * 1000);
const server = fork(bin, ['webhook', 'serve', '--listen', `127.0.0.1:${port}`, '--tls-cert', join(dir, 'tls.crt'), '--tls-key', join(dir, 'tls.key'), '-q'], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
let stderr = '';
server.stderr.on('data', (chunk) => (stderr += chunk));
try {
  // Wait for the port.
  for (let attempt = 0; ; attempt++) {
    const ready = await autocannon({ url: `https://127.0.0.1:${port}/healthz`, amount: 1, connections: 1 }).then((result) => result.non2xx === 0 && result.errors === 0 && result['2xx'] === 1).catch(() => false);
    if (ready) break;
    if (attempt > 100) throw new Error(`the webhook did not start: ${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const targetRate = Number(process.env.BENCH_WEBHOOK_RATE ?? 1000);
  const seconds = Number(process.env.BENCH_WEBHOOK_SECONDS ?? 10);
  const body = JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { ...request, uid: 'bench' } });
  const denied = JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: requestFor({ ...pod, spec: { ...pod.spec, hostNetwork: true } }, { uid: 'bench-deny' }) });
  for (const [name, payload] of [
    ['admitted Pod', body],
    ['denied Pod', denied],
  ]) {
    const cpuBefore = cpuSecondsOf(server.pid);
    const result = await autocannon({ url: `https://127.0.0.1:${port}/validate`, method: 'POST', headers: { 'content-type': 'application/json' }, body: payload, connections: 10, overallRate: targetRate, duration: seconds });
    const cpuAfter = cpuSecondsOf(server.pid);
    const ok = result.errors === 0 && result.non2xx === 0;
    const capacity = cpuBefore !== undefined && cpuAfter !== undefined && cpuAfter > cpuBefore ? `; the server used ${(cpuAfter - cpuBefore).toFixed(1)} CPU-s: ${(result.requests.total / (cpuAfter - cpuBefore)).toFixed(0)} requests per CPU-second` : '';
    console.log(
      `webhook ${name.padEnd(13)} at ${targetRate} requests/s for ${seconds} s: ${result.requests.average.toFixed(0)} requests/s, p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, max ${result.latency.max} ms${ok ? '' : `, ${result.errors} errors, ${result.non2xx} non-2xx`}${capacity}  (goal p99 <= 5 ms)`,
    );
  }
} finally {
  server.kill('SIGTERM');
}
