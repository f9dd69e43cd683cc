import { expect, fixture, html, waitUntil } from '@open-wc/testing';
import '../../../src/elements/pin-send-dialog/define.js';
import type { PinSendDialog } from '../../../src/elements/pin-send-dialog/define.js';
import { TestChat } from '../../../src/testing/index.js';

// A trigger's URLs are resolved against the page as a link's are; what still is no http(s)
// URL gets one console warning naming the attribute, so the developer knows what to fix.
describe('<pin-send-dialog> trigger URLs', () => {
  let chat: TestChat;
  let warnings: string[];
  const warn = console.warn;

  beforeEach(() => {
    chat = new TestChat();
    warnings = [];
    console.warn = (...args: unknown[]) => void warnings.push(args.map(String).join(' '));
  });
  afterEach(() => {
    console.warn = warn;
  });

  async function openFrom(url: string, image: string, times = 1): Promise<PinSendDialog> {
    const root = await fixture<HTMLElement>(html`<div>
      <button data-pin-send data-pin-url=${url} data-pin-image=${image} data-pin-title="Mug">Send</button>
      <pin-send-dialog .client=${chat.client()}></pin-send-dialog>
    </div>`);
    const dialog = root.querySelector('pin-send-dialog')!;
    for (let i = 0; i < times; i++) {
      if (dialog.isOpen) dialog.close();
      root.querySelector('button')!.click();
      await waitUntil(() => dialog.isOpen, 'dialog opens');
      await dialog.updateComplete;
    }
    return dialog;
  }

  it('resolves relative pin URLs against the page: image shown, no error, no warning', async () => {
    const dialog = await openFrom('/shop/mug', 'img/mug.svg');
    const img = dialog.shadowRoot!.querySelector('img');
    expect(img?.getAttribute('src')).to.equal(new URL('img/mug.svg', document.baseURI).href);
    expect(dialog.shadowRoot!.querySelector('.preview + .error')).to.equal(null);
    expect(warnings).to.deep.equal([]);
  });

  it('warns once, naming the attribute and its value, when a pin URL is no http(s) URL', async () => {
    const image = 'data:image/svg+xml,<svg/>';
    const dialog = await openFrom('https://shop.example.com/mug', image, 2);
    expect(dialog.shadowRoot!.querySelector('.preview + .error')).not.to.equal(null);
    expect(warnings).to.have.length(1);
    expect(warnings[0]).to.contain(`data-pin-image="${image}"`);
    expect(warnings[0]).to.contain('http(s) URL');
  });
});
