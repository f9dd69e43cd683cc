// The browser suite runs under Mocha (through the test runner), which puts
// these on `window`. Only the part the tests use is typed here, so the project
// does not need @types/mocha (whose globals would leak into the node:test suite).
declare global {
  type MochaDone = (error?: unknown) => void;
  type MochaFn = (this: unknown, done: MochaDone) => void | Promise<unknown>;
  interface MochaTest {
    timeout(ms: number): void;
  }
  function describe(name: string, body: () => void): void;
  namespace describe {
    function skip(name: string, body: () => void): void;
    function only(name: string, body: () => void): void;
  }
  function it(name: string, body?: MochaFn | (() => void | Promise<unknown>)): MochaTest;
  namespace it {
    function skip(name: string, body?: MochaFn | (() => void | Promise<unknown>)): MochaTest;
    function only(name: string, body?: MochaFn | (() => void | Promise<unknown>)): MochaTest;
  }
  function before(body: () => void | Promise<unknown>): void;
  function after(body: () => void | Promise<unknown>): void;
  function beforeEach(body: () => void | Promise<unknown>): void;
  function afterEach(body: () => void | Promise<unknown>): void;
}

export {};
