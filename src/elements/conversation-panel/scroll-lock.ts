const holders = new Set<object>();
let saved: { overflow: string; priority: string } | undefined;

/**
 * Locks the page's scrolling while a full-screen panel is open, so the page
 * behind does not scroll under a finger. Counted per holder: the page's own
 * `overflow` (value and priority) comes back when the last holder lets go.
 */
export function lockPageScroll(holder: object): void {
  if (holders.has(holder)) return;
  holders.add(holder);
  if (holders.size > 1) return;
  const style = document.documentElement.style;
  saved = { overflow: style.getPropertyValue('overflow'), priority: style.getPropertyPriority('overflow') };
  style.setProperty('overflow', 'hidden', 'important');
}

export function unlockPageScroll(holder: object): void {
  if (!holders.delete(holder) || holders.size > 0) return;
  const style = document.documentElement.style;
  if (saved?.overflow) style.setProperty('overflow', saved.overflow, saved.priority);
  else style.removeProperty('overflow');
  saved = undefined;
}
