// Work the elements leave for idle time: the panel's older rows, the date formatters.
import { aTimeout, expect, waitUntil } from '@open-wc/testing';
import { whenIdle } from '../../../src/elements/internal/idle.js';

describe('whenIdle', () => {
  it('runs the callback once the page is idle, and not at all once cancelled', async () => {
    let ran = 0;
    whenIdle(() => ran++);
    const cancel = whenIdle(() => ran++);
    cancel();
    await waitUntil(() => ran > 0, 'idle callback', { timeout: 2000 });
    await aTimeout(600);
    expect(ran).to.equal(1);
  });

  it('falls back to a short timeout where idle callbacks are missing', async () => {
    const idle = window.requestIdleCallback;
    // Safari has no idle callbacks.
    Reflect.deleteProperty(window, 'requestIdleCallback');
    try {
      expect(typeof requestIdleCallback).to.equal('undefined');
      let ran = 0;
      whenIdle(() => ran++);
      const cancel = whenIdle(() => ran++);
      cancel();
      expect(ran, 'not synchronously').to.equal(0);
      await waitUntil(() => ran > 0, 'timeout callback', { timeout: 2000 });
      await aTimeout(200);
      expect(ran).to.equal(1);
    } finally {
      window.requestIdleCallback = idle;
    }
  });
});
