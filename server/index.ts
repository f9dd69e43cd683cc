/**
 * The Node host: HTTP + WebSocket server over SQLite (libsql), token checks,
 * and the conversation core. Needs the optional peer dependencies `ws`,
 * `libsql` and `jose` (see the README's backend section).
 */
export { startServer, type PinServer, type ServerOptions } from './node/server.js';
export { TokenAuthority, type TokenClaims, type Verdict } from './shared/auth.js';
export * from '../src/core/index.js';
export { SqlStorage, type Row, type Sql, type SqlValue } from './shared/storage/sql.js';
