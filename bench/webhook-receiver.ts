// The webhook receiver of the server bench: a child process of its own (so its
// CPU is measured apart from the server's and the load generator's), answering
// every delivery 200 as soon as its body is read. It checks each signature
// (one HMAC of the body, as any real receiver does), then counts the events of
// the batch by type and by id, and reports the counts on `GET /stats`.
//
//   PIN_WEBHOOK_SECRET=... PIN_RECEIVER_PORT=... node --import tsx bench/webhook-receiver.ts
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';

export interface ReceiverStats {
  /** Requests answered 200. */
  requests: number;
  /** Events in them (retries of one event included). */
  received: number;
  /** Distinct event ids among them. */
  unique: number;
  /** Deliveries of an id already seen (at least once: a retry after a lost answer). */
  duplicates: number;
  /** Requests refused with 400: no, malformed or wrong signature. */
  badSignatures: number;
  /** Distinct ids by event type. */
  byType: Record<string, number>;
}

const secret = process.env.PIN_WEBHOOK_SECRET ?? '';
const port = Number(process.env.PIN_RECEIVER_PORT);
const seen = new Set<string>();
const stats: ReceiverStats = { requests: 0, received: 0, unique: 0, duplicates: 0, badSignatures: 0, byType: {} };

function verified(header: string | undefined, body: Buffer): boolean {
  const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header ?? '');
  if (!match) return false;
  const mac = createHmac('sha256', secret).update(`${match[1]}.`).update(body).digest();
  return timingSafeEqual(mac, Buffer.from(match[2], 'hex'));
}

const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/stats') {
    res.writeHead(200, { 'content-type': 'application/json' });
    return res.end(JSON.stringify(stats));
  }
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    if (!verified(req.headers['pin-signature'] as string | undefined, body)) {
      stats.badSignatures++;
      res.writeHead(400).end();
      return;
    }
    stats.requests++;
    for (const { id, type } of (JSON.parse(body.toString('utf8')) as { events: { id: string; type: string }[] }).events) {
      stats.received++;
      if (seen.has(id)) stats.duplicates++;
      else {
        seen.add(id);
        stats.unique++;
        stats.byType[type] = (stats.byType[type] ?? 0) + 1;
      }
    }
    res.writeHead(200).end();
  });
});
// The server keeps its connections alive between deliveries.
server.keepAliveTimeout = 60_000;
server.listen(port, '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
