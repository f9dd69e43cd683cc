// What a developer wiring the client up sees on the console when it will not connect:
// one warning that names the setting to change, instead of silence.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { connect } from '../../../src/connect.js';
import { CloseCode } from '../../../src/protocol/index.js';
import { TestChat } from '../../../src/testing/index.js';
import { waitFor } from '../support/wait.js';

let warnings: string[];
const warn = console.warn;
const page = { location: { origin: 'https://shop.example', host: 'shop.example' }, document: {} };

beforeEach(() => {
  warnings = [];
  console.warn = (...args: unknown[]) => void warnings.push(args.map(String).join(' '));
  // A page, as far as connect() and the connection look: the origin the server saw.
  for (const [name, value] of Object.entries(page)) Object.defineProperty(globalThis, name, { value, configurable: true });
});
afterEach(() => {
  console.warn = warn;
  for (const name of Object.keys(page)) delete (globalThis as Record<string, unknown>)[name];
});

describe('developer warnings', () => {
  test('a refused origin (close 4003) names the origin and PIN_ALLOWED_ORIGINS, once', async () => {
    const chat = new TestChat();
    chat.backend.refuse('ada', CloseCode.ForbiddenOrigin);
    const ada = chat.client('ada');
    ada.start();
    await waitFor('refused', () => ada.$status.get() === 'refused');
    ada.destroy();
    const said = warnings.filter((w) => w.includes('PIN_ALLOWED_ORIGINS'));
    assert.equal(said.length, 1, warnings.join('\n'));
    assert.match(said[0], /refused origin https:\/\/shop\.example; add it to PIN_ALLOWED_ORIGINS/);
  });

  test('another refusal (a bad token) says nothing about origins', async () => {
    const chat = new TestChat();
    chat.backend.refuse('ada', CloseCode.Unauthorized);
    const ada = chat.client('ada');
    ada.start();
    await waitFor('refused', () => ada.$status.get() === 'refused');
    ada.destroy();
    assert.deepEqual(warnings.filter((w) => w.includes('PIN_ALLOWED_ORIGINS')), []);
  });

  test('connect({ user: "" }) warns once naming options.user and stays offline', () => {
    const first = connect({ user: '', token: 'x' });
    const second = connect({ user: '', token: 'y' });
    assert.equal(warnings.length, 1, warnings.join('\n'));
    assert.match(warnings[0], /options\.user is ""/);
    assert.match(warnings[0], /signed-in person's id/);
    assert.deepEqual([first.$status.get(), second.$status.get()], ['idle', 'idle']);
    first.destroy();
    second.destroy();
  });
});
