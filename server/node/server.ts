import { createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { CloseCode } from '../../src/protocol/index.js';
import { ChatCore } from '../../src/core/core.js';
import type { EventPort } from '../../src/core/events.js';
import type { MessagingPolicy, ServerLimits } from '../../src/core/types.js';
import { SqlStorage } from '../shared/storage/sql.js';
import { TokenAuthority, type AuthSecret, type TokenClaims, type TokenLimits } from '../shared/auth.js';
import { GroupCommit } from './group-commit.js';
import { openLibsql } from './libsql.js';
import { busy, handleRequest, MAX_TARGET_BYTES, parseTarget } from './routes.js';
import { seedSampleUsers } from '../shared/sample-users.js';
import { adminKeyProblem } from '../shared/admin/index.js';
import { sqlAdminBackend } from './admin-http.js';
import { describeError, endWithStatus, guardSocket, SocketHost } from './sockets.js';
import { MessageEventQueue } from '../shared/webhooks/message-events.js';
import { SqlOutbox } from '../shared/webhooks/outbox.js';
import { WebhookDelivery, type WebhookOptions } from './webhooks.js';
import { Paced } from './paced.js';

export interface ServerOptions {
  /** 0 picks a free port. Default 1999. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** SQLite file, or ':memory:'. Default `.data/pin-messaging.db`. */
  dbPath?: string;
  /** Exact Origin values (scheme://host[:port]) allowed to open sockets and call /dev/*. */
  allowedOrigins?: readonly string[];
  /** Accept sockets that send no Origin (non-browser clients, tests). Off by default. */
  allowNoOrigin?: boolean;
  /**
   * HS256 secret for tokens, at least 32 bytes; or several, newest first: the
   * newest signs, all verify (to rotate the secret without refusing tokens).
   */
  authSecret: AuthSecret;
  /** Expected `iss` and `aud` of tokens; both default to 'pin-messaging'. */
  issuer?: string;
  /** Longest token lifetime and clock skew accepted; default 24 hours and 60 s. */
  tokenLimits?: TokenLimits;
  audience?: string;
  /**
   * Key of the server API (`/admin/v1/...`: profiles, follows, blocks) for the
   * site's own backend, at least 32 characters. Unset: the API answers 404.
   */
  adminKey?: string;
  /** Enables GET /dev/token?user=<id> and GET /dev/users. Never in production. */
  devTokens?: boolean;
  policy?: MessagingPolicy;
  limits?: Partial<ServerLimits>;
  /** Puts the demo people into the directory at start. */
  seedSampleUsers?: boolean;
  /** Base URL that browsers use to reach this server (for avatar URLs); derived from host and port by default. */
  publicUrl?: string;
  /** WebSocket ping interval, ms. Default 30 s. */
  heartbeatMs?: number;
  /**
   * Time a client has to send a request's headers, an upgrade's included;
   * slower connections are dropped (408), and so are connections that send
   * nothing at all. Default 5 s.
   */
  headersTimeoutMs?: number;
  /** Time a client has to send a whole request; at least `headersTimeoutMs`. Default 15 s. */
  requestTimeoutMs?: number;
  /** Idle time after a response before a keep-alive connection is closed (Node adds about 1 s). Default 5 s. */
  idleTimeoutMs?: number;
  /**
   * Open connections (plain HTTP and sockets alike) above which requests get
   * 503 with Retry-After, and upgrades are accepted and closed with 1013: a
   * browser reports a refused upgrade as a bare network error, a close code
   * tells the client to back off. Past a tenth more (at least 64 more), new
   * connections are dropped unanswered. Default 10,000.
   */
  maxConnections?: number;
  /** Open sockets one person may have; the next one is closed with 4009. Default 20. */
  maxSocketsPerUser?: number;
  /** Largest request line plus headers, in bytes; larger requests get 431. Default 16 KiB. */
  maxHeaderBytes?: number;
  /** A socket that sends no frame this long after opening is closed with 4010. Default 10 s. */
  helloTimeoutMs?: number;
  /** After a person's socket is closed as abusive (4008), their upgrades get 429 this long. Default 30 s. */
  abusePenaltyMs?: number;
  /** Connection log; receives no tokens and no message contents. Default console.info. */
  log?: (line: string) => void;
  /** Signed webhooks to the host's backend (docs/backend.md, "Webhooks"); none without it. */
  webhooks?: WebhookOptions;
}

/** Defaults of the connection settings in ServerOptions. */
export const CONNECTION_DEFAULTS = {
  headersTimeoutMs: 5_000,
  requestTimeoutMs: 15_000,
  idleTimeoutMs: 5_000,
  maxConnections: 10_000,
  maxSocketsPerUser: 20,
  maxHeaderBytes: 16 * 1024,
  helloTimeoutMs: 10_000,
  abusePenaltyMs: 30_000,
} as const;

/** Seconds a client refused at the connection cap is asked to wait. */
const BUSY_RETRY_AFTER_SECONDS = 5;
/** Repeated warnings (cap reached, accept failing) are logged at most this often. */
const WARNING_INTERVAL_MS = 10_000;
/** Answers to parser errors the client caused; anything else is 400. */
const CLIENT_ERROR_STATUS: Record<string, number> = {
  HPE_HEADER_OVERFLOW: 431,
  HPE_CHUNK_EXTENSIONS_OVERFLOW: 413,
  ERR_HTTP_REQUEST_TIMEOUT: 408,
};

export interface PinServer {
  /** http://host:port of the server. */
  url: string;
  port: number;
  core: ChatCore;
  storage: SqlStorage;
  /** The webhook outbox and its delivery loop, when `webhooks` is set: `deadLetters()`, `replay(ids)`, `counts()`. */
  webhooks?: WebhookDelivery;
  /** Signs a token this server accepts (for a host app's auth endpoint, and tests). */
  issueToken(user: string, claims?: TokenClaims): Promise<string>;
  /** Closes every socket with 1001, then the listener and the database. */
  close(): Promise<void>;
}

export async function startServer(options: ServerOptions): Promise<PinServer> {
  const log = options.log ?? ((line: string) => console.info(`[pin-messaging] ${line}`));
  const settings = connectionSettings(options);
  const keyProblem = options.adminKey === undefined ? undefined : adminKeyProblem(options.adminKey);
  if (keyProblem) throw new Error(keyProblem.replace('PIN_ADMIN_KEY', 'adminKey'));
  const allowedOrigins = options.allowedOrigins ?? [];
  const auth = new TokenAuthority(options.authSecret, options.issuer ?? 'pin-messaging', options.audience ?? 'pin-messaging', options.tokenLimits);
  const dbPath = options.dbPath ?? '.data/pin-messaging.db';
  const db = openLibsql(dbPath);
  const storage = new SqlStorage(db);
  // An event recorded in a turn wakes the delivery loop only once the turn has committed.
  const outbox = options.webhooks && new SqlOutbox(db, () => commits.send(() => webhooks?.wake(true)));
  // message.created, one per message, goes into its own cheaper queue; every other event into the outbox.
  const queue = options.webhooks && new MessageEventQueue(db, () => commits.send(() => webhooks?.wake()));
  const events: EventPort | undefined = outbox && {
    record: (event) => (event.type === 'message.created' ? queue!.record(event) : outbox.record(event)),
  };
  const core = new ChatCore({ storage, policy: options.policy, limits: options.limits, events });
  const commitFailures = new Set<(error: unknown) => void>();
  const commits = new GroupCommit(db, (error) => {
    for (const listener of commitFailures) listener(error);
    commitFailures.clear();
    // Nothing of the failed turn was stored or acknowledged: drop every socket so
    // that clients resume from their cursors and resend their outboxes.
    try {
      log(`commit failed, closing all sockets: ${error instanceof Error ? error.message : String(error)}`);
      storage.forgetCache();
      queue?.forgetCache();
      sockets.dropAll(CloseCode.ServerError, 'storage failure');
    } catch (failure) {
      log(`recovering from a failed commit failed: ${describeError(failure)}`);
    }
  });
  const webhooks =
    outbox && new WebhookDelivery(outbox, db, options.webhooks!, (user) => core.isOnline(user), log, queue, { dbPath, turns: commits });
  const sockets = new SocketHost({
    core,
    commits,
    auth,
    allowedOrigins,
    allowNoOrigin: options.allowNoOrigin ?? false,
    banOf: (user) => storage.banOf(user, Date.now()),
    heartbeatMs: options.heartbeatMs ?? 30_000,
    maxSocketsPerUser: settings.maxSocketsPerUser,
    helloTimeoutMs: settings.helloTimeoutMs,
    abusePenaltyMs: settings.abusePenaltyMs,
    log,
  });
  let open = 0;
  const warnCap = throttled(log, WARNING_INTERVAL_MS);
  const overCap = () => {
    if (open <= settings.maxConnections) return false;
    warnCap(`over the connection cap (${open} open, cap ${settings.maxConnections}): refusing new requests and sockets`);
    return true;
  };
  const onCommitFailure = (listener: (error: unknown) => void) => {
    commitFailures.add(listener);
    return () => void commitFailures.delete(listener);
  };
  const admin =
    options.adminKey === undefined
      ? undefined
      : { key: options.adminKey, backend: sqlAdminBackend(db, { commits, onCommitFailure }, { core, storage, webhooks }), allowPrivateUrls: options.limits?.allowPrivateUrls ?? false };
  const routes = { core, storage, auth, allowedOrigins, devTokens: options.devTokens ?? false, admin, openConnections: () => open, log };
  const http = createServer(
    {
      headersTimeout: settings.headersTimeoutMs,
      requestTimeout: settings.requestTimeoutMs,
      maxHeaderSize: settings.maxHeaderBytes,
      // Node checks both timeouts on this interval (30 s by default): it bounds how late they fire.
      connectionsCheckingInterval: Math.max(50, Math.min(1_000, Math.floor(settings.headersTimeoutMs / 4))),
    },
    (req, res) => {
      if (overCap()) return busy(res, BUSY_RETRY_AFTER_SECONDS);
      handleRequest(routes, req, res);
    },
  );
  http.keepAliveTimeout = settings.idleTimeoutMs;
  http.maxConnections = settings.maxConnections + Math.max(64, Math.ceil(settings.maxConnections / 10));
  http.on('connection', (socket: Socket) => {
    open++;
    socket.once('close', () => open--);
  });
  // Connections opened together time out together: their answers are paced, not sent in one task.
  const timeouts = new Paced((error) => log(`timeout answer failed: ${describeError(error)}`));
  http.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    if (error.code === 'ECONNRESET' || error.code === 'EPIPE') return socket.destroy();
    const answer = () => socket.destroyed || endWithStatus(socket, CLIENT_ERROR_STATUS[error.code ?? ''] ?? 400);
    // A connection that never sent a byte is owed no answer (there is no request to answer): it is
    // closed, which costs one close instead of a write, a half-close and the peer's own close.
    if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT' && (socket as Socket).bytesRead === 0) timeouts.run(() => socket.destroy());
    else if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') timeouts.run(answer);
    else answer();
  });
  http.on('upgrade', (req, socket: Duplex, head: Buffer) => {
    guardSocket(socket);
    try {
      if ((req.url?.length ?? 0) > MAX_TARGET_BYTES) return endWithStatus(socket, 414);
      const target = parseTarget(req.url);
      if (!target) return endWithStatus(socket, 400);
      if (overCap()) return sockets.refuse(req, socket, head, CloseCode.TryAgainLater, 'server busy');
      sockets.handleUpgrade(req, socket, head, target);
    } catch (error) {
      log(`upgrade failed: ${describeError(error)}`);
      endWithStatus(socket, 500);
    }
  });

  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port ?? 1999, host, () => {
      http.off('error', reject);
      resolve();
    });
  }).catch(async (error: unknown) => {
    await sockets.closeAll(CloseCode.GoingAway, 'server failed to start');
    await db.close();
    throw error;
  });
  // After start-up, a listener error (accept failing for want of file descriptors) must not end the process.
  const warnListener = throttled(log, WARNING_INTERVAL_MS);
  http.on('error', (error) => warnListener(`listener error: ${describeError(error)}`));
  const { port } = http.address() as AddressInfo;
  const url = `http://${urlHost(host)}:${port}`;
  if (options.seedSampleUsers) seedSampleUsers(storage, (options.publicUrl ?? url).replace(/\/$/, ''));
  if (routes.devTokens) log('dev tokens are enabled: anyone who can reach this server can sign in as any user');
  webhooks?.start();

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      await sockets.closeAll(CloseCode.GoingAway, 'server shutting down');
      const hooksStopped = webhooks?.stop();
      const stopped = new Promise<void>((resolve) => http.close(() => resolve()));
      http.closeAllConnections();
      await stopped;
      await hooksStopped;
      await db.close();
    })());

  return { url, port, core, storage, webhooks, issueToken: (user, claims) => auth.issue(user, claims), close };
}

