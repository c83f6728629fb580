// An open-loop HTTPS load generator for the webhook bench, run in its own process (so its event loop
// and garbage collector do not share the server's, nor the bench's).
//
// Open loop: request i is due at start + i / rate, whatever happened to the ones before it. A timer
// wakes the generator (about every millisecond) and it sends every request that is due, each on a free
// keep-alive connection of a pool (node's https Agent: `fifo` hands out the connection idle longest, so
// the load spreads over the pool), never waiting for a response before the next send. The pool is
// opened before the clock starts and is not grown while measuring: a new connection costs a TLS
// handshake on both sides, and a generator that opened connections whenever a server fell behind spent
// tens of milliseconds in handshakes exactly then, late for its next sends (measured on the shared
// machine at load 4 to 6: send lag p99 35 to 150 ms with a growing pool, 3 to 18 ms with a fixed one). A request that finds all `connections` busy (the server is then that many
// requests behind) waits for the first free one, and that wait is in its latency. Latency runs from the
// request's *scheduled* time to the end of its response: a server that stalls delays every request due
// during the stall, and each of them is counted with the delay it really had (coordinated omission
// accounted for, with no invented samples). How late the generator itself sent (its own scheduling lag,
// included in the latency) is reported beside.
//
// Why node's https Agent and not undici: undici is not a dependency (Node 20 bundles it only behind
// fetch, which has no keep-alive pool one can size or inspect), and the Agent does all that is needed
// in a few lines. autocannon is closed-loop per connection (and its `overallRate` sends each
// connection's share in a burst at the start of every second), so it cannot hold a steady rate.
//
// Usage: fork with one argument, a JSON object { url, ca, body, rate, seconds, warmup, connections }
// (ca: PEM text; body: the request body; warmup: seconds at the same rate, not recorded; connections:
// the pool, default 64). The result is sent back over IPC (or printed as JSON when run by hand).
import https from 'node:https';
import os from 'node:os';
import { createHistogram, performance } from 'node:perf_hooks';

const config = JSON.parse(process.argv[2]);
// The generator is the measuring instrument: when allowed (root, CAP_SYS_NICE), it runs ahead of the
// other processes, so that a machine busy with other work delays the server's answers, not the sends.
let priority = 0;
try {
  os.setPriority(-10);
  priority = -10;
} catch {
  // not allowed: its own lateness is reported (lagP99) and counted in the latency
}
const target = new URL(config.url);
const payload = Buffer.from(config.body ?? '');
const agent = new https.Agent({ keepAlive: true, maxSockets: config.connections ?? 64, scheduling: 'fifo', ca: config.ca });
const requestOptions = {
  host: target.hostname,
  port: target.port,
  path: target.pathname,
  method: payload.length ? 'POST' : 'GET',
  agent,
  headers: payload.length ? { 'content-type': 'application/json', 'content-length': payload.length } : {},
};
const sockets = new Set();

/** One request; calls `done(status)` when its response has ended, `failed(error)` on an error. */
function send(done, failed) {
  const request = https.request(requestOptions, (response) => {
    response.resume();
    response.on('end', () => done(response.statusCode));
  });
  request.on('socket', (socket) => sockets.add(socket));
  request.on('error', failed);
  request.end(payload);
}

/**
 * Sends `rate` requests per second for `seconds`, open loop; records each latency (µs, from its
 * scheduled time) and the send lag unless `record` is false. Resolves when every response is in.
 */
function run(rate, seconds, record) {
  const latency = createHistogram();
  const lag = createHistogram();
  const total = Math.round(rate * seconds);
  const interval = 1000 / rate;
  const counts = { ok: 0, non2xx: 0, errors: 0 };
  let sent = 0;
  let finished = 0;
  let lastEnd = 0;
  return new Promise((resolve) => {
    const start = performance.now();
    const complete = () => {
      if (++finished < total) return;
      const elapsed = (lastEnd - start) / 1000;
      resolve({ latency, lag, counts, total, elapsed, rate: counts.ok / elapsed });
    };
    const tick = () => {
      const now = performance.now();
      while (sent < total && start + sent * interval <= now) {
        const scheduled = start + sent * interval;
        sent++;
        if (record) lag.record(Math.max(1, Math.round((now - scheduled) * 1000)));
        send(
          (status) => {
            lastEnd = performance.now();
            if (record) latency.record(Math.max(1, Math.round((lastEnd - scheduled) * 1000)));
            if (status >= 200 && status < 300) counts.ok++;
            else counts.non2xx++;
            complete();
          },
          () => {
            lastEnd = performance.now();
            counts.errors++;
            complete();
          },
        );
      }
      if (sent < total) setTimeout(tick, Math.max(0, start + sent * interval - performance.now()));
    };
    tick();
  });
}

/** Opens the pool: `count` concurrent requests, each on a connection of its own. */
async function openPool(count) {
  await Promise.all(Array.from({ length: count }, () => new Promise((resolve, reject) => send(resolve, reject))));
}

const ms = (histogram, percentile) => histogram.percentile(percentile) / 1000;
await openPool(config.connections ?? 64);
if (config.warmup) await run(config.rate, config.warmup, false);
const result = await run(config.rate, config.seconds, true);
const summary = {
  target: config.rate,
  rate: result.rate,
  total: result.total,
  ...result.counts,
  p50: ms(result.latency, 50),
  p99: ms(result.latency, 99),
  p999: ms(result.latency, 99.9),
  max: result.latency.max / 1000,
  lagP99: ms(result.lag, 99),
  lagMax: result.lag.max / 1000,
  priority,
  connections: sockets.size,
  // Every request of this process (pool, warm-up and measured), for the server's CPU per request.
  sentInAll: (config.connections ?? 64) + Math.round(config.rate * (config.warmup ?? 0)) + result.total,
};
agent.destroy();
if (process.send) process.send(summary, () => process.exit(0));
else console.log(JSON.stringify(summary));
