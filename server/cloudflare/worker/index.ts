/**
 * The Cloudflare Worker: routes sockets to the person's inbox object after
 * the handshake checks, and serves the plain HTTP routes.
 */
import { routePartykitRequest } from 'partyserver';
import { USER_ID } from '../../../src/protocol/index.js';
import type { Env } from './env.js';
import { admit, upgradeProblem } from './handshake.js';
import { handleHttp, json } from './routes.js';

export { Conversation } from './conversation.js';
export { Directory } from './directory.js';
export { Inbox } from './inbox.js';

const INBOX_PATH = /^\/parties\/inbox\/([^/]+)\/?$/;

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    // The fault barrier: whatever a request does, its caller gets a plain answer
    // without a stack trace, and nothing it throws reaches other requests.
    try {
      return await route(request, env);
    } catch (error) {
      console.error('[pin-messaging] worker', error instanceof Error ? error.message : error);
      return json(500, { error: 'the server failed; try again' });
    }
  },
} satisfies ExportedHandler<Env>;

async function route(request: Request, env: Env): Promise<Response> {
  const url = new URL(request.url);
  if (!url.pathname.startsWith('/parties/')) return handleHttp(request, env, url);
  // Only inboxes take sockets; conversation and directory objects are internal.
  const room = INBOX_PATH.exec(url.pathname)?.[1];
  if (room === undefined) return json(404, { error: 'not found' });
  if (request.headers.get('Upgrade')?.toLowerCase() !== 'websocket') return json(426, { error: 'use a WebSocket' });
  // No token names a room that is not a user id: nothing to tell a client apart from a plain 400.
  if (!USER_ID.test(room)) return json(400, { error: 'not a person’s inbox' });
  const problem = upgradeProblem(request);
  if (problem) return json(400, { error: problem });
  const response = await routePartykitRequest(request, env, { onBeforeConnect: (req, lobby) => admit(req, lobby, env) });
  return response ?? json(404, { error: 'not found' });
}
