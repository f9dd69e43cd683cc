// The protocol runs in browsers as well as in servers: these check that the
// browser's own URL parser and TextEncoder give the same verdicts as Node's.
import { expect } from '@open-wc/testing';
import { checkHttpUrl, displayHost, ErrorCode, LIMITS, parseClientFrame, safeHref } from '../../src/protocol/index.js';

const pin = { url: 'https://example.com/p/1', image: 'https://i.example.com/1.jpg', title: 'Lamp' };

function refusal(frame: unknown): string {
  const result = parseClientFrame(typeof frame === 'string' ? frame : JSON.stringify(frame));
  return result.ok ? 'accepted' : result.code;
}

describe('protocol in the browser', () => {
  it('accepts a well-formed pin send', () => {
    const result = parseClientFrame(
      JSON.stringify({ t: 'send', conv: 'dm:ann:bob', id: 'abcdefgh12', body: { kind: 'pin', pin } }),
    );
    expect(result.ok).to.equal(true);
  });

  it('refuses malformed frames, each with its own code', () => {
    expect(refusal('{"t":"send",')).to.equal(ErrorCode.BadJson);
    expect(refusal({ t: 'shout' })).to.equal(ErrorCode.UnknownType);
    expect(refusal({ t: 'read', conv: 'dm:ann:bob', seq: -1 })).to.equal(ErrorCode.BadFrame);
    // The sender comes from the token: a `from` field is an unknown field.
    const forged = { t: 'send', conv: 'dm:ann:bob', id: 'abcdefgh12', from: 'bob', body: { kind: 'text', text: 'hi' } };
    expect(refusal(forged)).to.equal(ErrorCode.BadFrame);
  });

  it('refuses oversized frames and over-long text by their UTF-8 and code point lengths', () => {
    // Four bytes each: few enough code points for the text limit, too many bytes for a frame.
    const emoji = '\u{1F600}'.repeat(LIMITS.frameBytes / 4 + 10);
    const send = { t: 'send', conv: 'dm:ann:bob', id: 'abcdefgh12' };
    expect(refusal({ ...send, body: { kind: 'text', text: emoji } })).to.equal(ErrorCode.FrameTooLarge);
    const fits = '\u{1F600}'.repeat(LIMITS.textCodePoints - 500);
    expect(refusal({ ...send, body: { kind: 'text', text: fits } })).to.equal('accepted');
    const justOver = 'a'.repeat(LIMITS.textCodePoints + 1);
    expect(refusal({ ...send, body: { kind: 'text', text: justOver } })).to.equal(ErrorCode.TooLong);
  });

  it('refuses a pin whose link is a script URL', () => {
    const frame = { t: 'send', conv: 'dm:ann:bob', id: 'abcdefgh12', body: { kind: 'pin', pin: { ...pin, url: 'javascript:alert(1)' } } };
    expect(refusal(frame)).to.equal(ErrorCode.UnsafeUrl);
  });

  it('refuses hostile URLs that browsers would otherwise follow', () => {
    const hostile = [
      'javascript:alert(1)',
      'JaVaScRiPt:alert(1)',
      'java%0ascript:alert(1)',
      'java\nscript:alert(1)',
      ' javascript:alert(1)',
      '&#106;avascript:alert(1)',
      'data:text/html,<script>alert(1)</script>',
      'vbscript:msgbox(1)',
      '//evil.example/x',
      'https://bank.example@evil.example/',
      `https://example.com/${'a'.repeat(LIMITS.urlLength)}`,
    ];
    for (const raw of hostile) {
      expect(checkHttpUrl(raw).ok, raw).to.equal(false);
      expect(safeHref(raw), raw).to.equal(undefined);
    }
  });

  it('keeps plain http(s) links and shows the real host of international names', () => {
    expect(safeHref('https://www.example.com/pin/1?x=1')).to.equal('https://www.example.com/pin/1?x=1');
    expect(displayHost('https://www.example.com/pin/1')).to.equal('example.com');
    expect(displayHost('https://bücher.example/')).to.equal('xn--bcher-kva.example');
  });
});
