// Framework typings made from custom-elements.json, so they follow the elements:
// - react.d.ts: React 19's JSX (`React.JSX.IntrinsicElements`); properties by their
//   property names, events as `on<event-name>` (React 19 calls addEventListener
//   with what follows `on`, case kept).
// - vue.d.ts + vue.js: Vue's `GlobalComponents` (the shape Vue's own docs give for
//   custom elements: `$props` for the template, `$emit` for `@pin-sent`) and the
//   `isCustomElement` helper for the template compiler.
// - svelte.d.ts: Svelte 5's `SvelteHTMLElements` (`svelte/elements`), events as
//   `onpin-sent` attributes.
// Each element's props are its public writable fields; each event's type comes from
// the package's own `PinEventMap`, so a manifest event missing there fails to compile.
//
// The analyzer plugins custom-element-{jsx,vuejs,svelte}-integration were tried
// (1.6.0 / 1.4.0 / 1.2.0) and not used: all three import an event type twice when
// two elements share it (a compile error with skipLibCheck off), wrap the event
// classes in `CustomEvent<...>`, and type internal state as props; the Vue one names
// listeners `onpin-sent`, which no `@pin-sent` produces, and the Svelte one emits
// Svelte 4's `on:`/`bind:` directives.
import { elementsOf } from './editor-data.mjs';

const HEADER = '// Generated from custom-elements.json by scripts/framework-types.mjs. Do not edit.\n';

/** `{ tag, className, props, events, summary }` for each element, sorted by tag. */
export function frameworkModel(manifest) {
  return elementsOf(manifest)
    .map((element) => ({
      tag: element.tagName,
      className: element.name,
      summary: (element.summary ?? element.description ?? '').trim(),
      props: (element.members ?? [])
        .filter((m) => m.kind === 'field' && !m.static && !m.readonly && (m.privacy ?? 'public') === 'public')
        .map((m) => m.name),
      events: [...new Set((element.events ?? []).map((e) => e.name).filter(Boolean))],
    }))
    .sort((a, b) => a.tag.localeCompare(b.tag));
}

const union = (names) => (names.length ? names.map((n) => `'${n}'`).join(' | ') : 'never');
const doc = (text, indent) => (text ? `${indent}/** ${text.replace(/\*\//g, '*\\/').replace(/\n+/g, ' ')} */\n` : '');
const classImports = (model) => [...new Set(model.map((e) => e.className))].sort().join(', ');
const tagNames = (model) => `export declare const tagNames: readonly [${model.map((e) => `'${e.tag}'`).join(', ')}];\n`;

/** `pin-messaging/react`: React 19's JSX. */
export function reactTypes(manifest) {
  const model = frameworkModel(manifest);
  const entries = model
    .map((e) => `${doc(e.summary, '      ')}      '${e.tag}': ElementProps<${e.className}, ${union(e.props)}, ${union(e.events)}>;`)
    .join('\n');
  return `${HEADER}// Types the elements in React 19's JSX: \`import type {} from 'pin-messaging/react'\`.
import type { DetailedHTMLProps, HTMLAttributes } from 'react';
import type { ${classImports(model)}, PinEventMap } from '../index.js';

/** Listeners as React 19 adds them to a custom element: \`on\` + the event's name (+ \`Capture\`). */
export type ElementEvents<Name extends keyof PinEventMap> = {
  [K in Name as \`on\${K}\` | \`on\${K}Capture\`]?: (event: PinEventMap[K]) => void;
};

/** What a tag takes in JSX: React's HTML attributes, the element's properties and its events. */
export type ElementProps<T extends HTMLElement, Props extends keyof T, Events extends keyof PinEventMap> = Omit<
  DetailedHTMLProps<HTMLAttributes<T>, T>,
  Props
> &
  Partial<Pick<T, Props>> &
  ElementEvents<Events>;

declare module 'react' {
  namespace JSX {
    interface IntrinsicElements {
${entries}
    }
  }
}

${tagNames(model)}`;
}

