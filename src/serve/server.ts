import { createPrivateKey, X509Certificate } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import { InputError } from '../core/errors.js';
import { listen } from './http.js';

/**
 * The HTTP(S) server kubeward's endpoints run on (the audit receiver; the admission webhook can use it
 * too): certificates checked before anything starts, bind errors as one clear line, and connections
 * kept within limits so that idle or hostile clients cannot use up the process's file descriptors:
 *  - at most `maxConnections` open, at most `maxConnectionsPerClient` from one address: when a new
 *    connection would pass a limit, the oldest idle connection (within that client, or overall) is
 *    closed to make room, and the new one is refused only when every connection is busy;
 *  - a connection that has no request in progress for `idleTimeoutMs` is closed, whether it never sent
 *    a request (an unfinished TLS handshake, headers sent a byte at a time) or sits between requests;
 *  - a request must be received whole within REQUEST_TIMEOUT_MS (Node answers 408 after that).
 */

export interface ServerTls {
  cert: Buffer | string;
  key: Buffer | string;
  /** With a client CA, clients are asked for a certificate; the handler decides what needs one. */
  clientCa?: Buffer | string;
}

export interface ConnectionLimits {
  maxConnections: number;
  maxConnectionsPerClient: number;
  idleTimeoutMs: number;
}

export const DEFAULT_CONNECTION_LIMITS: ConnectionLimits = { maxConnections: 1024, maxConnectionsPerClient: 256, idleTimeoutMs: 10_000 };
export const REQUEST_TIMEOUT_MS = 60_000;

export type ConnectionEvent = 'opened' | 'closed_idle' | 'closed_for_room' | 'refused';

export interface ServeOptions {
  host: string;
  port: number;
  tls?: ServerTls;
  limits?: Partial<ConnectionLimits>;
  /** Told about connections opened, closed for idleness or room, and refused. */
  onConnection?: (event: ConnectionEvent) => void;
}

export interface RunningServer {
  server: Server;
  url: string;
  /** Open connections now. */
  connections(): number;
  /** Stops listening and closes idle connections; requests in progress finish. */
  stopListening(): Promise<void>;
  /** Closes every connection now. */
  destroyConnections(): void;
}

/** Checks a certificate, its key and a client CA bundle, with one clear line for what is wrong. */
export function checkTls(tls: ServerTls): void {
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(tls.cert);
  } catch (error) {
    throw new InputError(`--tls-cert: not a PEM certificate (${reason(error)})`);
  }
  let key;
  try {
    key = createPrivateKey(tls.key);
  } catch (error) {
    throw new InputError(`--tls-key: not a PEM private key (${reason(error)})`);
  }
  if (!certificate.checkPrivateKey(key)) throw new InputError('--tls-key is not the key of the certificate in --tls-cert');
  if (tls.clientCa !== undefined) {
    const blocks = String(tls.clientCa).match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
    if (blocks.length === 0) throw new InputError('--client-ca: no PEM certificate in the file');
    for (const block of blocks) {
      try {
        new X509Certificate(block);
      } catch (error) {
        throw new InputError(`--client-ca: not a PEM certificate (${reason(error)})`);
      }
    }
  }
}

/** When the certificate stops being valid (ms since the epoch), for a warning at start. */
export function certificateExpiry(cert: Buffer | string): number {
  return Date.parse(new X509Certificate(cert).validTo);
}

function reason(error: unknown): string {
  const message = (error as Error).message ?? String(error);
  return message.replace(/^error:[0-9A-F]+:/i, '').split('\n')[0];
}

interface Connection {
  socket: Socket;
  client: string;
  busy: number;
  lastActive: number;
}