/** `log`, but a line within `everyMs` of the last one logged is dropped. */
function throttled(log: (line: string) => void, everyMs: number): (line: string) => void {
  let last = -Infinity;
  return (line) => {
    const now = Date.now();
    if (now - last < everyMs) return;
    last = now;
    log(line);
  };
}

function connectionSettings(options: ServerOptions): { [K in keyof typeof CONNECTION_DEFAULTS]: number } {
  const d = CONNECTION_DEFAULTS;
  const settings = {
    headersTimeoutMs: options.headersTimeoutMs ?? d.headersTimeoutMs,
    requestTimeoutMs: options.requestTimeoutMs ?? d.requestTimeoutMs,
    idleTimeoutMs: options.idleTimeoutMs ?? d.idleTimeoutMs,
    maxConnections: options.maxConnections ?? d.maxConnections,
    maxSocketsPerUser: options.maxSocketsPerUser ?? d.maxSocketsPerUser,
    maxHeaderBytes: options.maxHeaderBytes ?? d.maxHeaderBytes,
    helloTimeoutMs: options.helloTimeoutMs ?? d.helloTimeoutMs,
    abusePenaltyMs: options.abusePenaltyMs ?? d.abusePenaltyMs,
  };
  if (settings.headersTimeoutMs > settings.requestTimeoutMs) throw new Error('headersTimeoutMs must not exceed requestTimeoutMs');
  if (settings.maxConnections < 1 || settings.maxSocketsPerUser < 1) throw new Error('maxConnections and maxSocketsPerUser must be at least 1');
  return settings;
}

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return 'localhost';
  return host.includes(':') ? `[${host}]` : host;
}
