// `npm run bench detect`: a 1,000,000-event audit log through `kubeward detect` with the built-in
// rules, against its floor: bare JSON.parse of the same lines, measured in the same run. Lines are
// generated in chunks (so memory stays flat) and each chunk is timed under both, alternately.
import { DetectPipeline } from '../dist/detect/pipeline.js';
import { loadKubewardRules } from '../dist/detect/rules.js';
import { builtinDetectRuleFiles } from '../dist/load/detect-rules.js';

const TOTAL = Number(process.env.KUBEWARD_BENCH_EVENTS ?? 1_000_000);
const CHUNK = 50_000;
const T0 = Date.parse('2026-03-01T10:00:00Z');
const NAMESPACES = Array.from({ length: 40 }, (_, i) => `team-${i}`);

let seed = 7;
const random = () => ((seed = (seed * 1664525 + 1013904223) >>> 0), seed / 2 ** 32);
const pick = (items) => items[Math.floor(random() * items.length)];
const iso = (ms) => new Date(ms).toISOString().replace('Z', '000Z');

/** A Metadata-level event as the log backend writes it (~700 bytes), with the usual cluster mix. */
function line(i) {
  const time = T0 + Math.floor(i / 10); // ~10,000 events per second of cluster time
  const ns = pick(NAMESPACES);
  const r = random();
  let user, verb, resource, name, subresource, group;
  if (r < 0.3) [user, verb, resource, name] = [{ username: `system:node:node-${i % 50}`, groups: ['system:nodes', 'system:authenticated'] }, pick(['get', 'watch']), 'secrets', `app-${i % 9}`];
  else if (r < 0.45) [user, verb, resource, name, group] = [{ username: 'system:kube-scheduler', groups: ['system:authenticated'] }, 'update', 'leases', 'kube-scheduler', 'coordination.k8s.io'];
  else if (r < 0.6) [user, verb, resource, subresource, name] = [{ username: `system:node:node-${i % 50}`, groups: ['system:nodes', 'system:authenticated'] }, 'create', 'serviceaccounts', 'token', 'default'];
  else if (r < 0.75) [user, verb, resource] = [{ username: 'system:serviceaccount:kube-system:generic-garbage-collector', groups: ['system:serviceaccounts', 'system:authenticated'] }, 'list', pick(['secrets', 'configmaps', 'pods'])];
  else if (r < 0.9) [user, verb, resource, name, group] = [{ username: 'system:serviceaccount:kube-system:endpointslice-controller', groups: ['system:serviceaccounts', 'system:authenticated'] }, 'update', 'endpointslices', 'svc', 'discovery.k8s.io'];
  else if (r < 0.999) [user, verb, resource, name] = [{ username: 'alice@example.com', groups: ['system:authenticated'] }, pick(['get', 'list']), 'pods', undefined];
  else [user, verb, resource, name] = [{ username: `system:serviceaccount:tracing:agent-${i % 3}`, groups: ['system:serviceaccounts'] }, 'get', 'secrets', 'db'];
  return JSON.stringify({
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: 'Metadata',
    auditID: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    stage: 'ResponseComplete',
    requestURI: `/api/v1/namespaces/${ns}/${resource}${name ? `/${name}` : ''}`,
    verb,
    user,
    sourceIPs: ['10.0.0.10'],
    userAgent: 'kube-controller-manager/v1.31.0 (linux/amd64) kubernetes/abcdef0',
    objectRef: { resource, namespace: ns, name, subresource, apiGroup: group, apiVersion: 'v1' },
    responseStatus: { metadata: {}, code: verb === 'create' ? 201 : 200 },
    requestReceivedTimestamp: iso(time - 2),
    stageTimestamp: iso(time),
    annotations: { 'authorization.k8s.io/decision': 'allow', 'authorization.k8s.io/reason': 'RBAC: allowed by ClusterRoleBinding "system:node" of ClusterRole "system:node"' },
  });
}

const pipeline = new DetectPipeline({ rules: loadKubewardRules(builtinDetectRuleFiles()), retainAlerts: false });
let floorNs = 0n;
let engineNs = 0n;
let bytes = 0;
let alerts = 0;
let sink = 0;
for (let start = 0; start < TOTAL; start += CHUNK) {
  const lines = [];
  for (let i = start; i < Math.min(TOTAL, start + CHUNK); i++) lines.push(line(i));
  for (const text of lines) bytes += text.length + 1;
  globalThis.gc?.();
  let t = process.hrtime.bigint();
  for (const text of lines) sink += JSON.parse(text).stage.length;
  floorNs += process.hrtime.bigint() - t;
  globalThis.gc?.();
  t = process.hrtime.bigint();
  for (const text of lines) alerts += pipeline.auditLine(text).length;
  engineNs += process.hrtime.bigint() - t;
}
const seconds = (ns) => Number(ns) / 1e9;
const rate = (ns) => TOTAL / seconds(ns);
const summary = pipeline.summary();
console.log(`events: ${TOTAL.toLocaleString('en')} (${(bytes / 1e6).toFixed(0)} MB of JSON lines), built-in rules: ${pipeline.detector['rules'].length}`);
console.log(`floor  JSON.parse only:        ${seconds(floorNs).toFixed(2)} s  ${Math.round(rate(floorNs)).toLocaleString('en')} events/s  ${(bytes / 1e6 / seconds(floorNs)).toFixed(0)} MB/s`);
console.log(`detect built-in rules:         ${seconds(engineNs).toFixed(2)} s  ${Math.round(rate(engineNs)).toLocaleString('en')} events/s  ${(bytes / 1e6 / seconds(engineNs)).toFixed(0)} MB/s`);
console.log(`ratio  detect / JSON.parse:    ${(Number(engineNs) / Number(floorNs)).toFixed(2)}x the time of the floor`);
console.log(`alerts: ${alerts}, events read: ${summary.audit.events}, heap used: ${(process.memoryUsage().heapUsed / 1e6).toFixed(0)} MB (checksum ${sink % 10})`);
