/** Whether rectangle `r` lies entirely within `p` (an empty one never does). */
const inside = (r: DOMRect, p: DOMRect) => r.width + r.height > 0 && r.left >= p.left && r.right <= p.right && r.top >= p.top && r.bottom <= p.bottom;

/**
 * WCAG 2.4.11 (focus not obscured): a page control that takes focus while the
 * panel floats over the page must not be left hidden under it. When `target`
 * lies entirely under `panel`, it is scrolled (with whatever scrolls it, the
 * page or a container) to just above the panel, as a host's
 * `scroll-padding` would for a bar; returns false when nothing can scroll it
 * clear, so that the panel can step aside instead.
 */
export function keepClear(panel: Element, target: Element): boolean {
  const p = panel.getBoundingClientRect();
  if (!inside(target.getBoundingClientRect(), p)) return true;
  // A scroll margin as tall as the panel's top is from the bottom of the screen: "nearest" then brings the
  // control's foot above the panel. Set for this one call only.
  const style = (target as HTMLElement).style;
  const saved = style.scrollMarginBottom;
  style.scrollMarginBottom = `${innerHeight - p.top + 8}px`;
  target.scrollIntoView({ block: 'nearest' });
  style.scrollMarginBottom = saved;
  return !inside(target.getBoundingClientRect(), p);
}
