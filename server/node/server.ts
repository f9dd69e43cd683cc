import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CloseCode } from '../../src/protocol/index.js';
import { ChatCore } from '../core/core.js';
import type { MessagingPolicy, ServerLimits } from '../core/types.js';
import { SqlStorage } from '../storage/sql.js';
import { TokenAuthority, type TokenClaims } from './auth.js';
import { GroupCommit } from './group-commit.js';
import { openLibsql } from './libsql.js';
import { handleRequest } from './routes.js';
import { seedSampleUsers } from './sample-users.js';
import { SocketHost } from './sockets.js';

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
  /** HS256 secret for tokens, at least 32 bytes. */
  authSecret: string | Uint8Array;
  /** Expected `iss` and `aud` of tokens; both default to 'pin-messaging'. */
  issuer?: string;
  audience?: string;
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
  /** Connection log; receives no tokens and no message contents. Default console.info. */
  log?: (line: string) => void;
}

export interface PinServer {
  /** http://host:port of the server. */
  url: string;
  port: number;
  core: ChatCore;
  storage: SqlStorage;
  /** Signs a token this server accepts (for a host app's auth endpoint, and tests). */
  issueToken(user: string, claims?: TokenClaims): Promise<string>;
  /** Closes every socket with 1001, then the listener and the database. */
  close(): Promise<void>;
}

export async function startServer(options: ServerOptions): Promise<PinServer> {
  const log = options.log ?? ((line: string) => console.info(`[pin-messaging] ${line}`));
  const allowedOrigins = options.allowedOrigins ?? [];
  const auth = new TokenAuthority(options.authSecret, options.issuer ?? 'pin-messaging', options.audience ?? 'pin-messaging');
  const db = openLibsql(options.dbPath ?? '.data/pin-messaging.db');
  const storage = new SqlStorage(db);
  const core = new ChatCore({ storage, policy: options.policy, limits: options.limits });
  const commits = new GroupCommit(db, (error) => {
    // Nothing of the failed turn was stored or acknowledged: drop every socket so
    // that clients resume from their cursors and resend their outboxes.
    log(`commit failed, closing all sockets: ${error instanceof Error ? error.message : String(error)}`);
    storage.forgetCache();
    sockets.dropAll(CloseCode.ServerError, 'storage failure');
  });
  const sockets = new SocketHost({
    core,
    commits,
    auth,
    allowedOrigins,
    allowNoOrigin: options.allowNoOrigin ?? false,
    heartbeatMs: options.heartbeatMs ?? 30_000,
    log,
  });
  const devTokens = options.devTokens ?? false;
  const http = createServer((req, res) => handleRequest({ core, storage, auth, allowedOrigins, devTokens }, req, res));
  http.on('upgrade', (req, socket, head) => sockets.handleUpgrade(req, socket, head));

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
  const { port } = http.address() as AddressInfo;
  const url = `http://${urlHost(host)}:${port}`;
  if (options.seedSampleUsers) seedSampleUsers(storage, (options.publicUrl ?? url).replace(/\/$/, ''));
  if (devTokens) log('dev tokens are enabled: anyone who can reach this server can sign in as any user');

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      await sockets.closeAll(CloseCode.GoingAway, 'server shutting down');
      const stopped = new Promise<void>((resolve) => http.close(() => resolve()));
      http.closeAllConnections();
      await stopped;
      await db.close();
    })());

  return { url, port, core, storage, issueToken: (user, claims) => auth.issue(user, claims), close };
}

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return 'localhost';
  return host.includes(':') ? `[${host}]` : host;
}
