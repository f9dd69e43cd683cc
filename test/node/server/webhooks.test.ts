// Webhooks: each event type once with its payload, signed; notification.due
// within its window and daily cap, also across a restart.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { directConversationId, randomId } from '../../../src/protocol/index.js';
import type { PinServer } from '../../../server/node/server.js';
import { signatureHeader, verifySignature } from '../../../server/shared/webhooks/signature.js';
import { closeAll, TestClient, uid } from '../../conformance/client.js';
import { waitFor } from '../support/wait.js';
import { HOOK_SECRET, Receiver, startWithWebhooks } from './webhooks-support.js';

describe('webhook signatures', () => {
  test('a signature verifies for its body and time, and not for another body, secret or an old time', async () => {
    const body = '{"id":"evt_1","type":"message.created"}';
    const header = await signatureHeader(HOOK_SECRET, 1_700_000_000, body);
    assert.match(header, /^t=1700000000,v1=[0-9a-f]{64}$/);
    assert.equal(await verifySignature(HOOK_SECRET, header, body, 1_700_000_100), true);
    assert.equal(await verifySignature(HOOK_SECRET, header, body.replace('1', '2'), 1_700_000_100), false);
    assert.equal(await verifySignature(`${HOOK_SECRET}x`, header, body, 1_700_000_100), false);
    assert.equal(await verifySignature(HOOK_SECRET, header, body, 1_700_000_301), false, 'older than 5 minutes');
    assert.equal(await verifySignature(HOOK_SECRET, header.replace('t=1700000000', 't=1700000001'), body, 1_700_000_100), false);
  });
});

describe('webhook events', () => {
  let receiver: Receiver;
  let server: PinServer;
  before(async () => {
    receiver = await Receiver.start();
    server = await startWithWebhooks(receiver);
  });
  after(async () => {
    await server.close();
    await receiver.down();
  });

  test('every change point fires its event once, signed, with a stable id and the conversation seq', async () => {
    const [ana, ben, cy] = [uid('ana'), uid('ben'), uid('cy')];
    server.storage.putUser({ id: ben, name: 'Ben' });
    server.storage.putUser({ id: cy, name: 'Cy' });
    const a = await TestClient.connect(server, ana);
    const dm = directConversationId(ana, ben);
    const first = await a.sendText(dm, 'hello Ben', { to: [ben] });
    assert.equal(first.t, 'ack');

    const b = await TestClient.connect(server, ben);
    const group = `g:${randomId(16)}`;
    assert.equal((await a.sendText(group, 'hello all', { to: [ben, cy], title: 'Team' })).t, 'ack');
    assert.equal((await b.request({ t: 'leave', conv: group })).t, 'ok');
    assert.equal((await a.request({ t: 'report', conv: dm, seq: 1, reason: 'spam' })).t, 'ok');
    assert.equal((await a.request({ t: 'block', user: cy, blocked: true })).t, 'ok');
    assert.equal((await a.request({ t: 'block', user: cy, blocked: true })).t, 'ok', 'a repeated block is no change');
    // A resent message is acknowledged again but is no new event.
    const dup = await a.sendText(dm, 'again', {});
    assert.equal(dup.t, 'ack');

    await waitFor('8 events', () => receiver.processed.length >= 8);
    await new Promise((r) => setTimeout(r, 200));
    const mine = receiver.processed.filter((e) => e.conv === dm || e.conv === group || e.type === 'user.blocked');
    const count = (type: string) => mine.filter((e) => e.type === type).length;
    assert.deepEqual(
      { created: count('conversation.created'), messages: count('message.created'), left: count('member.left'), reports: count('report.created'), blocks: count('user.blocked') },
      { created: 2, messages: 3, left: 1, reports: 1, blocks: 1 },
    );
    assert.equal(receiver.badSignatures, 0);
    assert.equal(new Set(receiver.requests.map((r) => r.event.id)).size, receiver.processed.length, 'each id delivered once');

    const [dmCreated] = receiver.of('conversation.created').filter((e) => e.conv === dm);
    assert.deepEqual(dmCreated.data, { kind: 'direct', members: [ana, ben], createdBy: ana });
    assert.equal(dmCreated.seq, 0);
    const [groupCreated] = receiver.of('conversation.created').filter((e) => e.conv === group);
    assert.deepEqual(groupCreated.data, { kind: 'group', members: [ana, ben, cy], createdBy: ana, title: 'Team' });

    const dmMessages = receiver.of('message.created').filter((e) => e.conv === dm);
    assert.equal(dmMessages[0].seq, 1);
    assert.deepEqual(dmMessages[0].data.offline, [ben], 'Ben had no socket then');
    assert.deepEqual(dmMessages[0].data.message.body, { kind: 'text', text: 'hello Ben' });
    assert.equal(dmMessages[0].data.message.from, ana);
    const [groupMessage] = receiver.of('message.created').filter((e) => e.conv === group);
    assert.deepEqual(groupMessage.data.offline, [cy], 'Ben was online, Cy was not');
    assert.deepEqual(groupMessage.data.members, [ana, ben, cy]);

    const [left] = receiver.of('member.left');
    assert.deepEqual({ conv: left.conv, seq: left.seq, data: left.data }, { conv: group, seq: 1, data: { user: ben, members: [ana, cy] } });
    const [report] = receiver.of('report.created');
    const { report: reportId, ...reported } = report.data as { report: string };
    assert.deepEqual({ conv: report.conv, data: reported }, { conv: dm, data: { reporter: ana, seq: 1, reason: 'spam' } });
    // The id the moderation routes take: the stored report is that one.
    assert.match(reportId, /^r_/);
    assert.ok(server.storage.reports(1000).some((r) => r.id === reportId && r.conv === dm && r.seq === 1));
    const [block] = receiver.of('user.blocked');
    assert.deepEqual(block.data, { user: ana, other: cy, blocked: true });
    assert.equal(block.conv, undefined);
    assert.ok(mine.every((e) => /^evt_/.test(e.id) && typeof e.at === 'number'));
    await closeAll(a, b);
  });

  test('a refused send records nothing', async () => {
    const [ana, ghost] = [uid('ana'), uid('ghost')];
    const a = await TestClient.connect(server, ana);
    const before = server.webhooks!.counts();
    const refused = await a.sendText(directConversationId(ana, ghost), 'hi', { to: [ghost] });
    assert.equal(refused.t, 'error');
    await new Promise((r) => setTimeout(r, 100));
    const now = server.webhooks!.counts();
    assert.equal(now.pending + now.delivered + now.dead, before.pending + before.delivered + before.dead);
    await a.close();
  });
});

