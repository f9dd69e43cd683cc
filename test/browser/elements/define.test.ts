// Registration: the guarded define (a second copy of the library on a page,
// a host's own element under one of our names) and registering under other
// tag names. Each test file runs in a page of its own, so the registry starts
// empty here.
import { expect, fixture, html, waitUntil } from '@open-wc/testing';
import { unsafeStatic, html as staticHtml } from 'lit/static-html.js';
import { ChatHeadStack } from '../../../src/elements/chat-head-stack/chat-head-stack.js';
import { ConversationPanel } from '../../../src/elements/conversation-panel/conversation-panel.js';
import { defineElement, tagNameOf, VERSION } from '../../../src/elements/internal/define.js';
import { PinSendDialog } from '../../../src/elements/pin-send-dialog/pin-send-dialog.js';
import { defineElements } from '../../../src/elements/register.js';
import { TestChat } from '../../../src/testing/index.js';

function captureWarnings(): { warnings: string[]; restore(): void } {
  const warnings: string[] = [];
  const original = console.warn;
  console.warn = (...args: unknown[]) => void warnings.push(args.join(' '));
  return { warnings, restore: () => (console.warn = original) };
}

describe('registering the elements', () => {
  it('keeps a host element that already holds one of our tags, and says which version was skipped', () => {
    class HostDialog extends HTMLElement {}
    customElements.define('pin-send-dialog', HostDialog);
    const { warnings, restore } = captureWarnings();
    try {
      defineElement('pin-send-dialog', PinSendDialog);
    } finally {
      restore();
    }
    expect(customElements.get('pin-send-dialog')).to.equal(HostDialog);
    expect(warnings).to.deep.equal([
      `pin-messaging: <pin-send-dialog> is already defined by version unknown; version ${VERSION} was not registered.`,
    ]);
  });

  it('registers under other names, and the stack opens conversations in the renamed panel', async () => {
    const { warnings, restore } = captureWarnings();
    let tags;
    try {
      tags = defineElements({ 'pin-send-dialog': false, 'conversation-panel': 'acme-conversation', 'chat-head-stack': 'acme-heads' });
    } finally {
      restore();
    }
    expect(tags).to.deep.equal({ 'conversation-panel': 'acme-conversation', 'chat-head-stack': 'acme-heads' });
    expect(warnings).to.deep.equal([]);
    expect(customElements.get('acme-conversation')).to.equal(ConversationPanel);
    expect(customElements.get('acme-heads')).to.equal(ChatHeadStack);
    expect(customElements.get('conversation-panel')).to.equal(undefined);
    expect(tagNameOf(ConversationPanel)).to.equal('acme-conversation');

    const chat = new TestChat();
    const conv = chat.seed({ members: ['bob', 'ada'], messages: 1 });
    const client = chat.client();
    try {
      await waitUntil(() => client.$status.get() === 'online', 'client online');
      const tag = unsafeStatic('acme-heads');
      const stack = await fixture<ChatHeadStack>(staticHtml`<${tag} .client=${client}></${tag}>`);
      await waitUntil(() => stack.shadowRoot!.querySelector('[part="head"]'), 'a head');
      await stack.open(conv);
      const panel = stack.shadowRoot!.querySelector('#panel')!;
      expect(panel.localName).to.equal('acme-conversation');
      expect(panel).to.be.instanceOf(ConversationPanel);
      await waitUntil(() => panel.shadowRoot?.textContent?.includes('Message 1'), 'the message in the renamed panel');
    } finally {
      client.destroy();
    }
  });

  it('registers the defaults too, later on, without clashing with the renamed ones', async () => {
    // The same classes are already registered as acme-*: the default names get subclasses.
    const { warnings, restore } = captureWarnings();
    try {
      defineElements();
    } finally {
      restore();
    }
    // Only the tag the host holds (first test) is refused.
    expect(warnings).to.have.length(1);
    expect(warnings[0]).to.contain('<pin-send-dialog> is already defined');
    const panel = customElements.get('conversation-panel')!;
    expect(panel).to.not.equal(ConversationPanel);
    expect(panel.prototype).to.be.instanceOf(ConversationPanel);
    expect(customElements.get('chat-head-stack')!.prototype).to.be.instanceOf(ChatHeadStack);
    // The stack keeps using the panel's first name.
    expect(tagNameOf(ConversationPanel)).to.equal('acme-conversation');
    const el = await fixture(html`<conversation-panel></conversation-panel>`);
    expect(el).to.be.instanceOf(ConversationPanel);
  });

  it('ignores defining the same element again, as a second import of the library does', () => {
    const { warnings, restore } = captureWarnings();
    try {
      defineElement('acme-heads', ChatHeadStack);
      defineElements({ 'conversation-panel': 'acme-conversation', 'chat-head-stack': 'acme-heads' });
    } finally {
      restore();
    }
    expect(warnings).to.deep.equal([`pin-messaging: <pin-send-dialog> is already defined by version unknown; version ${VERSION} was not registered.`]);
  });
});
