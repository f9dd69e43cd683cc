// The fuzz suite against the Cloudflare worker under wrangler dev (fewer cases than the Node run).
import { strictParserRefuses } from '../../node/server/fuzz/oracle.js';
import { cloudflareBackend } from '../cloudflare-backend.js';
import { fuzzSuite } from '../index.js';

fuzzSuite(cloudflareBackend, {
  // workerd answers requests its strict parser refuses (a URL it cannot
  // build, a body length stated twice, a transfer coding it does not know)
  // with its own 500 before the worker runs; on Cloudflare's network the edge
  // turns such requests away first.
  tolerated: (status, request) => status === 500 && strictParserRefuses(request),
});
