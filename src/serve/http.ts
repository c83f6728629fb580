/** What every kubeward HTTP server shares: a bounded request body and plain replies. */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The request body was over the limit: answer 413 and close the connection. */
export class BodyTooLarge extends Error {}

/** Reads the whole body, rejecting with BodyTooLarge past `limit` bytes (declared or streamed). */
export function readBody(request: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(request.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      reject(new BodyTooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new BodyTooLarge());
        request.pause();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

export function reply(response: ServerResponse, code: number, body: string, contentType = 'text/plain; charset=utf-8', close = false): void {
  response.writeHead(code, { 'content-type': contentType, 'content-length': Buffer.byteLength(body), ...(close ? { connection: 'close' } : {}) });
  response.end(body);
}

/** Listens and returns the server's URL (`https://127.0.0.1:8443`, IPv6 in brackets). */
export async function listen(server: Server, host: string, port: number, scheme: 'http' | 'https'): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `${scheme}://${shown}:${address.port}`;
}

/** Stops accepting, drops idle and open connections, resolves when the server is closed. */
export async function closeServer(server: Server): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeAllConnections();
  await closed;
}
