// The elements typed in each framework's templates, checked the way a consumer's
// project checks them (tsc for React 19's JSX, vue-tsc, svelte-check; skipLibCheck
// off), against the packed package in a project outside this repository. Each
// project under test/package/frameworks/ holds one correct file, which must pass,
// and one file per mistake, each of which must fail with the error given here.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { expect, test } from 'playwright/test';
import { consumerProject, removeConsumerProjects, run } from './support/consumer.js';

interface Problem {
  file: string;
  line: number;
  code: string;
  message: string;
}

/** `file(line,col): error TS1234: message` plus its indented continuation lines (tsc, vue-tsc with --pretty false). */
function tscProblems(output: string): Problem[] {
  const problems: Problem[] = [];
  for (const line of output.split('\n')) {
    const match = /^(\S+)\((\d+),\d+\): error (TS\d+): (.*)$/.exec(line);
    if (match) problems.push({ file: match[1], line: Number(match[2]), code: match[3], message: match[4] });
    else if (/^\s/.test(line) && problems.length) problems[problems.length - 1].message += `\n${line.trim()}`;
  }
  return problems;
}

/** svelte-check's `--output machine` lines: `<time> ERROR "file" line:col "message"` (warnings too). */
function svelteProblems(output: string): Problem[] {
  return [...output.matchAll(/^\d+ (ERROR|WARNING) "([^"]+)" (\d+):\d+ "(.*)"$/gm)].map((m) => ({
    file: m[2],
    line: Number(m[3]),
    code: m[1],
    message: JSON.parse(`"${m[4]}"`) as string,
  }));
}

/** Every problem, by file; a file with none is absent. */
const byFile = (problems: Problem[]) =>
  problems.reduce<Record<string, string[]>>((into, p) => {
    (into[p.file] ??= []).push(`${p.code} ${p.message}`);
    return into;
  }, {});

test.afterAll(() => removeConsumerProjects());

test('React 19: the tags, their properties and on<event> handlers are typed in JSX', async () => {
  test.setTimeout(180_000);
  const dir = consumerProject('test/package/frameworks/react');
  const { code, output } = await run(dir, 'typescript/bin/tsc', ['-p', 'tsconfig.json', '--pretty', 'false']);
  const problems = byFile(tscProblems(output));
  expect(Object.keys(problems).sort(), output).toEqual(['unknown-prop.tsx', 'wrong-event-detail.tsx', 'wrong-event.tsx', 'wrong-prop-type.tsx']);
  expect(problems['wrong-prop-type.tsx']).toEqual([expect.stringMatching(/^TS2322 Type 'string' is not assignable to type 'number'/)]);
  expect(problems['unknown-prop.tsx']).toEqual([expect.stringMatching(/^TS2322 [^]*Property 'maximum' does not exist on type/)]);
  expect(problems['wrong-event.tsx']).toEqual([
    expect.stringMatching(/^TS2322 [^]*'\(event: MouseEvent\) => number' is not assignable to type '\(event: PinSentEvent\) => void'/),
  ]);
  expect(problems['wrong-event-detail.tsx']).toEqual([expect.stringMatching(/^TS2339 Property 'text' does not exist/)]);
  expect(code).not.toBe(0);
});

test('Vue 3: the tags are global components; :props and @events are typed by vue-tsc', async () => {
  test.setTimeout(240_000);
  const dir = consumerProject('test/package/frameworks/vue');
  const { code, output } = await run(dir, 'vue-tsc/bin/vue-tsc.js', ['-p', 'tsconfig.json', '--pretty', 'false']);
  const problems = byFile(tscProblems(output));
  expect(Object.keys(problems).sort(), output).toEqual(['UnknownProp.vue', 'WrongEvent.vue', 'WrongPropType.vue']);
  expect(problems['WrongPropType.vue']).toEqual([expect.stringMatching(/^TS2322 Type 'string' is not assignable to type 'number'/)]);
  expect(problems['UnknownProp.vue']).toEqual([expect.stringMatching(/^TS2353 [^]*'maximum' does not exist/)]);
  expect(problems['WrongEvent.vue']).toEqual([
    expect.stringMatching(/^TS2322 Type '\(event: MouseEvent\) => number' is not assignable to type '\(event: PinSentEvent\) => void'/),
  ]);
  expect(code).not.toBe(0);
});

test('Vue 3: isCustomElement leaves exactly the three tags to the browser', () => {
  const dir = consumerProject('test/package/frameworks/vue');
  // The helper as the app's build loads it (package name, exports map), given to
  // Vue's template compiler: without it each tag is resolved as a component (the
  // "Failed to resolve component" warning at run time); with it, a plain element.
  const script = `
    import { isCustomElement, tagNames } from 'pin-messaging/vue';
    import { compileTemplate } from '@vue/compiler-sfc';
        const source = '<pin-send-dialog @pin-sent="sent"></pin-send-dialog><chat-head-stack :max="3"></chat-head-stack><my-widget></my-widget>';
    const compile = (compilerOptions) => compileTemplate({ source, filename: 'App.vue', id: 'app', compilerOptions }).code;
    console.log(JSON.stringify({
      tagNames,
      matches: ['pin-send-dialog', 'chat-head-stack', 'conversation-panel', 'div', 'pin-other', 'PinSendDialog'].map(isCustomElement),
      without: compile({}),
      with: compile({ isCustomElement }),
    }));`;
  const result = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: dir, encoding: 'utf8' })) as {
    tagNames: string[];
    matches: boolean[];
    without: string;
    with: string;
  };
  expect(result.tagNames).toEqual(['chat-head-stack', 'conversation-panel', 'pin-send-dialog']);
  expect(result.matches).toEqual([true, true, true, false, false, false]);
  expect(result.without).toContain('resolveComponent("pin-send-dialog")');
  expect(result.without).toContain('resolveComponent("chat-head-stack")');
  expect(result.with).not.toContain('resolveComponent("pin-send-dialog")');
  expect(result.with).not.toContain('resolveComponent("chat-head-stack")');
  // Someone else's tag is still Vue's to resolve.
  expect(result.with).toContain('resolveComponent("my-widget")');
});

test('Svelte 5: the tags, their properties and on<event> attributes are typed by svelte-check', async () => {
  test.setTimeout(180_000);
  const dir = consumerProject('test/package/frameworks/svelte');
  const { code, output } = await run(dir, 'svelte-check/bin/svelte-check', ['--workspace', dir, '--tsconfig', join(dir, 'tsconfig.json'), '--output', 'machine']);
  const problems = byFile(svelteProblems(output));
  expect(Object.keys(problems).sort(), output).toEqual(['UnknownProp.svelte', 'WrongEvent.svelte', 'WrongPropType.svelte']);
  expect(problems['WrongPropType.svelte']).toEqual([expect.stringMatching(/^ERROR Type 'string' is not assignable to type 'number'/)]);
  expect(problems['UnknownProp.svelte']).toEqual([expect.stringMatching(/^ERROR [^]*'"?maximum"?' does not exist in type/)]);
  expect(problems['WrongEvent.svelte']).toEqual([
    expect.stringMatching(/^ERROR Type '\(event: MouseEvent\) => number' is not assignable to type '\(event: PinSentEvent\) => void'/),
  ]);
  expect(code).not.toBe(0);
});
