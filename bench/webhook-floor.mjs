// The floor for the webhook bench: the least an HTTPS admission webhook on Node can do per request
// (read the body, JSON.parse it, answer a fixed AdmissionReview), on the same TLS settings as
// `kubeward webhook serve`. Measured under the same load in the same run, it shows what the machine,
// Node's HTTPS stack and the load generator cost on their own, before any policy is evaluated.
// Usage: node webhook-floor.mjs CERT KEY PORT
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';

const [cert, key, port] = process.argv.slice(2);
const server = createServer({ cert: readFileSync(cert), key: readFileSync(key), minVersion: 'TLSv1.2' }, (request, response) => {
  const chunks = [];
  request.on('data', (chunk) => chunks.push(chunk));
  request.on('end', () => {
    const text = Buffer.concat(chunks).toString('utf8');
    const review = text ? JSON.parse(text) : {};
    const body = JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: review.request?.uid ?? '', allowed: true } });
    response.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    response.end(body);
  });
});
server.keepAliveTimeout = 30_000;
server.listen(Number(port), '127.0.0.1');
// Exit on a signal through process.exit, so a --cpu-prof or --heap-prof run writes its profile.
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(0));
