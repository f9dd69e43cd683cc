/**
 * The Node host: HTTP + WebSocket server over SQLite (libsql), token checks,
 * and the conversation core. Needs the optional peer dependencies `ws`,
 * `libsql` and `jose` (see the README's backend section).
 */
export { startServer, type PinServer, type ServerOptions } from './node/server.js';
export { TokenAuthority, type TokenClaims, type Verdict } from './node/auth.js';
export * from './core/index.js';
export { SqlStorage, type Row, type Sql, type SqlValue } from './storage/sql.js';
