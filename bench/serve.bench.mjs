// `npm run bench serve`: the audit receiver (`kubeward detect serve`, a child process with the built-in
// rules, TLS, a journal on this disk and a file sink) under the load kube-apiserver puts on it, measured
// open-loop (each batch is due at a fixed time; latency counts from then, so a stall is not hidden):
//  1. the API server's default webhook batching: 400 events per batch, 10 batches/s, p50/p99;
//  2. batches of 100 events at rising rates: the sustained ceiling in events/s (every batch answered
//     200, p99 under 1 s, and the rules keep up: the processing backlog drains);
//  3. a burst of 1,000 concurrent batches of 100 alerting events (the API server catching up): p50/p99
//     of the answers, what /healthz takes meanwhile, how many were asked to come back (429).
// The floor, measured in the same run on the same machine: an HTTPS server that reads each body and
// JSON.parses it, nothing more (no journal, no rules).
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generate } from 'selfsigned';
import { auditLine } from './audit-log.mjs';

const BIN = fileURLToPath(new URL('../bin/kubeward.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'kubeward-bench-serve-'));
const pki = await generate([{ name: 'commonName', value: 'localhost' }], { keyType: 'ec', algorithm: 'sha256', extensions: [{ name: 'subjectAltName', altNames: [{ type: 2, value: 'localhost' }, { type: 7, ip: '127.0.0.1' }] }] });
writeFileSync(join(dir, 'tls.crt'), pki.cert);
writeFileSync(join(dir, 'tls.key'), pki.private);
writeFileSync(join(dir, 'token'), 'bench-token');

// ---- events as the API server sends them (the shared synthetic cluster mix) --------------------------
const ANONYMOUS = '"user":{"username":"system:anonymous","groups":["system:unauthenticated"]}';
let sequence = 0;
/** A batch with fresh auditIDs (a repeated one would be dropped as a duplicate, cheaper than real work); alerting: every event an allowed anonymous request. */
function body(size, alerting = false) {
  const items = [];
  for (let i = 0; i < size; i++) {
    const line = auditLine(sequence++);
    items.push(alerting ? line.replace(/"user":\{[^}]*\}/, ANONYMOUS) : line);
  }
  return `{"kind":"EventList","apiVersion":"audit.k8s.io/v1","metadata":{},"items":[${items.join(',')}]}`;
}

// ---- the servers -------------------------------------------------------------------------------------
const FLOOR = `
  import { createServer } from 'node:https';
  import { readFileSync } from 'node:fs';
  const server = createServer({ cert: readFileSync(process.argv[1]), key: readFileSync(process.argv[2]) }, (request, response) => {
    if (request.method === 'GET') return response.end('ok');
    const chunks = [];
    request.on('data', (chunk) => chunks.push(chunk));
    request.on('end', () => { JSON.parse(Buffer.concat(chunks).toString('utf8')); response.end('{}'); });
  });
  server.listen(0, '127.0.0.1', () => process.stderr.write('listening on https://127.0.0.1:' + server.address().port + '\\n'));
`;

function start(args) {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  return new Promise((resolve, reject) => {
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
      const match = /listening on (\S+)/.exec(stderr);
      if (match) resolve({ child, url: match[1] });
    });
    child.on('exit', (code) => reject(new Error(`server exited ${code}: ${stderr}`)));
  });
}

const agent = new Agent({ keepAlive: true, maxSockets: 256, ca: pki.cert });
function send(url, text, path = '/k8s-audit', method = 'POST') {
  return new Promise((resolve) => {
    const req = request(new URL(path, url), { method, agent, servername: 'localhost', headers: { 'content-type': 'application/json', authorization: 'Bearer bench-token' } }, (response) => {
      let answer = '';
      response.on('data', (chunk) => (answer += chunk));
      response.on('end', () => resolve({ status: response.statusCode, text: answer }));
    });
    req.on('error', () => resolve({ status: 0, text: '' }));
    req.end(method === 'POST' ? text : undefined);
  });
}

const percentile = (values, p) => {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
};

