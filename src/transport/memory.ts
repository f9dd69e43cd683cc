import type { User } from '../core/types.js';
import { ABNORMAL_CLOSE_CODE, SocketTransport, type ReconnectOptions } from './base.js';
import type { MemoryBackend, MemorySocket } from './memory-backend.js';
import { Pipe } from './memory-pipe.js';

export { MemoryBackend, createMemoryBackend } from './memory-backend.js';
export type { MemoryBackendOptions, MemoryPeer, MemorySocket } from './memory-backend.js';

/** A probability in [0, 1], the same both ways or per direction. */
export type Rate = number | { toServer?: number; toClient?: number };

/**
 * Network faults of a `MemoryTransport`. Every decision draws from the
 * transport's `random` option, so a seeded generator replays a run exactly.
 */
export interface MemoryFaults {
  /** Delay of each frame, each way: a fixed number or a uniform [min, max] range. */
  latencyMs?: number | [number, number];
  /** Let a frame with a shorter delay overtake an earlier one (otherwise per-socket order holds). */
  reorder?: boolean;
  /** Frames lost in transit, as on a dying socket (the sender saw `send` succeed). */
  dropRate?: Rate;
  /** Frames delivered twice. */
  duplicateRate?: Rate;
  /** Cut the socket abruptly (code 1006) right after its Nth frame, counting both ways. */
  disconnectEvery?: number;
  /** `ack` frames lost on the way to the client (nothing else). */
  dropAckRate?: number;
}

export interface MemoryTransportOptions extends MemoryFaults, ReconnectOptions {
  backend: MemoryBackend;
  /** The signed-in person (the token's subject on a real server). */
  user: string;
  /** Name and avatar, as a real server takes them from the token. */
  profile?: Partial<Omit<User, 'id'>>;
  /** Source of every fault decision and of the reconnect jitter. Default `Math.random`. */
  random?: () => number;
  /** An attempt that has not opened after this long is abandoned and retried. */
  connectTimeoutMs?: number;
}

/** Defaults of the in-memory transport: the real adapter's behaviour on a faster clock. */
export const MEMORY_DEFAULTS = {
  backoff: { baseMs: 10, capMs: 200 },
  heartbeat: { intervalMs: 2_000, timeoutMs: 1_000 },
  stableMs: 500,
  connectTimeoutMs: 2_000,
} as const;

type Down = { kind: 'open' } | { kind: 'frame'; frame: string } | { kind: 'close'; code: number; reason: string };

/** One socket, from the client side. */
interface Link {
  state: 'connecting' | 'open' | 'dying' | 'closed';
  stalled: boolean;
  frames: number;
  socket?: MemorySocket;
  /** Client to server; `null` is the client's hang-up, behind the frames sent before it. */
  up: Pipe<string | null>;
  down: Pipe<Down>;
  timeout?: ReturnType<typeof setTimeout>;
}

/**
 * A `Transport` to a {@link MemoryBackend}: the real protocol and core, no
 * network, and faults on demand. For tests, stories and demos.
 *
 * Frames cross as JSON strings and always asynchronously (never inside the
 * caller's `send`). It reconnects like `PartySocketTransport` (jittered
 * backoff, heartbeat, fatal close codes stop it) on a faster clock.
 *
 * @example
 * const backend = createMemoryBackend({ users: [ada, bob] });
 * const transport = new MemoryTransport({ backend, user: 'ada', latencyMs: [100, 500], dropAckRate: 0.3 });
 */
export class MemoryTransport extends SocketTransport<Link> {
  private readonly options: MemoryTransportOptions;
  private faults: MemoryFaults;
  private readonly random: () => number;
  /** The last socket made: the one in use until it is closed (see `current`). */
  private link: Link | undefined;

  constructor(options: MemoryTransportOptions) {
    super(options, MEMORY_DEFAULTS);
    this.options = options;
    this.faults = { ...options };
    this.random = options.random ?? Math.random;
  }

  /** The person this transport signs in as. */
  get user(): string {
    return this.options.user;
  }

  /** Replaces the faults for frames from now on (e.g. `{}` to stop them and check recovery). */
  setFaults(faults: MemoryFaults): void {
    this.faults = { ...faults };
  }

  /** Cuts the socket abruptly, as a network failure would: frames in flight are lost both ways. */
  disconnect(): void {
    if (this.current) this.end(this.current, ABNORMAL_CLOSE_CODE, 'connection lost', false, 'cut');
  }

  /**
   * Makes the current socket half-open: it still looks open on both sides,
   * but frames vanish both ways until `resume()`. Only the heartbeat notices;
   * the socket it opens next works.
   */
  stall(): void {
    if (this.current) this.current.stalled = true;
  }

  /** Lets frames through the current socket again (those sent meanwhile stay lost). */
  resume(): void {
    if (this.current) this.current.stalled = false;
  }

  // The socket, wired to the life cycle -------------------------------------------

  /** The socket in use, if any. Every socket the life cycle leaves is closed here first. */
  private get current(): Link | undefined {
    return this.link?.state === 'closed' ? undefined : this.link;
  }

