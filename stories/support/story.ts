import type { Decorator, StoryContext } from '@storybook/web-components-vite';
import { html } from 'lit';
import { expect, waitFor } from 'storybook/test';
import { within } from 'shadow-dom-testing-library';
import { scenario, type Scenario, type ScenarioName } from './scenarios.js';

/** A story loader that builds the named scenario; read it with {@link loaded}. */
export function load(name: ScenarioName): (() => Promise<{ scenario: Scenario }>)[] {
  return [async () => ({ scenario: await scenario(name) })];
}

/** The scenario a story's loader built. */
export function loaded(context: Pick<StoryContext, 'loaded'>): Scenario {
  return context.loaded.scenario as Scenario;
}

/** Lays the story out right to left, as an Arabic page would. */
export const rtl: Decorator = (story) => html`<div dir="rtl">${story()}</div>`;

/** A French page (pair with French `strings`). */
export const french: Decorator = (story) => html`<div lang="fr">${story()}</div>`;

/** A dark host page behind the elements (pair with `theme: 'dark'`). */
export const darkPage: Decorator = (story) =>
  html`<div style="background: #111; color: #eee; min-height: 100vh; color-scheme: dark">${story()}</div>`;

/** A 390 x 844 phone screen. */
export const phone = { globals: { viewport: { value: 'phone', isRotated: false } } };

/** Waits until `element` is visible (opening animations included). */
export function visible(element: Element): Promise<void> {
  return waitFor(() => expect(element).toBeVisible());
}

/** Queries that look through open shadow roots (the elements' DOM is in them). */
export function screen(root: HTMLElement = document.body): ReturnType<typeof within> {
  return within(root);
}

/** A sample host page behind the elements: some text, so the page is visibly usable. */
export function page(content: unknown = ''): unknown {
  return html`<main class="story-page" style="padding: 24px; max-width: 720px">
    <h1 style="font-size: 1.25rem; margin: 0 0 8px">Ideas for your home</h1>
    <p style="margin: 0 0 16px">A host page: the elements sit on top of it without taking it over.</p>
    ${content}
  </main>`;
}

/** The element that really has focus, looking into shadow roots (`document.activeElement` stops at the host). */
export function focused(): Element | null {
  let el = document.activeElement;
  while (el?.shadowRoot?.activeElement) el = el.shadowRoot.activeElement;
  return el;
}

/**
 * Types into a text field inside a shadow root as a keyboard does: focus,
 * then per character keydown, the edit at the caret, `input`, keyup.
 * user-event's `type` loses track of such fields once the element resets
 * their value itself (it watches value changes from the document, which
 * sees only the host), so story tests type with this instead.
 */
export async function typeText(field: HTMLInputElement | HTMLTextAreaElement, text: string): Promise<void> {
  field.focus();
  for (const char of text) {
    const key = { key: char, bubbles: true, composed: true, cancelable: true };
    if (!field.dispatchEvent(new KeyboardEvent('keydown', key))) continue;
    const start = field.selectionStart ?? field.value.length;
    const end = field.selectionEnd ?? start;
    field.setRangeText(char, start, end, 'end');
    field.dispatchEvent(new InputEvent('input', { inputType: 'insertText', data: char, bubbles: true, composed: true }));
    field.dispatchEvent(new KeyboardEvent('keyup', key));
    await Promise.resolve();
  }
}

/**
 * Presses Enter (with Shift or not) in a field, as a keyboard does: keydown,
 * and unless a handler prevented it, a new line in a textarea.
 */
export async function pressEnter(field: HTMLInputElement | HTMLTextAreaElement, options: { shift?: boolean } = {}): Promise<void> {
  field.focus();
  const key = { key: 'Enter', code: 'Enter', shiftKey: !!options.shift, bubbles: true, composed: true, cancelable: true };
  if (field.dispatchEvent(new KeyboardEvent('keydown', key)) && field instanceof HTMLTextAreaElement) {
    const start = field.selectionStart ?? field.value.length;
    field.setRangeText('\n', start, field.selectionEnd ?? start, 'end');
    field.dispatchEvent(new InputEvent('input', { inputType: 'insertLineBreak', bubbles: true, composed: true }));
  }
  field.dispatchEvent(new KeyboardEvent('keyup', key));
  await Promise.resolve();
}

/** Empties a text field as select-all and delete would. */
export function clearField(field: HTMLInputElement | HTMLTextAreaElement): void {
  field.focus();
  field.select();
  field.setRangeText('', 0, field.value.length, 'end');
  field.dispatchEvent(new InputEvent('input', { inputType: 'deleteContentBackward', bubbles: true, composed: true }));
}

/**
 * Moves focus to the next (or previous) focusable element in the composed
 * tree, as the Tab key does. user-event's own Tab ignores shadow roots, so
 * story tests walk the tree here: open shadow roots and slots in order,
 * skipping disabled, hidden and negative-tabindex elements, and staying inside
 * an open modal dialog.
 */
export function tab(backwards = false): Element | null {
  const all: HTMLElement[] = [];
  collect(document.body, all);
  const modal = all.length ? findModal(document.body) : undefined;
  const order = all.filter((el) => !modal || composedContains(modal, el));
  if (order.length === 0) return null;
  const index = order.indexOf(focused() as HTMLElement);
  const next = order[(index + (backwards ? -1 : 1) + order.length) % order.length];
  next.focus();
  return focused();
}

function children(node: Node): Node[] {
  if (node instanceof HTMLSlotElement) {
    const assigned = node.assignedNodes({ flatten: true });
    return assigned.length ? assigned : [...node.childNodes];
  }
  if (node instanceof Element && node.shadowRoot) return [...node.shadowRoot.childNodes];
  return [...node.childNodes];
}

function collect(node: Node, out: HTMLElement[]): void {
  for (const child of children(node)) {
    if (!(child instanceof HTMLElement)) continue;
    if (child.inert || !child.checkVisibility({ visibilityProperty: true })) continue;
    const disabled = 'disabled' in child && (child as HTMLButtonElement).disabled;
    if (child.tabIndex >= 0 && !disabled && !(child instanceof HTMLSlotElement)) out.push(child);
    collect(child, out);
  }
}

function findModal(node: Node): HTMLDialogElement | undefined {
  for (const child of children(node)) {
    if (child instanceof HTMLDialogElement && child.matches(':modal')) return child;
    const found = findModal(child);
    if (found) return found;
  }
  return undefined;
}

function composedContains(ancestor: Node, node: Node): boolean {
  for (let n: Node | null = node; n; n = n.parentNode ?? (n instanceof ShadowRoot ? n.host : null)) {
    if (n === ancestor) return true;
  }
  return false;
}
