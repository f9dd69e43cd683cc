import { css, html, nothing, type TemplateResult } from 'lit';
import { safeHref, type Conversation, type User } from '../../protocol/index.js';
import { cssVars } from './css-vars.js';

/** A person's display name, falling back to the id for someone not loaded yet. */
export function nameOf(users: Readonly<Record<string, User>>, id: string): string {
  return users[id]?.name || id;
}

/** The other members of a conversation (everyone but `me`). */
export function othersIn(conv: Conversation, me: string): string[] {
  const others = conv.members.filter((m) => m !== me);
  return others.length ? others : [me];
}

/** A conversation's title: the group's title, or the other people's names. */
export function conversationTitle(conv: Conversation, users: Readonly<Record<string, User>>, me: string): string {
  if (conv.title) return conv.title;
  return othersIn(conv, me)
    .map((id) => nameOf(users, id))
    .join(', ');
}

function initials(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean);
  const letters = words.length > 1 ? [words[0], words[words.length - 1]] : words;
  return letters.map((w) => [...w][0]?.toUpperCase() ?? '').join('') || '?';
}

function hue(id: string): number {
  let h = 0;
  for (let i = 0; i < id.length; i++) h = (h * 31 + id.charCodeAt(i)) % 360;
  return h;
}

/**
 * A person's avatar: their picture when it is a safe http(s) URL, initials on
 * a colour derived from the id otherwise. Decorative (`alt=""`): the
 * surrounding control carries the name.
 */
export function avatar(users: Readonly<Record<string, User>>, id: string): TemplateResult {
  const user = users[id];
  const src = safeHref(user?.avatar);
  return src
    ? html`<img class="avatar" part="avatar" src=${src} alt="" loading="lazy" referrerpolicy="no-referrer" />`
    : html`<span class="avatar initials" part="avatar" aria-hidden="true" ${cssVars({ '--_hue': hue(id) })}
        >${initials(nameOf(users, id))}</span
      >`;
}

/** A conversation's avatar: the other person's, or up to four members' faces for a group. */
export function conversationAvatar(conv: Conversation, users: Readonly<Record<string, User>>, me: string): TemplateResult {
  const others = othersIn(conv, me);
  if (conv.kind === 'direct' || others.length === 1) return avatar(users, others[0]);
  const shown = others.slice(0, 4);
  return html`<span class="avatar group n${shown.length}" part="avatar">${shown.map((id) => avatar(users, id))}</span>`;
}

/** Styles for {@link avatar} and {@link conversationAvatar}; size through `--_avatar-size`. */
export const avatarStyles = css`
  .avatar {
    display: inline-grid;
    place-items: center;
    flex: none;
    width: var(--_avatar-size, 40px);
    height: var(--_avatar-size, 40px);
    border-radius: 50%;
    object-fit: cover;
    overflow: hidden;
    background: var(--_surface-2);
  }
  .initials {
    background: hsl(var(--_hue) 45% 32%);
    color: #fff;
    font-weight: 600;
    font-size: calc(var(--_avatar-size, 40px) * 0.4);
    line-height: 1;
    user-select: none;
  }
  /* A group shows up to four whole faces, small and overlapping, never halves of faces. */
  .group {
    position: relative;
    overflow: visible;
    background: none;
  }
  .group > .avatar {
    position: absolute;
    width: 60%;
    height: 60%;
    font-size: calc(var(--_avatar-size, 40px) * 0.24);
    box-shadow: 0 0 0 2px var(--_surface);
  }
  .group > .avatar:nth-child(1) {
    inset-block-start: 0;
    inset-inline-start: 0;
  }
  .group > .avatar:nth-child(2) {
    inset-block-end: 0;
    inset-inline-end: 0;
  }
  .group.n3 > .avatar:nth-child(2) {
    inset-block: 0 auto;
  }
  .group.n3 > .avatar:nth-child(3) {
    inset-block-end: 0;
    inset-inline-start: 20%;
  }
  .group.n4 > .avatar {
    width: 52%;
    height: 52%;
    font-size: calc(var(--_avatar-size, 40px) * 0.2);
  }
  .group.n4 > .avatar:nth-child(2) {
    inset-block: 0 auto;
  }
  .group.n4 > .avatar:nth-child(3) {
    inset-block-end: 0;
    inset-inline-start: 0;
  }
  .group.n4 > .avatar:nth-child(4) {
    inset-block-end: 0;
    inset-inline-end: 0;
  }
`;

export { nothing };
