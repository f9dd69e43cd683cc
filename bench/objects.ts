// What each Durable Object of the Cloudflare backend spends per operation,
// measured on the embedded backend: the same core and SQL store code, over
// libsql in this process, without the network or RPC. docs/scaling.md turns
// these figures into per-object limits. A benchmark, not a test.
//
//   npx tsx bench/objects.ts [--rounds 5]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FactsDirectory } from '../server/cloudflare/worker/facts-directory.js';
import { InboxDirectory, InboxList } from '../server/cloudflare/worker/inbox-store.js';
import { ChatCore } from '../src/core/core.js';
import type { Connection } from '../src/core/types.js';
import { openLibsql, type LibsqlBinding } from '../server/node/libsql.js';
import { SqlConversations, SqlDirectory, SqlStorage } from '../server/shared/storage/sql.js';
import { newGroupId, type Conversation, type Message } from '../src/protocol/index.js';
import { fmtInt, median, table } from './stats.js';

const rounds = Number(process.argv[process.argv.indexOf('--rounds') + 1]) || 5;
const dir = mkdtempSync(join(tmpdir(), 'pin-objects-'));
const databases: LibsqlBinding[] = [];
const UNLIMITED = { rateBurst: 1e9, ratePerSecond: 1e9, frameBurst: 1e9, framesPerSecond: 1e9 };

function db(name: string): LibsqlBinding {
  const binding = openLibsql(join(dir, `${name}.db`));
  databases.push(binding);
  return binding;
}

/** A socket that counts what it is sent. */
function socket(user: string, id = user): Connection & { bytes: number } {
  const conn = { id, user, bytes: 0, send: (frame: string) => void (conn.bytes += frame.length), close: () => {} };
  return conn;
}

/** Median of `rounds` rounds of microseconds per operation. */
function measure(ops: number, run: (i: number) => void): number {
  const perRound: number[] = [];
  let i = 0;
  for (let r = 0; r <= rounds; r++) {
    const started = process.hrtime.bigint();
    for (let k = 0; k < ops; k++) run(i++);
    const us = Number(process.hrtime.bigint() - started) / 1000 / ops;
    if (r > 0) perRound.push(us); // the first round warms up
  }
  return median(perRound);
}

const text = (i: number) => ({ kind: 'text', text: `message number ${i} about the blue kitchen pin` });
const rows: string[][] = [['operation', 'object', 'µs/op (median)', 'ops/s of one core']];
const row = (name: string, object: string, us: number) => rows.push([name, object, us.toFixed(1), fmtInt(1e6 / us)]);

// A conversation object: a group of 10, each member with one socket (its inbox, in the split).
{
  const members = Array.from({ length: 10 }, (_, i) => `m${i}`);
  const facts = new FactsDirectory({ users: members.map((id) => ({ id, name: id })), blocks: [], follows: [] });
  const core = new ChatCore({ directory: facts, conversations: new SqlConversations(db('conversation')), limits: UNLIMITED });
  const sockets = members.map((m) => socket(m));
  sockets.forEach((s) => core.open(s));
  const conv = newGroupId();
  core.receive(sockets[0], JSON.stringify({ t: 'send', conv, id: 'first-message', to: members.slice(1), body: text(0) }));
  row('send in a group of 10 (store, ack, 9 deliveries)', 'conversation', measure(2_000, (i) => core.receive(sockets[i % 10], JSON.stringify({ t: 'send', conv, id: `id-${i}`.padEnd(12, '-'), body: text(i) }))));
  row('read marker in a group of 10', 'conversation', measure(2_000, (i) => core.receive(sockets[i % 10], JSON.stringify({ t: 'read', conv, seq: 1 + Math.floor(i / 10) }))));
  row('history page of 50', 'conversation', measure(500, (i) => core.receive(sockets[i % 10], JSON.stringify({ t: 'history', conv, limit: 50 }))));
}

