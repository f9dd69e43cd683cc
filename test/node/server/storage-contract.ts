import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ChatStorage, ConversationRecord, ReportRecord, StoredBody } from '../../../src/core/types.js';

export type ContractStorage = ChatStorage & { reports(limit?: number): ReportRecord[] };

const text = (t: string): StoredBody => ({ kind: 'text', text: t });

function group(id: string, members: string[], createdAt = 1000): ConversationRecord {
  return { id, kind: 'group', members, title: 'Trip', createdBy: members[0], createdAt, lastSeq: 0 };
}

/** The ChatStorage contract, run against every implementation. */
export function storageContract(name: string, make: () => ContractStorage): void {
  test(`${name}: profiles are stored without empty fields and updated in place`, () => {
    const s = make();
    s.putUser({ id: 'ana', name: 'Ana', brand: false });
    assert.deepEqual(s.getUser('ana'), { id: 'ana', name: 'Ana' });
    s.putUser({ id: 'ana', name: 'Ana S.', avatar: 'https://img.example/a.png', brand: true });
    assert.deepEqual(s.getUser('ana'), { id: 'ana', name: 'Ana S.', avatar: 'https://img.example/a.png', brand: true });
    assert.equal(s.getUser('nobody'), undefined);
  });

  test(`${name}: directory search matches id or name, any case, ordered by name, limited`, () => {
    const s = make();
    for (const [id, n] of [['zed', 'Zed Allen'], ['al', 'Albert'], ['bo', 'Bo Alvarez'], ['cy', 'Cy'], ['pct', '100% Pure']]) {
      s.putUser({ id, name: n });
    }
    assert.deepEqual(s.searchUsers('AL', 10).map((u) => u.id), ['al', 'bo', 'zed']);
    assert.deepEqual(s.searchUsers('al', 2).map((u) => u.id), ['al', 'bo']);
    assert.deepEqual(s.searchUsers('cy', 10).map((u) => u.id), ['cy']);
    assert.deepEqual(s.searchUsers('%', 10).map((u) => u.id), ['pct'], 'a % in the query is literal');
    assert.equal(s.searchUsers('', 10).length, 5);
  });

  test(`${name}: conversations keep members in order; reads of a record are copies`, () => {
    const s = make();
    s.createConversation(group('g:aaaaaaaa', ['ana', 'ben', 'cy']));
    const got = s.getConversation('g:aaaaaaaa')!;
    assert.deepEqual(got, group('g:aaaaaaaa', ['ana', 'ben', 'cy']));
    got.members.push('mallory');
    assert.deepEqual(s.getConversation('g:aaaaaaaa')!.members, ['ana', 'ben', 'cy']);
    s.removeMember('g:aaaaaaaa', 'ben');
    s.addMember('g:aaaaaaaa', 'dee');
    s.addMember('g:aaaaaaaa', 'dee');
    assert.deepEqual(s.getConversation('g:aaaaaaaa')!.members, ['ana', 'cy', 'dee']);
    assert.deepEqual(s.conversationsOf('ben'), []);
    assert.equal(s.getConversation('g:missing1'), undefined);
    const direct: ConversationRecord = { id: 'dm:ana:ben', kind: 'direct', members: ['ana', 'ben'], createdBy: 'ana', createdAt: 5, lastSeq: 0 };
    s.createConversation(direct);
    assert.deepEqual(s.getConversation('dm:ana:ben'), direct, 'no title on a direct conversation');
  });

  test(`${name}: conversationsOf lists newest activity first`, () => {
    const s = make();
    s.createConversation(group('g:first111', ['ana', 'ben'], 1000));
    s.createConversation(group('g:second22', ['ana', 'cy'], 2000));
    s.createConversation(group('g:other333', ['ben', 'cy'], 3000));
    assert.deepEqual(s.conversationsOf('ana').map((c) => c.id), ['g:second22', 'g:first111']);
    s.append('g:first111', 'ben', 'msg-00001', text('hi'), 4000);
    const list = s.conversationsOf('ana');
    assert.deepEqual(list.map((c) => c.id), ['g:first111', 'g:second22']);
    assert.equal(list[0].lastSeq, 1);
    assert.deepEqual(list[0].members, ['ana', 'ben']);
  });

  test(`${name}: append numbers messages without gaps and stores each client id once`, () => {
    const s = make();
    s.createConversation(group('g:seqseqsq', ['ana', 'ben']));
    const pin: StoredBody = {
      kind: 'pin',
      pin: { url: 'https://shop.example/p', image: 'https://img.example/i.jpg', title: 'Lamp', domain: 'shop.example' },
      note: 'for you',
    };
    const first = s.append('g:seqseqsq', 'ana', 'client-0001', text('one'), 10);
    const second = s.append('g:seqseqsq', 'ben', 'client-0001', pin, 11);
    const again = s.append('g:seqseqsq', 'ana', 'client-0001', text('one, resent'), 12);
    const third = s.append('g:seqseqsq', 'ana', 'client-0002', text('three'), 13);
    assert.deepEqual(first, { duplicate: false, message: { seq: 1, id: 'client-0001', from: 'ana', at: 10, body: text('one') } });
    assert.equal(second.message.seq, 2, 'the same client id from another sender is another message');
    assert.deepEqual(again, { duplicate: true, message: first.message });
    assert.equal(third.message.seq, 3);
    assert.equal(s.getConversation('g:seqseqsq')!.lastSeq, 3);
    assert.deepEqual(s.getMessage('g:seqseqsq', 2)!.body, pin);
    assert.deepEqual(s.findByClientId('g:seqseqsq', 'ben', 'client-0001'), second.message);
    assert.equal(s.findByClientId('g:seqseqsq', 'cy', 'client-0001'), undefined);
    assert.equal(s.getMessage('g:seqseqsq', 4), undefined);
  });

  test(`${name}: history slices after and before a sequence number, ascending`, () => {
    const s = make();
    s.createConversation(group('g:history1', ['ana', 'ben']));
    for (let i = 1; i <= 10; i++) s.append('g:history1', 'ana', `client-${String(i).padStart(4, '0')}`, text(`m${i}`), i);
    const seqs = (list: { seq: number }[]) => list.map((m) => m.seq);
    assert.deepEqual(seqs(s.messagesAfter('g:history1', 0, 3)), [1, 2, 3]);
    assert.deepEqual(seqs(s.messagesAfter('g:history1', 8, 5)), [9, 10]);
    assert.deepEqual(seqs(s.messagesAfter('g:history1', 10, 5)), []);
    assert.deepEqual(seqs(s.messagesBefore('g:history1', 11, 3)), [8, 9, 10]);
    assert.deepEqual(seqs(s.messagesBefore('g:history1', 4, 5)), [1, 2, 3]);
    assert.deepEqual(seqs(s.messagesBefore('g:history1', 1, 5)), []);
    assert.deepEqual(seqs(s.messagesBefore('g:history1', 1000, 2)), [9, 10]);
    assert.deepEqual(s.messagesAfter('g:nothing1', 0, 5), []);
  });

  test(`${name}: read markers only rise; unread counts others' messages after the marker`, () => {
    const s = make();
    s.createConversation(group('g:readsrds', ['ana', 'ben', 'cy']));
    for (let i = 1; i <= 4; i++) s.append('g:readsrds', i % 2 ? 'ana' : 'ben', `client-000${i}`, text('x'), i);
    assert.equal(s.unreadCount('g:readsrds', 'cy'), 4);
    assert.equal(s.unreadCount('g:readsrds', 'ana'), 2, 'own messages are never unread');
    assert.equal(s.setRead('g:readsrds', 'cy', 3), 3);
    assert.equal(s.setRead('g:readsrds', 'cy', 1), 3, 'a marker never goes down');
    assert.equal(s.unreadCount('g:readsrds', 'cy'), 1);
    s.setRead('g:readsrds', 'ana', 2);
    assert.deepEqual(s.reads('g:readsrds'), { ana: 2, cy: 3 });
    s.removeMember('g:readsrds', 'cy');
    assert.deepEqual(s.reads('g:readsrds'), { ana: 2 }, 'markers of people who left are not listed');
  });

  test(`${name}: mutes, blocks, follows and reports`, () => {
    const s = make();
    s.createConversation(group('g:flagsflg', ['ana', 'ben']));
    s.setMuted('g:flagsflg', 'ana', true);
    assert.equal(s.isMuted('g:flagsflg', 'ana'), true);
    assert.equal(s.isMuted('g:flagsflg', 'ben'), false);
    s.setMuted('g:flagsflg', 'ana', false);
    assert.equal(s.isMuted('g:flagsflg', 'ana'), false);

    s.setBlocked('ana', 'ben', true);
    s.setBlocked('ana', 'cy', true);
    assert.deepEqual(s.blockedBy('ana').sort(), ['ben', 'cy']);
    assert.equal(s.eitherBlocked('ben', 'ana'), true);
    assert.equal(s.eitherBlocked('ben', 'cy'), false);
    s.setBlocked('ana', 'ben', false);
    assert.equal(s.eitherBlocked('ana', 'ben'), false);

    s.setFollow('ana', 'ben', true);
    assert.equal(s.follows('ana', 'ben'), true);
    assert.equal(s.follows('ben', 'ana'), false);
    s.setFollow('ana', 'ben', false);
    assert.equal(s.follows('ana', 'ben'), false);

    const first = s.addReport('g:flagsflg', 1, 'ben', 'spam', 50);
    const second = s.addReport('g:flagsflg', 2, 'ben', undefined, 60);
    assert.match(first, /^r_[A-Za-z0-9_-]+$/);
    assert.notEqual(first, second, 'each report has its own id');
    assert.deepEqual(s.reports().map((r) => r.id), [first, second]);
    assert.deepEqual(s.reports().map(({ id: _, ...r }) => r), [
      { conv: 'g:flagsflg', seq: 1, reporter: 'ben', reason: 'spam', at: 50 },
      { conv: 'g:flagsflg', seq: 2, reporter: 'ben', at: 60 },
    ]);
  });

  test(`${name}: a deleted message keeps its seq, id and time in history, and is not unread`, () => {
    const s = make();
    s.createConversation(group('g:tombtomb', ['ana', 'ben']));
    s.append('g:tombtomb', 'ana', 'aaaaaaaa', text('one'), 10);
    s.append('g:tombtomb', 'ana', 'bbbbbbbb', text('two'), 20);
    const dead = s.deleteMessage('g:tombtomb', 2);
    const tomb = { seq: 2, id: 'bbbbbbbb', from: 'ana', at: 20, body: text(''), hidden: 'deleted' };
    assert.deepEqual(dead, tomb);
    assert.deepEqual(s.getMessage('g:tombtomb', 2), tomb);
    assert.deepEqual(s.messagesAfter('g:tombtomb', 0, 10).map((m) => m.hidden ?? 'shown'), ['shown', 'deleted']);
    assert.deepEqual(s.messagesBefore('g:tombtomb', 3, 10)[1], tomb);
    assert.deepEqual(s.findByClientId('g:tombtomb', 'ana', 'bbbbbbbb'), tomb, 'a resend of it is still a duplicate');
    assert.equal(s.append('g:tombtomb', 'ana', 'bbbbbbbb', text('two'), 30).duplicate, true);
    assert.equal(s.unreadCount('g:tombtomb', 'ben'), 1, 'the tombstone is nothing to read');
    assert.equal(s.deleteMessage('g:tombtomb', 9), undefined);
    assert.deepEqual(s.deleteMessage('g:tombtomb', 1, 'deleted'), { ...tomb, seq: 1, id: 'aaaaaaaa', at: 10, from: 'deleted' });
  });

  test(`${name}: erasing a member tombstones their messages and forgets them; a direct conversation goes whole`, () => {
    const s = make();
    s.createConversation({ ...group('g:eraseme1', ['zed', 'ana', 'ben']), createdBy: 'zed' });
    s.append('g:eraseme1', 'zed', 'zzzzzzz1', text('z1'), 10);
    s.append('g:eraseme1', 'ana', 'aaaaaaa1', text('a1'), 20);
    s.append('g:eraseme1', 'zed', 'zzzzzzz2', text('z2'), 30);
    s.setRead('g:eraseme1', 'zed', 3);
    s.setMuted('g:eraseme1', 'zed', true);
    s.addReport('g:eraseme1', 2, 'zed', 'rude', 40);
    s.createConversation({ ...group('g:leftone1', ['ana']), createdBy: 'ana' });
    s.addMember('g:leftone1', 'zed');
    s.append('g:leftone1', 'zed', 'zzzzzzz3', text('z3'), 50);
    s.removeMember('g:leftone1', 'zed');
    s.createConversation({ id: 'dm:ben:zed', kind: 'direct', members: ['ben', 'zed'], createdBy: 'zed', createdAt: 1, lastSeq: 0 });
    s.append('dm:ben:zed', 'zed', 'zzzzzzz4', text('z4'), 60);
    s.setRead('dm:ben:zed', 'ben', 1);
    s.addReport('dm:ben:zed', 1, 'ben', undefined, 70);

    assert.deepEqual(s.conversationsTouching!('zed').sort(), ['dm:ben:zed', 'g:eraseme1', 'g:leftone1'], 'a group they left too');
    assert.deepEqual(s.eraseMember!('g:eraseme1', 'zed', 'deleted'), [1, 3]);
    assert.deepEqual(s.eraseMember!('g:leftone1', 'zed', 'deleted'), [1]);
    s.deleteConversation!('dm:ben:zed');

    const record = s.getConversation('g:eraseme1')!;
    assert.deepEqual([record.members, record.createdBy, record.title], [['ana', 'ben'], 'deleted', undefined], "the creator's title goes with them");
    assert.deepEqual(
      s.messagesAfter('g:eraseme1', 0, 10).map((m) => [m.from, m.hidden ?? 'shown']),
      [['deleted', 'deleted'], ['ana', 'shown'], ['deleted', 'deleted']],
    );
    assert.deepEqual(s.reads('g:eraseme1'), {});
    assert.equal(s.isMuted('g:eraseme1', 'zed'), false);
    assert.deepEqual(s.reports().map((r) => [r.conv, r.reporter]), [['g:eraseme1', 'deleted']], "the direct conversation's report went with it");
    assert.equal(s.getConversation('dm:ben:zed'), undefined);
    assert.deepEqual(s.conversationsOf('ben').map((c) => c.id), ['g:eraseme1']);
    assert.deepEqual(s.messagesAfter('dm:ben:zed', 0, 10), []);
    assert.deepEqual(s.conversationsTouching!('zed'), []);
  });

  test(`${name}: forgetting a person removes their profile and every block and follow naming them`, () => {
    const s = make();
    for (const id of ['zed', 'ana', 'ben']) s.putUser({ id, name: id });
    s.setBlocked('zed', 'ana', true);
    s.setBlocked('ben', 'zed', true);
    s.setBlocked('ana', 'ben', true);
    s.setFollow('zed', 'ben', true);
    s.setFollow('ana', 'zed', true);
    s.setFollow('ana', 'ben', true);
    s.forgetUser!('zed');
    assert.equal(s.getUser('zed'), undefined);
    assert.deepEqual([s.blockedBy('zed'), s.blockedBy('ben'), s.blockedBy('ana')], [[], [], ['ben']]);
    assert.deepEqual([s.follows('zed', 'ben'), s.follows('ana', 'zed'), s.follows('ana', 'ben')], [false, false, true]);
    assert.equal(s.eitherBlocked('ben', 'zed'), false);
  });
}