export async function serve(options: ServeOptions, listener: (request: IncomingMessage, response: ServerResponse) => void): Promise<RunningServer> {
  const limits = { ...DEFAULT_CONNECTION_LIMITS, ...options.limits };
  const notify = options.onConnection ?? (() => undefined);
  if (options.tls) checkTls(options.tls);

  // Oldest first (a Map keeps insertion order); also found by the peer's address and port, which is
  // how a request (on its TLS socket) finds the TCP connection under it.
  const open = new Map<Socket, Connection>();
  const byPeer = new Map<string, Connection>();
  const perClient = new Map<string, number>();
  const peerKey = (socket: Socket) => `${socket.remoteAddress}|${socket.remotePort}`;

  const oldestIdle = (client?: string): Connection | undefined => {
    for (const connection of open.values()) if (connection.busy === 0 && (client === undefined || connection.client === client)) return connection;
    return undefined;
  };

  let stopping = false;
  const tracked = (request: IncomingMessage, response: ServerResponse) => {
    const connection = byPeer.get(peerKey(request.socket));
    if (connection) {
      connection.busy++;
      connection.lastActive = Date.now();
      response.once('close', () => {
        connection.busy--;
        connection.lastActive = Date.now();
        if (stopping && connection.busy === 0) connection.socket.destroy();
      });
    }
    if (stopping) response.shouldKeepAlive = false;
    listener(request, response);
  };

  const server: Server = options.tls
    ? createHttpsServer({ cert: options.tls.cert, key: options.tls.key, ca: options.tls.clientCa, requestCert: options.tls.clientCa !== undefined, rejectUnauthorized: false }, tracked)
    : createHttpServer(tracked);
  server.keepAliveTimeout = limits.idleTimeoutMs;
  server.requestTimeout = REQUEST_TIMEOUT_MS;
  server.headersTimeout = Math.min(REQUEST_TIMEOUT_MS, Math.max(limits.idleTimeoutMs, 1000));
  server.on('tlsClientError', () => undefined); // a failed handshake only ends that connection

  server.on('connection', (socket: Socket) => {
    const client = socket.remoteAddress ?? '?';
    const makeRoom = (victim: Connection | undefined): boolean => {
      if (!victim) return false;
      victim.socket.destroy();
      forget(victim);
      notify('closed_for_room');
      return true;
    };
    if ((perClient.get(client) ?? 0) >= limits.maxConnectionsPerClient && !makeRoom(oldestIdle(client))) {
      socket.destroy();
      notify('refused');
      return;
    }
    if (open.size >= limits.maxConnections && !makeRoom(oldestIdle())) {
      socket.destroy();
      notify('refused');
      return;
    }
    const connection: Connection = { socket, client, busy: 0, lastActive: Date.now() };
    open.set(socket, connection);
    byPeer.set(peerKey(socket), connection);
    perClient.set(client, (perClient.get(client) ?? 0) + 1);
    notify('opened');
    socket.once('close', () => forget(connection));
  });

  const forget = (connection: Connection) => {
    if (!open.delete(connection.socket)) return;
    byPeer.delete(peerKey(connection.socket));
    const left = (perClient.get(connection.client) ?? 1) - 1;
    if (left > 0) perClient.set(connection.client, left);
    else perClient.delete(connection.client);
  };

  const sweeper = setInterval(
    () => {
      const now = Date.now();
      for (const connection of [...open.values()]) {
        if (connection.busy === 0 && now - connection.lastActive >= limits.idleTimeoutMs) {
          connection.socket.destroy();
          forget(connection);
          notify('closed_idle');
        }
      }
    },
    Math.max(100, Math.min(1000, limits.idleTimeoutMs / 4)),
  );
  sweeper.unref();

  let url: string;
  try {
    url = await listen(server, options.host, options.port, options.tls ? 'https' : 'http');
  } catch (error) {
    clearInterval(sweeper);
    throw error;
  }
  return {
    server,
    url,
    connections: () => open.size,
    stopListening: () =>
      new Promise<void>((resolve) => {
        stopping = true;
        server.close(() => resolve());
        server.closeIdleConnections();
        for (const connection of open.values()) if (connection.busy === 0) connection.socket.destroy();
      }),
    destroyConnections: () => {
      clearInterval(sweeper);
      server.closeAllConnections();
      for (const connection of open.values()) connection.socket.destroy();
    },
  };
}
