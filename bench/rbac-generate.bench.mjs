// `npm run bench rbac-generate`: `kubeward rbac generate` over a 1,000,000-event audit log (the lines
// of the detection bench's generator), in events per second, against its floor: bare JSON.parse of
// the same lines, measured in the same run. Three subjects: a controller making 15% of the requests,
// a user making 10%, and a ServiceAccount making 0.03% (most lines are then left unparsed by the
// pre-filter). Each timing covers reading every line, the subject's requests, the generated roles and
// their verification by the RBAC engine.
import { emptyAuditStats } from '../dist/detect/audit.js';
import { auditLineReader } from '../dist/load/audit-log.js';
import { generateRbac } from '../dist/rbac/generate.js';
import { lineMayConcern, SubjectActivity } from '../dist/rbac/observed.js';
import { identityOf } from '../dist/rbac/subject.js';
import { verifyGenerated } from '../dist/rbac/verify.js';
import { auditLine } from './audit-log.mjs';

const TOTAL = Number(process.env.KUBEWARD_BENCH_EVENTS ?? 1_000_000);
const CHUNK = 50_000;
const SUBJECTS = [
  { label: 'controller SA (15% of events)', subject: { kind: 'ServiceAccount', namespace: 'kube-system', name: 'generic-garbage-collector' } },
  { label: 'user (10% of events)', subject: { kind: 'User', name: 'alice@example.com' } },
  { label: 'rare SA (0.03% of events)', subject: { kind: 'ServiceAccount', namespace: 'tracing', name: 'agent-0' } },
];

const runs = SUBJECTS.map(({ label, subject }) => {
  const stats = { ...emptyAuditStats(), file: 'bench', skipped: 0 };
  const activity = new SubjectActivity(subject);
  return { label, subject, stats, activity, read: auditLineReader(stats, (event) => activity.add(event), lineMayConcern(subject)), ns: 0n };
});
let floorNs = 0n;
let bytes = 0;
let sink = 0;
for (let start = 0; start < TOTAL; start += CHUNK) {
  const lines = [];
  for (let i = start; i < Math.min(TOTAL, start + CHUNK); i++) lines.push(auditLine(i));
  for (const text of lines) bytes += text.length + 1;
  globalThis.gc?.();
  let t = process.hrtime.bigint();
  for (const text of lines) sink += JSON.parse(text).stage.length;
  floorNs += process.hrtime.bigint() - t;
  for (const run of runs) {
    globalThis.gc?.();
    t = process.hrtime.bigint();
    for (const text of lines) run.read(text);
    run.ns += process.hrtime.bigint() - t;
  }
}
const seconds = (ns) => Number(ns) / 1e9;
const rate = (ns) => Math.round(TOTAL / seconds(ns)).toLocaleString('en');
console.log(`events: ${TOTAL.toLocaleString('en')} (${(bytes / 1e6).toFixed(0)} MB of JSON lines)`);
console.log(`floor  JSON.parse only:              ${seconds(floorNs).toFixed(2)} s  ${rate(floorNs)} events/s`);
for (const run of runs) {
  const t = process.hrtime.bigint();
  const requests = run.activity.requests().filter((request) => request.allowed > 0);
  const generated = generateRbac(run.subject, requests);
  const verification = verifyGenerated(generated, run.subject, identityOf(run.subject), requests);
  if (verification.notAllowed.length || verification.unjustified.length) throw new Error(`${run.label}: verification failed`);
  run.ns += process.hrtime.bigint() - t;
  const parsed = run.stats.lines - run.stats.skipped;
  console.log(
    `generate ${run.label.padEnd(30)} ${seconds(run.ns).toFixed(2)} s  ${rate(run.ns)} events/s  ratio ${(Number(run.ns) / Number(floorNs)).toFixed(2)}x the floor` +
      `  (${run.activity.stats.requests.toLocaleString('en')} requests, ${requests.length} distinct, ${generated.roles.length} roles; ${parsed.toLocaleString('en')} lines parsed)`,
  );
}
console.log(`heap used: ${(process.memoryUsage().heapUsed / 1e6).toFixed(0)} MB (checksum ${sink % 10})`);
