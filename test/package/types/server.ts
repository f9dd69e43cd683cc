// A Node backend: the bundled server, tokens, and the core for other hosts.
import { ChatCore, MemoryStorage, mutualFollow, type MessagingPolicy } from 'pin-messaging/core';
import { startServer, TokenAuthority } from 'pin-messaging/server';

const onlyColleagues: MessagingPolicy = {
  name: 'colleagues',
  canMessage: (from, to) => (from.id.split('.')[1] === to.id.split('.')[1] ? true : 'not a colleague'),
};
const server = await startServer({ port: 0, dbPath: ':memory:', authSecret: 'x'.repeat(32), policy: onlyColleagues });
const token: string = await server.issueToken('ada');
await new TokenAuthority('x'.repeat(32), 'pin-messaging', 'pin-messaging').verify(token);
await server.close();
new ChatCore({ storage: new MemoryStorage(), policy: mutualFollow });
