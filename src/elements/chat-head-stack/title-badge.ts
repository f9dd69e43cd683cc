/**
 * Puts an unread count in front of the page's title and puts the title back.
 * When the page changes its own title meanwhile, the new title is kept and
 * badged, and never overwritten by a stale copy.
 */
export class TitleBadge {
  #original: string | undefined;
  #written: string | undefined;

  show(count: number, format: (count: number, title: string) => string): void {
    if (count <= 0) return this.clear();
    if (this.#written === undefined || document.title !== this.#written) this.#original = document.title;
    const next = format(count, this.#original ?? '');
    if (document.title !== next) document.title = next;
    // Read back: the title setter collapses white space.
    this.#written = document.title;
  }

  clear(): void {
    if (this.#written !== undefined && document.title === this.#written) document.title = this.#original ?? '';
    this.#original = undefined;
    this.#written = undefined;
  }
}