/** Sends `rate` batches of `size` per second for `seconds`, open-loop; latency from each batch's due time. */
async function fixedRate(url, { rate, size, seconds }) {
  const total = Math.round(rate * seconds);
  const bodies = Array.from({ length: total }, () => body(size));
  const latencies = [];
  const statuses = new Map();
  const started = performance.now();
  const pending = [];
  for (let n = 0; n < total; n++) {
    const due = started + (n * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    pending.push(
      send(url, bodies[n]).then(({ status }) => {
        latencies.push(performance.now() - due);
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
      }),
    );
  }
  await Promise.all(pending);
  const elapsed = (performance.now() - started) / 1000;
  return { ok: statuses.get(200) ?? 0, total, statuses, p50: percentile(latencies, 50), p99: percentile(latencies, 99), eventsPerSecond: ((statuses.get(200) ?? 0) * size) / elapsed };
}

/** The receiver's processing backlog (0 for the floor, which has none). */
async function backlog(url) {
  const { text } = await send(url, '', '/metrics', 'GET');
  const match = /^kubeward_audit_backlog_bytes (\d+)/m.exec(text);
  return match ? Number(match[1]) : 0;
}

async function drains(url, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if ((await backlog(url)) === 0) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}

const RATES = [20, 40, 80, 160, 320, 640, 1280];
async function ceiling(url, label) {
  let best = 0;
  for (const rate of RATES) {
    const result = await fixedRate(url, { rate, size: 100, seconds: 3 });
    const drained = await drains(url, 3000);
    const sustained = result.ok === result.total && result.p99 < 1000 && drained;
    console.log(`  ${label} ${String(rate * 100).padStart(7)} events/s offered: ${Math.round(result.eventsPerSecond).toLocaleString('en').padStart(7)} answered 200/s, p50 ${result.p50.toFixed(1)} ms, p99 ${result.p99.toFixed(1)} ms${drained ? '' : ', rules behind'}${result.ok < result.total ? `, ${result.total - result.ok} not 200 (${[...result.statuses].map(([s, c]) => `${s}:${c}`).join(' ')})` : ''}`);
    if (!sustained) break;
    best = rate * 100;
  }
  return best;
}

const serve = await start([BIN, 'detect', 'serve', '-q', '--listen', '127.0.0.1:0', '--tls-cert', join(dir, 'tls.crt'), '--tls-key', join(dir, 'tls.key'), '--token-file', join(dir, 'token'), '--journal', join(dir, 'journal.jsonl'), '--sink', `file:${join(dir, 'alerts.jsonl')}`]);
const floor = await start(['--input-type=module', '-e', FLOOR, join(dir, 'tls.crt'), join(dir, 'tls.key')]);
try {
  // warm both (JIT, connections)
  await fixedRate(serve.url, { rate: 20, size: 100, seconds: 1 });
  await fixedRate(floor.url, { rate: 20, size: 100, seconds: 1 });

  const apiServer = await fixedRate(serve.url, { rate: 10, size: 400, seconds: 5 });
  const apiFloor = await fixedRate(floor.url, { rate: 10, size: 400, seconds: 5 });
  console.log(`API server default batching (400 events × 10 batches/s = 4,000 events/s), 5 s:`);
  console.log(`  receiver  p50 ${apiServer.p50.toFixed(1)} ms  p99 ${apiServer.p99.toFixed(1)} ms  (${apiServer.ok}/${apiServer.total} answered 200)`);
  console.log(`  floor     p50 ${apiFloor.p50.toFixed(1)} ms  p99 ${apiFloor.p99.toFixed(1)} ms`);

  console.log('Sustained ceiling, batches of 100 events (3 s per step, doubling):');
  const receiverCeiling = await ceiling(serve.url, 'receiver');
  const floorCeiling = await ceiling(floor.url, 'floor   ');
  console.log(`ceiling  receiver ${receiverCeiling.toLocaleString('en')} events/s = ${(receiverCeiling / 4000).toFixed(1)}x the API server's default 4,000 events/s; floor ${floorCeiling.toLocaleString('en')} events/s; receiver/floor ${(receiverCeiling / floorCeiling).toFixed(2)}`);

  // a burst: 1,000 batches of 100 alerting events at once, with /healthz asked meanwhile
  const bursts = Array.from({ length: 1000 }, () => body(100, true));
  const t0 = performance.now();
  const latencies = [];
  const statuses = new Map();
  const probes = [];
  const probing = (async () => {
    while (latencies.length < bursts.length) {
      const asked = performance.now();
      await send(serve.url, '', '/healthz', 'GET');
      probes.push(performance.now() - asked);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })();
  await Promise.all(
    bursts.map((text) =>
      send(serve.url, text).then(({ status }) => {
        latencies.push(performance.now() - t0);
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
      }),
    ),
  );
  await probing;
  await drains(serve.url, 60_000);
  const processed = (performance.now() - t0) / 1000;
  console.log(`Burst of 1,000 concurrent batches of 100 alerting events: p50 ${percentile(latencies, 50).toFixed(0)} ms, p99 ${percentile(latencies, 99).toFixed(0)} ms (the API server gives up at 30,000 ms); answers ${[...statuses].map(([s, c]) => `${s}: ${c}`).join(', ')}; /healthz p99 ${percentile(probes, 99).toFixed(0)} ms; all rule work done after ${processed.toFixed(1)} s`);
} finally {
  serve.child.kill('SIGTERM');
  floor.child.kill('SIGTERM');
  agent.destroy();
}
