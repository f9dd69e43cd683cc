// The fuzz suite against the Cloudflare worker under wrangler dev (fewer cases than the Node run).
import { strictParserRefuses } from '../../node/server/fuzz/oracle.js';
import { cloudflareBackend } from '../cloudflare-backend.js';
import { fuzzSuite } from '../index.js';

fuzzSuite(cloudflareBackend, {
  // workerd answers requests its strict parser refuses (a URL it cannot
  // build, a body length stated twice, a transfer coding it does not know)
  // with its own 500 before the worker runs; on Cloudflare's network the edge
  // turns such requests away first. An upgrade with a method other than GET
  // reaches the worker as a GET (the runtime rewrites it), and after the
  // worker's 101 the runtime itself answers the real method with a bare 500.
  tolerated: (status, request) => status === 500 && (strictParserRefuses(request) || nonGetUpgrade(request)),
});

function nonGetUpgrade(request: Buffer): boolean {
  const head = request.toString('latin1').split('\r\n\r\n')[0];
  return !head.startsWith('GET ') && /\r\nupgrade:\s*websocket/i.test(head);
}
