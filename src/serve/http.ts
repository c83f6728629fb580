/** What every kubeward HTTP server shares: a bounded request body, plain replies, bearer tokens, binding. */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { InputError } from '../core/errors.js';

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
    request.on('aborted', () => reject(new Error('the client went away')));
  });
}

export function reply(response: ServerResponse, code: number, body: string, contentType = 'text/plain; charset=utf-8', close = false, headers: Record<string, string | number> = {}): void {
  response.writeHead(code, { 'content-type': contentType, 'content-length': Buffer.byteLength(body), ...(close ? { connection: 'close' } : {}), ...headers });
  response.end(body);
}

/** A constant-time comparison of an `Authorization: Bearer …` header with the expected token. */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const match = /^Bearer\s+(.+)$/i.exec(header ?? '');
  if (!match) return false;
  const given = Buffer.from(match[1].trim());
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

const LISTEN_ERRORS: Record<string, string> = {
  EADDRINUSE: 'the address is in use',
  EACCES: 'permission denied (ports below 1024 need privileges)',
  EADDRNOTAVAIL: 'no such address on this host',
  ENOTFOUND: 'unknown host',
  EAI_AGAIN: 'the host name cannot be resolved now',
};

/**
 * Listens and returns the server's URL (`https://127.0.0.1:8443`, IPv6 in brackets). An address that
 * cannot be bound is an InputError: one line naming the address and why.
 */
export async function listen(server: Server, host: string, port: number, scheme: 'http' | 'https'): Promise<string> {
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new InputError(`port ${port} is not a TCP port (0-65535)`);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const where = `${host.includes(':') ? `[${host}]` : host}:${port}`;
    const why = (code && LISTEN_ERRORS[code]) ?? (error as Error).message.split('\n')[0];
    throw new InputError(`cannot listen on ${where}: ${why}${code ? ` (${code})` : ''}`);
  }
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

/**
 * The deepest nesting of objects and arrays in a JSON text, without parsing it (strings are skipped,
 * escapes honoured); stops counting once past `limit`. Lets a server refuse a hostile body before
 * anything recursive touches it.
 */
export function jsonDepth(text: Buffer, limit = Number.POSITIVE_INFINITY): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let index = 0; index < text.length; index++) {
    const byte = text[index];
    if (inString) {
      if (byte === 0x5c) index++; // backslash: skip the escaped byte
      else if (byte === 0x22) inString = false;
    } else if (byte === 0x22) inString = true;
    else if (byte === 0x7b || byte === 0x5b) {
      if (++depth > deepest) {
        deepest = depth;
        if (deepest > limit) return deepest;
      }
    } else if (byte === 0x7d || byte === 0x5d) depth--;
  }
  return deepest;
}
