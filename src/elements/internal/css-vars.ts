import { noChange, nothing } from 'lit';
import { Directive, directive, PartType, type ElementPart, type PartInfo } from 'lit/directive.js';

type Vars = Readonly<Record<`--${string}`, string | number>>;

/**
 * Sets custom properties on an element through CSSOM (`style.setProperty`).
 * A `style="..."` binding writes an inline style attribute, which a page's
 * Content-Security-Policy blocks unless it allows 'unsafe-inline' for styles
 * (style-src-attr); Lit's styleMap writes the attribute on its first render
 * too. CSSOM writes are not subject to CSP.
 */
class CssVars extends Directive {
  /** What this element was given last: an unchanged value is not written (and parsed) again. */
  readonly #written = new Map<string, string>();

  constructor(part: PartInfo) {
    super(part);
    if (part.type !== PartType.ELEMENT) throw new Error('cssVars() goes on an element: <span ${cssVars({...})}>');
  }

  render(_vars: Vars) {
    return nothing;
  }

  override update(part: ElementPart, [vars]: [Vars]) {
    const { style } = part.element as HTMLElement;
    for (const [name, value] of Object.entries(vars)) {
      const text = String(value);
      if (this.#written.get(name) === text) continue;
      style.setProperty(name, text);
      this.#written.set(name, text);
    }
    return noChange;
  }
}

export const cssVars = directive(CssVars);
