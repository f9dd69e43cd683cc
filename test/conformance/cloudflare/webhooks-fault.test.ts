// F13 against the Cloudflare worker under wrangler dev: the receiver failing,
// then timing out, then down while workerd is SIGKILLed and started again on
// the same persisted Durable Objects.
import { test } from 'node:test';
import { cloudflareBackend } from '../cloudflare-backend.js';
import { HOOK_SECRET, Receiver } from '../webhook-receiver.js';
import { describeFault, webhookFault } from '../webhook-fault.js';

test('F13: receiver failing, then timing out, then down while the server is killed: every event once, all signed, no dead letters', { timeout: 240_000 }, async (t) => {
  const started = Date.now();
  const receiver = await Receiver.start();
  t.after(() => receiver.down());
  // Retries from 500 ms, capped at 2 s (four times the base), far from the horizon; tries time out after 1 s.
  const own = await cloudflareBackend.start({ webhooks: { url: receiver.url, secret: HOOK_SECRET, retryBaseMs: 500, horizonMs: 120_000, timeoutMs: 1_000 } });
  t.after(() => own.stop());
  const figures = await webhookFault({ target: own, kill: () => own.kill!(), start: () => own.startAgain() }, receiver);
  console.info(describeFault(figures, receiver, started));
});
