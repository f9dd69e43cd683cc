// The conversation panel's windowing arithmetic: offsets from estimated and
// measured heights, kept across appends, older history added above and rows
// changing in between; and the row builder's incremental builds.
import { expect } from '@open-wc/testing';
import { RowBuilder, RowsAhead, type MessageRow, type Row } from '../../../src/elements/conversation-panel/rows.js';
import type { OutboxEntry } from '../../../src/state/outbox.js';
import { VirtualRows } from '../../../src/elements/internal/windowing/virtual-rows.js';
import type { Message } from '../../../src/protocol/index.js';

interface Item {
  key: string;
  size: number;
}

const item = (key: string, size = 10): Item => ({ key, size });
const items = (from: number, to: number, size = 10) => Array.from({ length: to - from }, (_, i) => item(`m${from + i}`, size));
const geometry = () => new VirtualRows<Item>((i) => i.size);

describe('VirtualRows', () => {
  it('sums estimates, and measurements replace them', () => {
    const g = geometry();
    g.setRows(items(0, 5));
    expect(g.total).to.equal(50);
    expect(g.offsetOf(3)).to.equal(30);
    expect(g.measureAt(1, 25), 'a different height').to.equal(true);
    expect(g.measureAt(1, 25.2), 'the same height, give or take').to.equal(false);
    expect(g.offsetOf(3)).to.equal(45);
    expect(g.total).to.equal(65);
    expect(g.differs(1, 25)).to.equal(false);
    expect(g.differs(1, 30)).to.equal(true);
  });

  it('finds the rows that cover a stretch of the list', () => {
    const g = geometry();
    g.setRows(items(0, 100));
    g.measureAt(10, 110); // row 10 spans 100..210
    expect(g.indexAt(0)).to.equal(0);
    expect(g.indexAt(150)).to.equal(10);
    expect(g.indexAt(215)).to.equal(11);
    expect(g.indexAt(1e9)).to.equal(99);
    expect(g.range(150, 229)).to.deep.equal({ start: 10, end: 13 });
    expect(g.range(150, 230), 'a row starting at the bottom edge counts').to.deep.equal({ start: 10, end: 14 });
    expect(g.range(-50, -10)).to.deep.equal({ start: 0, end: 1 });
  });

  it('keeps measured heights when messages are appended', () => {
    const g = geometry();
    const rows = items(0, 1000);
    g.setRows(rows);
    g.measureAt(998, 40);
    g.measureAt(999, 60);
    g.setRows([...rows, item('m1000'), item('m1001', 30)]);
    expect(g.offsetOf(999)).to.equal(998 * 10 + 40);
    expect(g.total).to.equal(998 * 10 + 40 + 60 + 10 + 30);
  });

  it('keeps measured heights, by row, when older history is added above', () => {
    const g = geometry();
    const rows = items(100, 200);
    g.setRows(rows);
    g.measureAt(0, 50); // m100
    g.measureAt(99, 70); // m199
    expect(g.total).to.equal(98 * 10 + 50 + 70);
    g.setRows([...items(50, 100, 20), ...rows]);
    expect(g.keyAt(50)).to.equal('m100');
    expect(g.offsetOf(50)).to.equal(50 * 20);
    expect(g.offsetOf(51)).to.equal(50 * 20 + 50);
    expect(g.total).to.equal(50 * 20 + 98 * 10 + 50 + 70);
    expect(g.indexOf('m199', 99)).to.equal(149);
  });

  it('takes a changed row anew, and a measured row that moved by its key', () => {
    const g = geometry();
    g.setRows([item('a'), item('b'), item('c'), item('d')]);
    g.measureAt(2, 33); // c
    // "b" changed (say its delivery state), "x" was inserted before "c".
    g.setRows([item('a'), item('b', 20), item('x', 5), item('c'), item('d')]);
    expect(g.offsetOf(2)).to.equal(30);
    expect(g.offsetOf(3)).to.equal(35);
    expect(g.offsetOf(4), 'c kept its measured height').to.equal(68);
    // The whole list replaced, "c" among the new rows: still known by key.
    g.setRows([item('p'), item('c'), item('q')]);
    expect(g.offsetOf(2)).to.equal(43);
    expect(g.total).to.equal(53);
  });

  it('skips a prefix vouched for against the list it holds, and only against that list', () => {
    const g = geometry();
    const rows = items(0, 1000);
    g.setRows(rows);
    g.measureAt(999, 60);
    const appended = [...rows, item('m1000', 30)];
    g.setRows(appended, { previous: rows, length: 1000 });
    expect(g.total).to.equal(999 * 10 + 60 + 30);
    // Row 5 replaced; the prefix is vouched for against a list the geometry no longer holds: not trusted.
    const changed = appended.map((r, i) => (i === 5 ? item('z', 50) : r));
    g.setRows(changed, { previous: rows, length: 1001 });
    expect(g.offsetOf(6), 'the new row 5 was looked at').to.equal(5 * 10 + 50);
    expect(g.total).to.equal(998 * 10 + 50 + 60 + 30);
  });

  it('skips a suffix vouched for against the list it holds, and only against that list', () => {
    const g = geometry();
    const rows = items(100, 1100);
    g.setRows(rows);
    g.measureAt(0, 50); // m100
    g.measureAt(999, 60); // m1099
    const joined = [...items(50, 100, 20), ...rows];
    g.setRows(joined, { previous: rows, length: 0, tail: 1000 });
    expect(g.offsetOf(51), 'm100 kept its measured height').to.equal(50 * 20 + 50);
    expect(g.total).to.equal(50 * 20 + 50 + 998 * 10 + 60);
    // Row m105 replaced; the suffix is vouched for against a list the geometry no longer holds: not trusted.
    const changed = [...items(0, 50, 20), ...joined.map((r) => (r.key === 'm105' ? item('z', 45) : r))];
    g.setRows(changed, { previous: rows, length: 0, tail: 1000 });
    expect(g.keyAt(105)).to.equal('z');
    expect(g.offsetOf(106), 'the new row was looked at').to.equal(100 * 20 + 50 + 4 * 10 + 45);
  });

  it('is told by the row builder which rows an older page kept', () => {
    const message = (seq: number, from = 'bob'): Message => ({ seq, id: `c${seq}`, from, at: Date.UTC(2026, 0, 1, 12, seq), body: { kind: 'text', text: `m${seq}` } });
    const entry = (id: string): OutboxEntry => ({ id, user: 'ada', conv: 'c', body: { kind: 'text', text: id }, createdAt: Date.UTC(2026, 0, 1, 13), state: 'sending', attempts: 1 });
    const messages = Array.from({ length: 30 }, (_, i) => message(i + 1, i % 3 ? 'bob' : 'ada'));
    const builder = new RowBuilder();
    const pending = [entry('p1')];
    const first = builder.build({ messages: messages.slice(10), pending, me: 'ada', hasOlder: true, seenUpTo: 0 });
    const second = builder.build({ messages, pending, me: 'ada', hasOlder: true, seenUpTo: 0 });
    const kept = builder.kept!;
    expect(kept.previous).to.equal(first);
    expect(kept.length).to.equal(0);
    expect(kept.tail, 'the rows below the join and the unsent one').to.equal(first.length - 2);
    expect(second.slice(-kept.tail!).map((r) => r.key)).to.deep.equal(first.slice(-kept.tail!).map((r) => r.key));
    // Another unsent message at the same time: the suffix is not vouched for.
    const older = Array.from({ length: 10 }, (_, i) => message(i - 9, 'bob'));
    builder.build({ messages: [...older, ...messages], pending: [...pending, entry('p2')], me: 'ada', hasOlder: true, seenUpTo: 0 });
    expect(builder.kept?.tail ?? 0).to.equal(0);
  });

  it('is told by the row builder which rows an append kept', () => {
    const message = (seq: number, from = 'bob'): Message => ({ seq, id: `c${seq}`, from, at: Date.UTC(2026, 0, 1, 12, seq), body: { kind: 'text', text: `m${seq}` } });
    const builder = new RowBuilder();
    const messages = Array.from({ length: 10 }, (_, i) => message(i + 1, i % 3 ? 'bob' : 'ada'));
    const first = builder.build({ messages, pending: [], me: 'ada', hasOlder: true, seenUpTo: 0 });
    expect(builder.kept, 'nothing to keep on a first build').to.equal(undefined);
    const second = builder.build({ messages: [...messages, message(11)], pending: [], me: 'ada', hasOlder: true, seenUpTo: 0 });
    const kept = builder.kept!;
    expect(kept.previous).to.equal(first);
    expect(kept.length).to.be.greaterThan(10);
    expect(second.slice(0, kept.length).map((r) => r.key)).to.deep.equal(first.slice(0, kept.length).map((r) => r.key));
    builder.build({ messages: [...messages, message(11)], pending: [], me: 'ada', hasOlder: false, seenUpTo: 0 });
    expect(builder.kept, 'rebuilt from the start: nothing vouched for').to.equal(undefined);
  });

  it('forgets everything for another conversation', () => {
    const g = geometry();
    g.setRows(items(0, 3));
    g.measureAt(0, 99);
    g.forget();
    expect(g.count).to.equal(0);
    expect(g.total).to.equal(0);
    g.setRows(items(0, 3));
    expect(g.total).to.equal(30);
  });
});

