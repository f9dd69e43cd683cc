/** Background colours for initials avatars, picked by a hash of the user id. */
const COLOURS = ['#e60023', '#0a7c86', '#5b3cc4', '#b35900', '#2d7d32', '#ad1457', '#1f5fbf', '#6d4c41'];

/** Up to two initials of a display name. */
export function initials(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean);
  const letters = words.length > 1 ? [words[0], words[words.length - 1]] : words;
  return letters.map((w) => [...w][0]?.toUpperCase() ?? '').join('') || '?';
}

/** A square SVG with the person's initials; no scripts, no external references. */
export function avatarSvg(id: string, name: string): string {
  let hash = 0;
  for (const c of id) hash = (hash * 31 + c.charCodeAt(0)) >>> 0;
  const colour = COLOURS[hash % COLOURS.length];
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="96" height="96" viewBox="0 0 96 96" role="img">` +
    `<rect width="96" height="96" fill="${colour}"/>` +
    `<text x="48" y="48" dy="0.35em" text-anchor="middle" font-family="system-ui, sans-serif" ` +
    `font-size="38" font-weight="600" fill="#fff">${escapeXml(initials(name))}</text></svg>`
  );
}

function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