/** `pin-messaging/vue`: Vue's GlobalComponents. */
export function vueTypes(manifest) {
  const model = frameworkModel(manifest);
  const entries = model
    .map((e) => `${doc(e.summary, '    ')}    '${e.tag}': DefineCustomElement<${e.className}, ${union(e.props)}, ${union(e.events)}>;`)
    .join('\n');
  return `${HEADER}// Types the elements in Vue templates (vue-tsc, Vue - Official), and tells Vue's
// template compiler they are custom elements: \`isCustomElement\`.
import type { EmitFn, HTMLAttributes, PublicProps } from 'vue';
import type { ${classImports(model)}, PinEventMap } from '../index.js';

/**
 * A custom element as a global component, in the shape Vue's docs give: \`$props\`
 * types the template's attributes and \`:prop\` bindings, \`$emit\` its \`@event\` listeners.
 */
export type DefineCustomElement<T extends HTMLElement, Props extends keyof T, Events extends keyof PinEventMap> = new () => T & {
  /** @deprecated For template type checking only; not on the element. */
  $props: HTMLAttributes & Partial<Pick<T, Props>> & PublicProps;
  /** @deprecated For template type checking only; not on the element. */
  $emit: EmitFn<{ [K in Events]: (event: PinEventMap[K]) => void }>;
};

declare module 'vue' {
  interface GlobalComponents {
${entries}
  }
}

${tagNames(model)}
/**
 * Whether \`tag\` is one of this package's elements. Give it to Vue's template compiler
 * (\`compilerOptions.isCustomElement\`) so Vue leaves the tags to the browser.
 */
export declare function isCustomElement(tag: string): boolean;
`;
}

export function vueModule(manifest) {
  const tags = frameworkModel(manifest).map((e) => `'${e.tag}'`);
  return `${HEADER}export const tagNames = Object.freeze([${tags.join(', ')}]);
const tags = new Set(tagNames);
export function isCustomElement(tag) {
  return tags.has(tag);
}
`;
}

/** `pin-messaging/svelte`: Svelte 5's element typing. */
export function svelteTypes(manifest) {
  const model = frameworkModel(manifest);
  const entries = model
    .map((e) => `${doc(e.summary, '    ')}    '${e.tag}': ElementAttributes<${e.className}, ${union(e.props)}, ${union(e.events)}>;`)
    .join('\n');
  return `${HEADER}// Types the elements in Svelte 5 markup (svelte-check): \`import type {} from 'pin-messaging/svelte'\`.
import type { HTMLAttributes } from 'svelte/elements';
import type { ${classImports(model)}, PinEventMap } from '../index.js';

/** Listeners as Svelte 5 adds them to an element: \`on\` + the event's name. */
export type ElementEvents<Name extends keyof PinEventMap> = {
  [K in Name as \`on\${K}\` | \`on\${K}capture\`]?: (event: PinEventMap[K]) => void;
};

/** What a tag takes in markup: Svelte's HTML attributes, the element's properties and its events. */
export type ElementAttributes<T extends HTMLElement, Props extends keyof T, Events extends keyof PinEventMap> = Omit<
  HTMLAttributes<T>,
  Props
> &
  Partial<Pick<T, Props>> &
  ElementEvents<Events>;

declare module 'svelte/elements' {
  interface SvelteHTMLElements {
${entries}
  }
}

${tagNames(model)}`;
}

/** A module for a types-only entry: importing it at run time costs nothing and throws nothing. */
export function tagNamesModule(manifest) {
  const tags = frameworkModel(manifest).map((e) => `'${e.tag}'`);
  return `${HEADER}export const tagNames = Object.freeze([${tags.join(', ')}]);\n`;
}

/** Every file this writes under dist/src/frameworks/, by name. */
export function frameworkFiles(manifest) {
  return {
    'react.d.ts': reactTypes(manifest),
    'react.js': tagNamesModule(manifest),
    'vue.d.ts': vueTypes(manifest),
    'vue.js': vueModule(manifest),
    'svelte.d.ts': svelteTypes(manifest),
    'svelte.js': tagNamesModule(manifest),
  };
}