describe('notification.due', () => {
  const MINUTE = 60_000;
  let offset = 0;
  const now = () => Date.now() + offset;

  test('once per conversation per window, only while offline, not when muted, capped per day, not repeated after a restart', async () => {
    const receiver = await Receiver.start();
    receiver.clock = () => now() / 1000;
    const dbPath = join(mkdtempSync(join(tmpdir(), 'pin-notify-')), 'chat.db');
    const options = { now, scanEveryMs: 3_600_000, notifyAfterMs: 10 * MINUTE, notifyPerDay: 4 };
    let server = await startWithWebhooks(receiver, options, { dbPath });
    const [ana, ben, cy, dee] = [uid('ana'), uid('ben'), uid('cy'), uid('dee')];
    for (const id of [ben, cy, dee]) server.storage.putUser({ id, name: id });
    let a = await TestClient.connect(server, ana);
    const d = await TestClient.connect(server, dee);
    const groups = [0, 1, 2, 3].map(() => `g:${randomId(16)}`);
    for (const g of groups) assert.equal((await a.sendText(g, 'news', { to: [ben, cy, dee] })).t, 'ack');
    server.storage.setMuted(groups[0], cy, true);
    // Deliveries signed before the clock moves would be too old for the receiver.
    await settled(server);

    offset = 9 * MINUTE;
    assert.equal(server.webhooks!.scan(), 0, 'not yet 10 minutes');
    offset = 11 * MINUTE;
    // Ben: 4 (the daily cap); Cy: 3 (group 0 muted); Dee is online; Ana wrote them.
    assert.equal(server.webhooks!.scan(), 7);
    assert.equal(server.webhooks!.scan(), 0, 'once per window');
    await waitFor('7 notifications', () => receiver.of('notification.due').length === 7);
    const due = receiver.of('notification.due');
    assert.deepEqual(due.map((e) => e.data.user).sort(), [ben, ben, ben, ben, cy, cy, cy].sort());
    assert.ok(due.every((e) => e.data.unread === 1 && e.seq === 1 && e.data.since <= now() - 10 * MINUTE));
    assert.ok(!due.some((e) => e.data.user === cy && e.conv === groups[0]), 'muted');
    assert.equal(receiver.badSignatures, 0);

    // Dee reads everything before going offline with the restart.
    for (const g of groups) d.send({ t: 'read', conv: g, seq: 1 });
    await new Promise((r) => setTimeout(r, 100));
    await closeAll(a, d);
    await settled(server);
    await server.close();
    server = await startWithWebhooks(receiver, options, { dbPath });
    offset = 25 * MINUTE;
    assert.equal(server.webhooks!.scan(), 0, 'nothing new since the notices, which survived the restart');

    a = await TestClient.connect(server, ana);
    const cyUnnotified = groups.find((g) => g !== groups[0] && !due.some((e) => e.data.user === cy && e.conv === g));
    assert.equal(cyUnnotified, undefined, 'Cy was notified about every unmuted group');
    assert.equal((await a.sendText(groups[1], 'more news')).t, 'ack');
    await a.close();
    await settled(server);
    // Ben is at the cap; Cy hears of the new message of group 1 (the window has passed), and so does
    // Dee, offline now with it unread.
    assert.equal(server.webhooks!.scan(), 2);
    await waitFor('9 notifications', () => receiver.of('notification.due').length === 9);
    const last = receiver
      .of('notification.due')
      .slice(7)
      .map((e) => ({ user: e.data.user, conv: e.conv, seq: e.seq, unread: e.data.unread }))
      .sort((x, y) => x.user.localeCompare(y.user));
    assert.deepEqual(last, [
      { user: cy, conv: groups[1], seq: 2, unread: 2 },
      { user: dee, conv: groups[1], seq: 2, unread: 1 },
    ]);
    assert.equal(server.webhooks!.scan(), 0);
    await server.close();
    await receiver.down();
  });
});

/** Waits until the outbox has nothing pending or in flight. */
async function settled(server: PinServer): Promise<void> {
  await waitFor('the outbox to drain', () => {
    const counts = server.webhooks!.counts();
    return counts.pending === 0 && counts.inFlight === 0;
  });
}
