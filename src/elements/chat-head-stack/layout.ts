import type { ReactiveController, ReactiveElement } from 'lit';

type Host = ReactiveElement & { reserve: boolean };

/**
 * The stack's geometry against the viewport (WCAG 1.4.10, reflow): how many
 * heads fit between the corner and the top of the screen, where the "+N" menu
 * opens (towards the side with room, scrolling inside itself), and, when the
 * host asks for it with `reserve`, the strip the heads cover, published on the
 * document root. The fit is measured when heads first show and after a
 * resize (the heads' size and the viewport change only then); the menu and the
 * strip after each update.
 */
export class StackLayout implements ReactiveController {
  /** Heads that fit without the "+N" button, and with it. */
  #fit = [Infinity, Infinity];
  /** A head's size, kept for when every head is in the menu. */
  #size = 56;
  /** Whether the fit is up to date: the heads' size and the viewport change only on resize. */
  #measured = false;
  /** What `#publish` last wrote, so that an unchanged strip costs the page no style work. */
  #published = '';
  readonly #host: Host;

  constructor(host: Host) {
    this.#host = host;
    host.addController(this);
  }

  hostConnected(): void {
    addEventListener('resize', this.#onResize);
  }

  hostDisconnected(): void {
    removeEventListener('resize', this.#onResize);
    this.#publish(null);
  }

  /** How many of `total` heads show, at most `max`; the rest go into the "+N" menu. */
  shown(total: number, max: number): number {
    const [all, withMore] = this.#fit;
    return Math.min(max, total <= all ? total : withMore);
  }

  hostUpdated(): void {
    const root = this.#host.renderRoot;
    const list = root.querySelector<HTMLElement>('.list');
    const head = root.querySelector<HTMLElement>('.head');
    // Only while the heads (or the "+N" button alone) show: a hidden stack has no size to go by.
    if (list && !this.#measured && (head ?? root.querySelector<HTMLElement>('.more'))?.offsetHeight) {
      this.#measured = true;
      const size = (this.#size = head?.offsetHeight || this.#size);
      const gap = parseFloat(getComputedStyle(list).rowGap) || 0;
      // The host's box ends at the bottom inset; as much is kept free at the top. The "+N" button is 0.8 of a head.
      const room = 2 * this.#host.getBoundingClientRect().bottom - innerHeight + gap;
      const fit = [room, room - gap - 0.8 * size].map((r) => Math.max(0, Math.floor(r / (size + gap))));
      if (`${fit}` !== `${this.#fit}`) {
        this.#fit = fit;
        queueMicrotask(() => this.#host.requestUpdate());
      }
    }

    const menu = root.querySelector<HTMLElement>('.menu');
    if (menu) {
      // Down from the "+N" button's top, or up from its bottom when only that side has room; 8px kept free.
      const { top, bottom } = menu.parentElement!.getBoundingClientRect();
      const below = innerHeight - top - 8;
      const up = menu.scrollHeight > below && bottom > innerHeight - top;
      menu.classList.toggle('up', up);
      menu.style.setProperty('--_room', `${up ? bottom - 8 : below}px`);
    }
    this.#publish(this.#host.reserve ? root.querySelector('.heads') : null);
  }

  readonly #onResize = (): void => {
    this.#measured = false;
    this.#host.requestUpdate();
  };

  /**
   * `--pin-reserve-inline`: from the screen's edge to the heads' far side (their
   * x included), `--pin-reserve-block`: from the bottom to the top head; each
   * with the stack's own distance from the edge added once more. Removed when
   * `heads` is null.
   */
  #publish(heads: Element | null): void {
    const { clientWidth: width, clientHeight: height, style } = document.documentElement;
    const r = heads?.getBoundingClientRect();
    const sizes = r
      ? [r.left < width - r.right ? r.left + r.right : 2 * width - r.left - r.right, 2 * height - r.top - r.bottom].map(
          (size) => `${r.height ? Math.ceil(size) : 0}px`,
        )
      : [];
    if (`${sizes}` === this.#published) return;
    this.#published = `${sizes}`;
    ['inline', 'block'].forEach((axis, i) =>
      sizes[i] ? style.setProperty(`--pin-reserve-${axis}`, sizes[i]) : style.removeProperty(`--pin-reserve-${axis}`),
    );
  }
}
