// A browser app: every tag, property and event is typed.
import 'pin-messaging/define';
import { connect, defineElements, PinLinkRequestEvent, PinSentEvent, setStrings, type ChatClient } from 'pin-messaging';
import { createMemoryBackend, MemoryTransport } from 'pin-messaging/transport/memory';
import type { Transport } from 'pin-messaging/transport';
import { ChatClient as Client, memoryOutboxStorage } from 'pin-messaging/state';
import { SAMPLE_PEOPLE, TestChat } from 'pin-messaging/testing';

const client: ChatClient = connect({ user: 'ada', token: async () => 'token' });
client.destroy();

const dialog = document.createElement('pin-send-dialog');
void dialog.open({ url: 'https://example.com/p', image: 'https://example.com/p.jpg', title: 'A pin' });
const stack = document.querySelector('chat-head-stack');
if (stack) {
  stack.max = 3;
  // @ts-expect-error: max is a number
  stack.max = 'three';
  void stack.open('dm:ada:bob');
}
const panel = document.createElement('conversation-panel');
panel.conv = 'dm:ada:bob';
panel.theme = 'dark';
// @ts-expect-error: only light or dark
panel.theme = 'blue';

document.addEventListener('pin-sent', (event) => {
  const sent: { conv: string; id: string }[] = event.detail.sent;
  console.log(event instanceof PinSentEvent, sent);
});
document.addEventListener('pin-link-request', (event: PinLinkRequestEvent) => {
  if (event.detail.host.endsWith('.example')) event.preventDefault();
});
document.addEventListener('pin-conversation-open', (event) => console.log(event.detail.conv));
// @ts-expect-error: the detail has no such field
document.addEventListener('pin-message', (event) => event.detail.nope);

const tags: Partial<Record<'pin-send-dialog' | 'conversation-panel' | 'chat-head-stack', string>> = defineElements({
  'conversation-panel': 'acme-conversation',
  'pin-send-dialog': false,
});
console.log(tags);
setStrings({ send: 'Envoyer', unreadCount: (n: number) => `${n} non lus` });

const backend = createMemoryBackend({ users: SAMPLE_PEOPLE });
const transport: Transport = new MemoryTransport({ backend, user: 'ada' });
const other = new Client({ user: 'ada', transport, outboxStorage: memoryOutboxStorage() });
other.destroy();
new TestChat().client('bob').destroy();
