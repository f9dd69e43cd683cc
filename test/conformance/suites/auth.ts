import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { jwtVerify, SignJWT } from 'jose';
import { WebSocket } from 'ws';
import { ORIGIN, SECRET, type Backend, type TestServer } from '../backend.js';
import { TestClient, uid } from '../client.js';

/** The handshake (B6, B7): Origin, token and room checked before anything is touched; HTTP routes; revocation. */
export function authSuite(backend: Backend): void {
  let server: TestServer;
  before(async () => {
    server = await backend.start();
  });
  after(() => server.stop());

  function sign(sub: string, { secret = SECRET, aud = 'pin-messaging', iss = 'pin-messaging', exp = '1h' } = {}) {
    return new SignJWT({ name: 'Should Not Be Stored' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(sub)
      .setIssuer(iss)
      .setAudience(aud)
      .setIssuedAt()
      .setExpirationTime(exp)
      .sign(new TextEncoder().encode(secret));
  }

  /** Opens a socket with the given handshake and returns its close code; asserts nothing was sent first. */
  async function refusal(user: string, options: Parameters<typeof TestClient.open>[2], on: TestServer = server): Promise<number> {
    const client = await TestClient.open(on, user, options);
    const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('the socket was not closed')), 2000).unref());
    const { code } = await Promise.race([client.closed, timeout]).finally(() => client.ws.terminate());
    assert.deepEqual(client.frames, [], 'no frame before the close');
    assert.equal(await on.getUser(user), undefined, 'nothing was touched for a refused socket');
    return code;
  }

  test('a valid token from an allowed Origin is welcomed with the profile from its claims', async () => {
    const user = uid('ok');
    const client = await TestClient.connect(server, user, { name: 'Ok Person' });
    const welcome = client.frames[0];
    assert.equal(welcome.t === 'welcome' && welcome.me.name, 'Ok Person');
    await client.close();
  });

  test('tokens: expired 4002; forged, foreign audience or issuer, missing or garbage 4001 (B7)', async () => {
    const user = uid('t');
    assert.equal(await refusal(user, { token: await server.issueToken(user, { ttlSeconds: -600 }) }), 4002);
    assert.equal(await refusal(user, { token: await sign(user, { secret: 'another-secret-that-is-also-long-enough' }) }), 4001);
    assert.equal(await refusal(user, { token: await sign(user, { aud: 'other-app' }) }), 4001);
    assert.equal(await refusal(user, { token: await sign(user, { iss: 'someone-else' }) }), 4001);
    assert.equal(await refusal(user, { token: '' }), 4001);
    assert.equal(await refusal(user, { token: 'not.a.jwt' }), 4001);
    const valid = await sign(user);
    const [header, payload] = valid.split('.');
    assert.equal(await refusal(user, { token: `${header}.${payload}.` }), 4001, 'unsigned');
  });

  test('Origins: foreign, look-alike and missing are refused with 4003 (B6)', async () => {
    const user = uid('o');
    const token = await server.issueToken(user);
    for (const origin of ['http://evil.example', 'http://app.example:5173.evil.example', 'https://app.example:5173', 'http://app.example:51730', 'null']) {
      assert.equal(await refusal(user, { token, origin }), 4003, origin);
    }
    const strict = await backend.start({ allowNoOrigin: false });
    try {
      assert.equal(await refusal(user, { token: await strict.issueToken(user), origin: null }, strict), 4003);
      const allowed = await TestClient.connect(strict, uid('p'), { origin: ORIGIN });
      await allowed.close();
    } finally {
      await strict.stop();
    }
  });

  test('a room that is not the token subject is refused with 4004', async () => {
    const user = uid('r');
    assert.equal(await refusal(user, { token: await server.issueToken(user), room: uid('victim') }), 4004);
  });

  test('other parties are not found; plain HTTP gets health, avatars and no dev endpoints', async () => {
    const status = await new Promise<number>((resolve) => {
      const ws = new WebSocket(`${server.url.replace('http', 'ws')}/parties/other/room`);
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('error', () => {});
    });
    assert.equal(status, 404);
    const health = await (await fetch(`${server.url}/health`)).json();
    assert.equal(health.ok, true);
    if (!backend.lacks.connectionCount) assert.equal(typeof health.connections, 'number');
    assert.equal((await fetch(`${server.url}/dev/token?user=ana`)).status, 404, 'dev tokens are off unless asked');
    await TestClient.connect(server, 'avatar-owner', { name: 'Avery Quinn' }).then((c) => c.close());
    const avatar = await fetch(`${server.url}/avatars/avatar-owner.svg`);
    assert.equal(avatar.headers.get('content-type'), 'image/svg+xml');
    assert.match(await avatar.text(), />AQ</);
  });

  test('dev mode: sample users, 1-hour tokens that open a socket, CORS only for allowed Origins', async () => {
    const dev = await backend.start({ devTokens: true });
    try {
      const users = await (await fetch(`${dev.url}/dev/users`, { headers: { Origin: ORIGIN } })).json();
      assert.ok(users.users.length >= 10);
      assert.ok(users.users.some((u: { brand?: boolean }) => u.brand));
      assert.equal(users.users[0].avatar, `${dev.url}/avatars/${users.users[0].id}.svg`);
      const response = await fetch(`${dev.url}/dev/token?user=ana`, { headers: { Origin: ORIGIN } });
      assert.equal(response.headers.get('access-control-allow-origin'), ORIGIN);
      const { token } = await response.json();
      const ana = await TestClient.connect(dev, 'ana', { token });
      await ana.close();
      const foreign = await fetch(`${dev.url}/dev/token?user=ana`, { headers: { Origin: 'http://evil.example' } });
      assert.equal(foreign.headers.get('access-control-allow-origin'), null);
      assert.equal((await fetch(`${dev.url}/dev/token?user=nobody-here`)).status, 404);
    } finally {
      await dev.stop();
    }
  });

  test('secret rotation: [new, old] admits a token of the old secret and signs with the new; [new] refuses it with 4001', async () => {
    const NEW_SECRET = 'the-next-secret-that-is-long-enough-for-hs256';
    const [rotating, retired] = await Promise.all([backend.start({ secrets: [NEW_SECRET, SECRET], devTokens: true }), backend.start({ secrets: [NEW_SECRET] })]);
    try {
      const user = uid('rot');
      const oldToken = await sign(user);
      const held = await TestClient.connect(rotating, user, { token: oldToken });
      assert.equal(held.frames[0].t, 'welcome', 'a client holding a token from before the rotation is admitted');
      await held.close();

      const refused = await TestClient.open(retired, user, { token: oldToken });
      assert.deepEqual(await refused.closedWithin(), { code: 4001, reason: 'invalid token' }, 'once the old secret is retired, as any forged token');
      assert.deepEqual(refused.frames, []);

      await fetch(`${rotating.url}/dev/users`, { headers: { Origin: ORIGIN } }); // seeds ana on every backend
      const issued = await fetch(`${rotating.url}/dev/token?user=ana`, { headers: { Origin: ORIGIN } });
      assert.equal(issued.status, 200);
      const { token } = await issued.json();
      await jwtVerify(token, new TextEncoder().encode(NEW_SECRET), { issuer: 'pin-messaging', audience: 'pin-messaging' });
      await assert.rejects(jwtVerify(token, new TextEncoder().encode(SECRET)), 'the server signs with the newest secret');
      const fresh = await TestClient.connect(retired, 'ana', { token });
      await fresh.close();
    } finally {
      await Promise.all([rotating.stop(), retired.stop()]);
    }
  });

  test('revoking a user closes all their sockets with 4005', async () => {
    const user = uid('rv');
    const one = await TestClient.connect(server, user);
    const two = await TestClient.connect(server, user);
    await server.revoke(user);
    assert.deepEqual([(await one.closedWithin()).code, (await two.closedWithin()).code], [4005, 4005]);
  });
}