describe('RowBuilder', () => {
  const MINUTE = 60_000;
  // Gaps within a sender group's reach and beyond it, and some of hours, so the history spans days.
  const GAPS = [1, 2, 7, 1, 180, 3, 1, 540].map((m) => m * MINUTE);
  const SENDERS = ['ada', 'bob', 'bob', 'ada', 'ada', 'cy', 'bob'];
  const history = (count: number): Message[] => {
    let at = Date.UTC(2026, 2, 1, 20, 0);
    return Array.from({ length: count }, (_, i) => {
      at += GAPS[i % GAPS.length];
      return { seq: i + 1, id: `c${i + 1}`, from: SENDERS[i % SENDERS.length], at, body: { kind: 'text', text: `m${i + 1}` } };
    });
  };
  const build = (builder: RowBuilder, messages: Message[], hasOlder: boolean): Row[] =>
    builder.build({ messages, pending: [], me: 'ada', hasOlder, seenUpTo: 20 });

  it('joins older messages above its rows exactly as a build from scratch would, keeping the rows below the join', () => {
    const messages = history(48);
    for (const hasOlder of [true, false]) {
      for (let split = 1; split < messages.length; split++) {
        const builder = new RowBuilder();
        const before = build(builder, messages.slice(split), true);
        const after = build(builder, messages, hasOlder);
        expect(after, `older messages 1-${split} joined`).to.deep.equal(build(new RowBuilder(), messages, hasOlder));
        // Past the loader, the day separator and the first message (which the join may change), the rows are the same objects.
        const below = before.slice(3);
        expect(after.slice(after.length - below.length).every((row, i) => row === below[i]), `rows below the join at ${split}`).to.equal(true);
      }
    }
  });

  it('joins rows built ahead (in slices, finished or not) exactly as it would have built them, and ignores rows of other messages', () => {
    const messages = history(600);
    for (const split of [1, 7, 300, 599]) {
      for (const finished of [true, false]) {
        const builder = new RowBuilder();
        build(builder, messages.slice(split), true);
        const ahead = new RowsAhead(messages, split, 'ada');
        if (finished) expect(ahead.step(Infinity), 'all built').to.equal(true);
        builder.ahead = ahead;
        expect(build(builder, messages, false), `ahead for 1-${split}, ${finished ? 'finished' : 'not started'}`).to.deep.equal(
          build(new RowBuilder(), messages, false),
        );
        expect(builder.ahead, 'used once').to.equal(undefined);
      }
    }
    // Rows built ahead for other messages (another history, or another reader) are not joined.
    const builder = new RowBuilder();
    build(builder, messages.slice(300), true);
    const other = history(600).map((m) => ({ ...m, body: { kind: 'text' as const, text: 'other' } }));
    const stale = new RowsAhead(other, 300, 'ada');
    stale.step(Infinity);
    builder.ahead = stale;
    expect(build(builder, messages, false)).to.deep.equal(build(new RowBuilder(), messages, false));
  });
  it('shows one row for a message both stored and still in the outbox (before its ack), with its delivery', () => {
    const messages = history(30);
    const own = messages.filter((m) => m.from === 'ada').slice(-2);
    const entry = (id: string, createdAt: number): OutboxEntry => ({ id, user: 'ada', conv: 'c', body: { kind: 'text', text: id }, createdAt, state: 'sending', attempts: 1 });
    // The last two of ada's messages are stored, and their acks have not come; a third is not stored yet.
    const pending = [...own.map((m) => entry(m.id, m.at)), entry('unsent', messages.at(-1)!.at + MINUTE)];
    const rows = new RowBuilder().build({ messages, pending, me: 'ada', hasOlder: false, seenUpTo: 0 });
    const keys = rows.map((r) => r.key);
    expect(new Set(keys).size, 'every key once').to.equal(keys.length);
    expect(keys.filter((k) => k === `ada:${own[1].id}`)).to.have.length(1);
    expect(keys.at(-1), 'the unsent one last').to.equal('ada:unsent');
    const alone = new RowBuilder().build({ messages, pending: pending.slice(0, 2), me: 'ada', hasOlder: false, seenUpTo: 0 });
    expect((alone.find((r) => r.key === `ada:${own[1].id}`) as MessageRow).delivery, 'nothing unsent: the last own one says Sent').to.equal('sent');
  });
});