// An inbox: one person in 500 conversations, kept as the views the conversations delivered.
{
  const me = 'ana';
  const sql = db('inbox');
  const people = new InboxDirectory(sql, me);
  const store = new InboxList(sql, me, people);
  people.cacheUsers([{ id: me, name: 'Ana' }]);
  const at = Date.now();
  for (let c = 0; c < 500; c++) {
    const members = [me, ...Array.from({ length: c % 10 === 0 ? 9 : 1 }, (_, k) => `p${c}-${k}`)];
    people.cacheUsers(members.map((id) => ({ id, name: `Person ${id}` })));
    const view: Conversation = { id: `g:conv${c}`, kind: 'group', members, createdBy: me, createdAt: at, lastSeq: 0, unread: 0, muted: false, reads: {} };
    store.apply(view.id, { frame: JSON.stringify({ t: 'conv', conv: view }) });
  }
  let seq = 0;
  const delivery = (i: number) => {
    const m: Message = { seq: ++seq, id: `id-${i}`.padEnd(12, '-'), from: 'p0-0', at: at + i, body: { kind: 'text', text: `message ${i}` } };
    return { frame: JSON.stringify({ t: 'msg', conv: 'g:conv0', m }), seq: m.seq };
  };
  row('apply a delivered message (list + unread)', 'inbox', measure(2_000, (i) => store.apply('g:conv0', delivery(i))));
  const core = new ChatCore({ directory: people, conversations: store, limits: UNLIMITED });
  const conn = socket(me);
  core.open(conn);
  conn.bytes = 0;
  row('hello in 500 conversations (welcome)', 'inbox', measure(20, () => core.receive(conn, '{"t":"hello","v":1}')));
  console.info(`welcome for 500 conversations: ${fmtInt(conn.bytes / (20 * (rounds + 1)))} characters`);
}

// The directory: profiles of everyone, searched for the contact picker.
{
  const store = new SqlDirectory(db('directory'));
  for (let i = 0; i < 10_000; i++) store.putUser({ id: `user${i}`, name: `Person ${i} ${i % 7 === 0 ? 'Rosa' : 'Lind'}` });
  row('search 10,000 profiles (60 rows)', 'directory', measure(200, (i) => store.searchUsers(`Person ${i % 100}`, 60)));
  row('10 profiles by id', 'directory', measure(2_000, (i) => Array.from({ length: 10 }, (_, k) => store.getUser(`user${(i * 10 + k) % 10_000}`))));
  row('profile update', 'directory', measure(2_000, (i) => store.putUser({ id: `user${i % 10_000}`, name: `Renamed ${i}` })));
}

// The embedded server's own store, for comparison: the same welcome computed from messages.
{
  const me = 'ana';
  const store = new SqlStorage(db('embedded'));
  store.putUser({ id: me, name: 'Ana' });
  const at = Date.now();
  for (let c = 0; c < 500; c++) {
    const other = `p${c}`;
    store.putUser({ id: other, name: `Person ${other}` });
    const id = `g:conv${c}`;
    store.createConversation({ id, kind: 'group', members: [me, other], createdBy: me, createdAt: at, lastSeq: 0 });
    for (let k = 0; k < 20; k++) store.append(id, k % 2 ? me : other, `id-${c}-${k}`.padEnd(12, '-'), { kind: 'text', text: `m${k}` }, at + k);
  }
  const core = new ChatCore({ storage: store, limits: UNLIMITED });
  const conn = socket(me);
  core.open(conn);
  row('hello in 500 conversations of 20 messages', 'embedded server', measure(20, () => core.receive(conn, '{"t":"hello","v":1}')));
}

console.info(`\n${table(rows)}\n\nmedian of ${rounds} rounds after one warm-up round; node ${process.version}, libsql on a temporary file`);
await Promise.all(databases.map((d) => d.close()));
rmSync(dir, { recursive: true, force: true });
