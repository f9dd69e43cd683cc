import { env, SELF } from 'cloudflare:test';
import type { ServerFrame } from '../../src/protocol/index.js';
import { TokenAuthority } from '../../server/shared/auth.js';

export const ORIGIN = 'http://app.example';
const auth = new TokenAuthority(env.PIN_AUTH_SECRET!, 'pin-messaging', 'pin-messaging');

export function token(user: string, name = user): Promise<string> {
  return auth.issue(user, { name });
}

/** A socket to the worker, as a browser on ORIGIN opens it, recording what arrives. */
export class Socket {
  readonly frames: ServerFrame[] = [];
  readonly closed: Promise<number>;
  private wake: (() => void) | undefined;

  private constructor(readonly ws: WebSocket) {
    ws.accept();
    ws.addEventListener('message', (e) => {
      this.frames.push(JSON.parse(String(e.data)) as ServerFrame);
      this.wake?.();
    });
    this.closed = new Promise((resolve) => ws.addEventListener('close', (e) => resolve(e.code)));
  }

  static async open(room: string, query: string, origin: string | null = ORIGIN): Promise<Socket> {
    const headers: Record<string, string> = { Upgrade: 'websocket' };
    if (origin) headers.Origin = origin;
    const response = await SELF.fetch(`http://pins.example/parties/inbox/${room}?${query}`, { headers });
    if (!response.webSocket) throw new Error(`no socket: ${response.status}`);
    return new Socket(response.webSocket);
  }

  /** Opens a socket for `user` with a valid token and says hello. */
  static async signIn(user: string, name = user): Promise<Socket> {
    const socket = await Socket.open(user, `token=${await token(user, name)}`);
    socket.send({ t: 'hello', v: 1 });
    await socket.next((f) => f.t === 'welcome');
    return socket;
  }

  send(frame: object): void {
    this.ws.send(JSON.stringify(frame));
  }

  /** The first recorded frame matching `pred`, waiting up to 2 s for it. */
  async next<F extends ServerFrame = ServerFrame>(pred: (f: ServerFrame) => boolean): Promise<F> {
    const deadline = Date.now() + 2000;
    for (;;) {
      const found = this.frames.find(pred);
      if (found) return found as F;
      if (Date.now() > deadline) throw new Error(`no matching frame; got ${JSON.stringify(this.frames.slice(-3))}`);
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        setTimeout(resolve, 50);
      });
    }
  }

  close(): void {
    this.ws.close(1000);
  }
}
