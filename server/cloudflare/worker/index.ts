/**
 * The Cloudflare Worker: routes sockets to the person's inbox object after
 * the handshake checks, and serves the plain HTTP routes.
 */
import { routePartykitRequest } from 'partyserver';
import type { Env } from './env.js';
import { admit } from './handshake.js';
import { handleHttp } from './routes.js';

export { Conversation } from './conversation.js';
export { Directory } from './directory.js';
export { Inbox } from './inbox.js';

const INBOX_PATH = /^\/parties\/inbox\/[^/]+\/?$/;

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    if (!url.pathname.startsWith('/parties/')) return handleHttp(request, env, url);
    // Only inboxes take sockets; conversation and directory objects are internal.
    if (!INBOX_PATH.test(url.pathname)) return new Response('not found', { status: 404 });
    if (request.headers.get('Upgrade')?.toLowerCase() !== 'websocket') return new Response('use a WebSocket', { status: 426 });
    const response = await routePartykitRequest(request, env, { onBeforeConnect: (req, lobby) => admit(req, lobby, env) });
    return response ?? new Response('not found', { status: 404 });
  },
} satisfies ExportedHandler<Env>;
