/**
 * Runs `callback` when the page is next idle: in an idle callback (within half
 * a second at the latest), or where those are missing (Safari) after a short
 * timeout. Returns a function that cancels it, harmless to call after it ran.
 */
export function whenIdle(callback: () => void): () => void {
  if (typeof requestIdleCallback === 'function') {
    const id = requestIdleCallback(() => callback(), { timeout: 500 });
    return () => cancelIdleCallback(id);
  }
  const id = setTimeout(callback, 100);
  return () => clearTimeout(id);
}
