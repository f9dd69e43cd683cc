// A receiver that checks every webhook delivery as a host's backend would:
// the signature over timestamp.body, then each event of the batch through a
// dedup on the event id. Shared by
// the webhook conformance suite and the Node server's own webhook tests.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PinEvent } from '../../src/core/events.js';
import { verifySignature } from '../../server/shared/webhooks/signature.js';

export const HOOK_SECRET = 'whsec-test-secret-that-is-at-least-32-chars';

/**
 * How the receiver answers: a status (after `delayMs`: a slow receiver that
 * has processed the event but answers after the sender gave up), never
 * (hangs), or not at all (listener closed, see `down`).
 */
export type Behaviour = { answer: number; headers?: Record<string, string>; delayMs?: number } | 'hang';

/** One event as a delivery carried it. */
export interface ReceivedEvent {
  event: PinEvent;
  verified: boolean;
  status: number | 'hung';
  at: number;
  /** The event's own JSON text inside the delivery. */
  body: string;
  /** The delivery: its whole body, its Pin-Event-Count header, and which request it was (0 for the first). */
  request: { body: string; count?: string; index: number; events: number };
}

export class Receiver {
  /** Every event of every request, in arrival order (a batch of n adds n). */
  readonly requests: ReceivedEvent[] = [];
  /** Requests received. */
  posts = 0;
  /** Event ids processed once (the receiver's dedup), in order. */
  readonly processed: PinEvent[] = [];
  /** Event ids answered 2xx in time: the sender knows them delivered. */
  readonly acknowledged = new Set<string>();
  private readonly seen = new Set<string>();
  private readonly hanging = new Set<ServerResponse>();
  behaviour: Behaviour = { answer: 204 };
  /** The receiver's clock, seconds (a test that moves the server's clock moves this one). */
  clock = () => Date.now() / 1000;
  private server?: Server;

  private constructor(public port: number) {}

  static async start(port = 0): Promise<Receiver> {
    const receiver = new Receiver(port);
    await receiver.up();
    return receiver;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/hooks`;
  }

  get badSignatures(): number {
    return this.requests.filter((r) => !r.verified).length;
  }

  /** Listens (again) on its port. */
  async up(): Promise<void> {
    const server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  /** Stops listening: connections are refused, hanging requests are cut. */
  async down(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.hanging.clear();
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }

  of<T extends PinEvent['type']>(type: T): Extract<PinEvent, { type: T }>[] {
    return this.processed.filter((e): e is Extract<PinEvent, { type: T }> => e.type === type);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const verified = await verifySignature(HOOK_SECRET, req.headers['pin-signature'] as string | undefined, body, this.clock());
    const { events } = JSON.parse(body) as { events: PinEvent[] };
    const request = { body, count: req.headers['pin-event-count'] as string | undefined, index: this.posts++, events: events.length };
    const behaviour = this.behaviour;
    const status = behaviour === 'hang' ? 'hung' : behaviour.answer;
    // Stored events are JSON.stringify output, which a parse and a stringify give back exactly.
    for (const event of events) this.requests.push({ event, verified, status, at: Date.now(), body: JSON.stringify(event), request });
    if (behaviour === 'hang') {
      this.hanging.add(res);
      return;
    }
    for (const event of events) {
      if (verified && behaviour.answer < 300 && !this.seen.has(event.id)) {
        this.seen.add(event.id);
        this.processed.push(event);
      }
    }
    if (!behaviour.delayMs) {
      if (verified && behaviour.answer < 300) for (const event of events) this.acknowledged.add(event.id);
      return void res.writeHead(behaviour.answer, behaviour.headers).end();
    }
    this.hanging.add(res);
    setTimeout(() => {
      this.hanging.delete(res);
      if (!res.destroyed) res.writeHead(behaviour.answer, behaviour.headers).end();
    }, behaviour.delayMs);
  }
}
