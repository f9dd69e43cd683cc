/**
 * One conformance suite, several backends: the integration, fault and
 * bad-input tests talk to a server only through its sockets and through the
 * few back-office operations below, which each backend maps to its own API
 * (the Node server's objects, the Cloudflare worker's admin routes).
 */
import type { Message, User } from '../../src/protocol/index.js';
import type { ReportRecord, ServerLimits } from '../../src/core/types.js';
import type { TokenClaims } from '../../server/shared/auth.js';

export const SECRET = 'test-secret-that-is-long-enough-for-hs256';
export const ORIGIN = 'http://app.example:5173';
/** Key of the server API (/admin/v1) on every test server. */
export const ADMIN_KEY = 'conformance-server-api-key-at-least-32-characters';

/** How a test server is set up; everything else is the backend's default. */
export interface ServerConfig {
  limits?: Partial<ServerLimits>;
  policy?: 'anyone' | 'mutual-follow';
  /** Accept sockets without an Origin header (default true: test clients send none). */
  allowNoOrigin?: boolean;
  /** Dev mode: sample people, GET /dev/users and /dev/token. */
  devTokens?: boolean;
  /** Server-side ping interval (backends that ping). */
  heartbeatMs?: number;
  /** Token secrets, newest first: the newest signs, all verify. Default [SECRET]. */
  secrets?: string[];
  /** Webhooks to a test receiver, with the retry schedule compressed. */
  webhooks?: WebhookConfig;
}

export interface WebhookConfig {
  url: string;
  secret: string;
  /** Ceiling of the first retry's delay, ms (the 10 s default would outlast a test). */
  retryBaseMs: number;
  /** Failing this long dead-letters an event, ms (24 hours in production). */
  horizonMs: number;
  /** `notification.due` after this long unread while offline, ms (10 minutes by default). */
  notifyAfterMs?: number;
  /** `notification.due` per person a day at most (10 by default). */
  notifyPerDay?: number;
  /** A try with no answer after this long fails, ms (10 s by default). */
  timeoutMs?: number;
}

export interface TestServer {
  /** http://host:port */
  url: string;
  port: number;
  issueToken(user: string, claims?: TokenClaims): Promise<string>;
  /** A profile as the directory has it. */
  getUser(id: string): Promise<User | undefined>;
  /** The site's follow graph (read by the mutual-follow policy). */
  setFollow(follower: string, followee: string, follows: boolean): Promise<void>;
  /** Closes every socket of `user` with 4005. */
  revoke(user: string): Promise<void>;
  reports(conv: string): Promise<ReportRecord[]>;
  /** Stored messages of a conversation, ascending. */
  messages(conv: string, after: number, limit: number): Promise<Message[]>;
  /** Stops the server and keeps its data. */
  shutdown(): Promise<void>;
  /** Starts it again on the same port and data. */
  startAgain(): Promise<void>;
  /** SIGKILLs it (no goodbye) and keeps its data, when it runs in a process of its own. */
  kill?(): Promise<void>;
  /** Stops the server and deletes its data. */
  stop(): Promise<void>;
}

/** A server in a process of its own, to be killed without a goodbye (F3). */
export interface ServerProcess {
  kill(): void;
}

export interface Backend {
  readonly name: string;
  /** Behaviours only some backends have; tests of them are skipped elsewhere, saying why. */
  readonly lacks: {
    /** Why the server cannot ping sockets itself, if it cannot. */
    heartbeat?: string;
    /** Why it cannot tell clients it is going away (1001) when stopped, if it cannot. */
    goingAway?: string;
    /** Why /health cannot count connections, if it cannot. */
    connectionCount?: string;
  };
  start(config?: ServerConfig): Promise<TestServer>;
  /** Starts a server process on `port` with its data in `dir`, resolving when it is ready. */
  launch(port: number, dir: string, config: { secret: string; origin: string; limits: Partial<ServerLimits> }): Promise<ServerProcess>;
  /** How long a launched server may take to be ready again. */
  readonly launchMs: number;
}
