// The load generator's side of a socket: authenticate like a real client
// (token in the query, an allowed Origin), send `hello`, hand frames on.
import { SignJWT } from 'jose';
import WebSocket from 'ws';

/** How to reach and authenticate against a server under test. */
export interface Endpoint {
  /** ws://127.0.0.1:<port> */
  url: string;
  origin: string;
  secret: string;
  issuer?: string;
  audience?: string;
}

/** Server frames as the bench reads them (trusted: both servers are ours). */
export type Frame = { t: string; [key: string]: any };

export async function mintToken(endpoint: Endpoint, user: string): Promise<string> {
  let jwt = new SignJWT({ name: `Bench ${user}` }).setProtectedHeader({ alg: 'HS256' }).setSubject(user).setIssuedAt().setExpirationTime('1h');
  if (endpoint.issuer) jwt = jwt.setIssuer(endpoint.issuer);
  if (endpoint.audience) jwt = jwt.setAudience(endpoint.audience);
  return jwt.sign(new TextEncoder().encode(endpoint.secret));
}

/** Wraps a frame handler for {@link connectMember}, which passes raw text. */
export function parsed(onFrame: (frame: Frame, ws: WebSocket) => void): (raw: string, ws: WebSocket) => void {
  return (raw, ws) => onFrame(JSON.parse(raw) as Frame, ws);
}

/**
 * Opens a socket for `user`, sends `hello` with `cursors`, and resolves once
 * `welcome` arrived. Every later frame goes to `onRaw` as text (the load
 * generator reads the hot frames without parsing them).
 */
export async function connectMember(
  endpoint: Endpoint,
  user: string,
  onRaw: (raw: string, ws: WebSocket) => void,
  cursors?: Record<string, number>,
): Promise<WebSocket> {
  const token = await mintToken(endpoint, user);
  const ws = new WebSocket(`${endpoint.url}/parties/inbox/${encodeURIComponent(user)}?token=${token}`, {
    origin: endpoint.origin,
    perMessageDeflate: false,
    // Both servers are ours; checking UTF-8 would only slow the generator down.
    skipUTF8Validation: true,
  });
  return new Promise((resolve, reject) => {
    let welcomed = false;
    ws.on('open', () => ws.send(JSON.stringify(cursors ? { t: 'hello', v: 1, cursors } : { t: 'hello', v: 1 })));
    ws.on('message', (data) => {
      const raw = String(data);
      if (!welcomed) {
        if ((JSON.parse(raw) as Frame).t !== 'welcome') return reject(new Error(`${user}: expected welcome, got ${raw.slice(0, 200)}`));
        welcomed = true;
        return resolve(ws);
      }
      onRaw(raw, ws);
    });
    ws.on('error', (error) => (welcomed ? undefined : reject(error)));
    ws.on('close', (code, reason) => {
      if (!welcomed) reject(new Error(`${user}: closed ${code} ${String(reason)} before welcome`));
    });
  });
}

/** Closes sockets and waits until they are closed (or 2 s passed). */
export async function closeAll(sockets: Iterable<WebSocket>): Promise<void> {
  const waits: Promise<void>[] = [];
  for (const ws of sockets) {
    if (ws.readyState === WebSocket.CLOSED) continue;
    waits.push(new Promise<void>((resolve) => ws.once('close', () => resolve())));
    ws.close();
  }
  await Promise.race([Promise.all(waits), new Promise((r) => setTimeout(r, 2_000).unref())]);
  for (const ws of sockets) if (ws.readyState !== WebSocket.CLOSED) ws.terminate();
}