  protected openSocket(): Link {
    const link: Link = {
      state: 'connecting',
      stalled: false,
      frames: 0,
      up: new Pipe((item) => this.toServer(link, item), () => !!this.faults.reorder),
      down: new Pipe((item) => this.toClient(link, item), () => !!this.faults.reorder),
    };
    this.link = link;
    const timeoutMs = this.options.connectTimeoutMs ?? MEMORY_DEFAULTS.connectTimeoutMs;
    link.timeout = setTimeout(() => this.end(link, ABNORMAL_CLOSE_CODE, 'connect timeout', false, 'cut'), timeoutMs);
    link.down.push({ kind: 'open' }, this.latency());
    link.socket = this.options.backend.connect(
      this.options.user,
      {
        frame: (frame) => this.fromServer(link, frame),
        closed: (code, reason, abrupt) => {
          if (!abrupt) return link.down.push({ kind: 'close', code, reason }, this.latency(), true);
          if (link.state === 'closed' || link.state === 'dying') return;
          // Crash or restart: the client hears of it at once, but not inside the backend's call.
          link.state = 'dying';
          link.up.close();
          link.down.close();
          queueMicrotask(() => this.end(link, ABNORMAL_CLOSE_CODE, reason, false, 'none'));
        },
      },
      this.options.profile,
    );
    if (!link.socket) {
      this.release(link, 'none');
      // Reported once the transport holds the link.
      queueMicrotask(() => this.closed(link, ABNORMAL_CLOSE_CODE, 'server unreachable', false));
    }
    return link;
  }

  protected write(link: Link, frame: string): boolean {
    if (link.state !== 'open') return false;
    if (link.stalled || this.chance(this.faults.dropRate, 'toServer')) return true;
    const copies = this.chance(this.faults.duplicateRate, 'toServer') ? 2 : 1;
    for (let i = 0; i < copies; i++) link.up.push(frame, this.latency());
    return true;
  }

  protected hangUp(link: Link): void {
    this.release(link, 'graceful');
  }

  /** Ends `link` from this side or the server's, and reports it. */
  private end(link: Link, code: number, reason: string, wasClean: boolean, server: 'graceful' | 'cut' | 'none'): void {
    if (link.state === 'closed') return;
    this.release(link, server);
    this.closed(link, code, reason, wasClean);
  }

  /**
   * Closes both pipes of `link`. `server` says how the server learns of it:
   * `graceful` after the frames already sent, `cut` at once with those frames
   * lost, `none` when the server closed it itself.
   */
  private release(link: Link, server: 'graceful' | 'cut' | 'none'): void {
    link.state = 'closed';
    clearTimeout(link.timeout);
    link.down.close();
    const socket = link.socket;
    if (server === 'graceful') link.up.push(null, this.latency(), true);
    else link.up.close();
    if (server === 'cut' && socket) queueMicrotask(() => socket.hangUp());
  }

  // Frames ----------------------------------------------------------------------

  private fromServer(link: Link, frame: string): void {
    if (link.state === 'closed' || link.state === 'dying' || link.stalled) return;
    const { dropAckRate, dropRate, duplicateRate } = this.faults;
    if (dropAckRate && isAck(frame) && this.random() < dropAckRate) return;
    if (this.chance(dropRate, 'toClient')) return;
    const copies = this.chance(duplicateRate, 'toClient') ? 2 : 1;
    for (let i = 0; i < copies; i++) link.down.push({ kind: 'frame', frame }, this.latency());
  }

  private toClient(link: Link, item: Down): void {
    // A link the transport left has its pipes closed, so only the current one gets here.
    if (link.stalled) return;
    if (item.kind === 'close') return this.end(link, item.code, item.reason, true, 'none');
    if (item.kind === 'open') {
      link.state = 'open';
      clearTimeout(link.timeout);
      return this.opened(link);
    }
    this.frame(link, item.frame);
    this.counted(link);
  }

  private toServer(link: Link, item: string | null): void {
    const socket = link.socket;
    if (!socket) return;
    // A hang-up always arrives: even a half-open socket is reaped by the server in the end.
    if (item === null) return socket.hangUp();
    if (link.stalled) return;
    socket.receive(item);
    this.counted(link);
  }

  private counted(link: Link): void {
    const every = this.faults.disconnectEvery;
    if (!every || link.state !== 'open' || ++link.frames < every) return;
    this.end(link, ABNORMAL_CLOSE_CODE, `cut after ${every} frames`, false, 'cut');
  }

  private chance(rate: Rate | undefined, way: 'toServer' | 'toClient'): boolean {
    const p = typeof rate === 'number' ? rate : rate?.[way];
    return !!p && this.random() < p;
  }

  private latency(): number {
    const l = this.faults.latencyMs;
    if (l === undefined) return 0;
    if (typeof l === 'number') return l;
    return l[0] + this.random() * (l[1] - l[0]);
  }
}

function isAck(frame: string): boolean {
  try {
    return (JSON.parse(frame) as { t?: unknown }).t === 'ack';
  } catch {
    return false;
  }
}
