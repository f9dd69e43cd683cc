// TokenAuthority with several secrets: the newest signs, every one verifies (a rotation).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { decodeProtectedHeader, jwtVerify, SignJWT } from 'jose';
import { CloseCode } from '../../../src/protocol/index.js';
import { authSecretsOf, keyIdOf, TokenAuthority } from '../../../server/shared/auth.js';

const OLD = 'old-secret-that-is-long-enough-for-hs256';
const NEW = 'new-secret-that-is-long-enough-for-hs256';
const OTHER = 'someone-elses-secret-long-enough-for-hs256';
const CLAIM = 'pin-messaging';
const bytes = (s: string) => new TextEncoder().encode(s);
const authority = (secret: ConstructorParameters<typeof TokenAuthority>[0]) => new TokenAuthority(secret, CLAIM, CLAIM);

/** A token as a host's own endpoint signs it, with a `kid` header when given. */
function sign(secret: string, { kid, exp = '1h' }: { kid?: string; exp?: string | number } = {}) {
  return new SignJWT({ name: 'Rota Person' })
    .setProtectedHeader({ alg: 'HS256', ...(kid ? { kid } : {}) })
    .setSubject('rota')
    .setIssuer(CLAIM)
    .setAudience(CLAIM)
    .setIssuedAt()
    .setExpirationTime(exp)
    .sign(bytes(secret));
}

test('one secret works as before: its own tokens pass, foreign ones are refused with 4001', async () => {
  const one = authority(OLD);
  assert.deepEqual(await one.verify(await one.issue('rota', { name: 'Rota Person' })), { ok: true, user: 'rota', profile: { name: 'Rota Person' } });
  assert.deepEqual(await one.verify(await sign(OTHER)), { ok: false, code: CloseCode.Unauthorized, reason: 'invalid token' });
});

test('[new, old] admits tokens of either secret; [new] alone refuses the old ones exactly as a foreign token', async () => {
  const rotating = authority([NEW, OLD]);
  const oldToken = await authority(OLD).issue('rota');
  assert.equal((await rotating.verify(oldToken)).ok, true, 'a token from before the rotation');
  assert.equal((await rotating.verify(await sign(OLD))).ok, true, 'an old token without kid');
  assert.equal((await rotating.verify(await sign(NEW))).ok, true);
  const refusedByAll = await rotating.verify(await sign(OTHER));
  const refusedByOne = await authority(NEW).verify(oldToken);
  assert.deepEqual(refusedByAll, { ok: false, code: CloseCode.Unauthorized, reason: 'invalid token' });
  assert.deepEqual(refusedByOne, refusedByAll, 'the retired secret is refused like any forged token');
});

test('an expired token of the old secret is still reported expired (4002), not forged', async () => {
  const verdict = await authority([NEW, OLD]).verify(await sign(OLD, { exp: Math.floor(Date.now() / 1000) - 600 }));
  assert.deepEqual(verdict, { ok: false, code: CloseCode.TokenExpired, reason: 'token expired' });
});

test('issue() signs with the newest secret and names it in kid', async () => {
  const token = await authority([NEW, OLD]).issue('rota');
  await jwtVerify(token, bytes(NEW), { issuer: CLAIM, audience: CLAIM });
  await assert.rejects(jwtVerify(token, bytes(OLD)), /signature verification failed/);
  assert.equal(decodeProtectedHeader(token).kid, await keyIdOf(NEW));
  assert.notEqual(await keyIdOf(NEW), await keyIdOf(OLD));
  assert.equal(await keyIdOf(bytes(NEW)), await keyIdOf(NEW), 'the same for a string and its bytes');
});

test('kid picks the key: the named one only; an unknown kid is tried against each', async () => {
  const rotating = authority([NEW, OLD]);
  assert.equal((await rotating.verify(await sign(OLD, { kid: await keyIdOf(OLD) }))).ok, true);
  assert.deepEqual(await rotating.verify(await sign(OLD, { kid: await keyIdOf(NEW) })), { ok: false, code: CloseCode.Unauthorized, reason: 'invalid token' }, 'a kid that does not match its signature');
  assert.equal((await rotating.verify(await sign(OLD, { kid: 'the-hosts-own-name' }))).ok, true);
});

test('Uint8Array secrets, alone or in a list, behave like strings', async () => {
  const token = await authority(bytes(OLD)).issue('rota');
  assert.equal((await authority([bytes(NEW), bytes(OLD)]).verify(token)).ok, true);
  assert.equal((await authority([NEW, bytes(OLD)]).verify(token)).ok, true);
});

test('a short secret is refused by position, never by value', () => {
  assert.throws(() => authority('short'), { message: 'authSecret must be at least 32 bytes' });
  assert.throws(() => authority([NEW, 'short-old-one']), (error: Error) => error.message === 'authSecret 2 of 2 is shorter than 32 bytes');
  assert.throws(() => authority([]), /at least one secret/);
});

test('settings: PIN_AUTH_SECRET is taken whole, PIN_AUTH_SECRETS_PREVIOUS is a comma list after it', () => {
  assert.deepEqual(authSecretsOf(`${NEW}, with a comma`, undefined), [`${NEW}, with a comma`], 'a single secret is read exactly as before');
  assert.deepEqual(authSecretsOf(NEW, ` ${OLD} ,\n${OTHER}, `), [NEW, OLD, OTHER]);
  assert.deepEqual(authSecretsOf(NEW, ''), [NEW]);
  assert.deepEqual(authSecretsOf(undefined, undefined), []);
  assert.throws(() => authSecretsOf('short', undefined), { message: 'PIN_AUTH_SECRET must be at least 32 bytes' });
  assert.throws(() => authSecretsOf(NEW, `${OLD},tiny-old-value`), (error: Error) => {
    assert.equal(error.message, 'PIN_AUTH_SECRETS_PREVIOUS: secret 2 of 2 is shorter than 32 bytes');
    return true;
  });
  assert.throws(() => authSecretsOf(undefined, OLD), /PIN_AUTH_SECRET is not/);
});

test('the server refuses to start on a short previous secret, naming its position and not its value', { timeout: 30_000 }, async () => {
  const env: NodeJS.ProcessEnv = { ...process.env, PIN_PORT: '0', PIN_DB: ':memory:', PIN_AUTH_SECRET: NEW, PIN_AUTH_SECRETS_PREVIOUS: `${OLD},tiny-old-value` };
  delete env.PIN_DEV;
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  assert.equal(code, 1);
  assert.match(output, /PIN_AUTH_SECRETS_PREVIOUS: secret 2 of 2 is shorter than 32 bytes/);
  assert.doesNotMatch(output, /tiny-old-value|server on/);
});
