import type { Conversation, User } from '../../protocol/index.js';
import type { ChatClient } from '../../state/client.js';
import { nameOf } from '../internal/people.js';
import type { Strings } from '../internal/strings.js';
import { askBlock, askLeave, askReport, askUnsend, type Confirm, type MenuAction } from './parts.js';
import type { MessageRow } from './rows.js';

/** What the panel's actions act through, read when they run (a confirmed action runs later). */
export interface ActionContext {
  chat(): ChatClient | undefined;
  conv(): string;
  t(): Strings;
  /** Asks first, in the panel's dialog. */
  ask(confirm: Confirm): void;
  /** Runs an action of the client's; a failure is announced. */
  run(action: () => Promise<unknown>): Promise<void>;
  announce(text: string): void;
  /** Focuses a message row once rendered. */
  focus(key: string): void;
  close(): void;
}

/** A button of a message row: retry or discard an unsent message, report someone else's stored one, delete one's own. */
export function rowAction(a: ActionContext, action: string | undefined, row: MessageRow): void {
  const t = a.t();
  const conv = a.conv();
  const seq = row.message?.seq ?? 0;
  if (action === 'retry' && row.entry) a.chat()?.retry(row.entry.id);
  else if (action === 'discard' && row.entry) a.chat()?.discard(row.entry.id);
  else if (action === 'report' && seq) a.ask(askReport(t, () => a.run(() => a.chat()!.report(conv, seq).then(() => a.announce(t.reportSent)))));
  // Cannot be undone: asked first. The row becomes a tombstone for everyone (the client's own update and the server's
  // live frame); focus, on the delete button that went with the message, goes to the tombstone.
  else if (action === 'unsend' && seq)
    a.ask(askUnsend(t, () => a.run(() => a.chat()!.unsend(conv, seq).then(() => (a.announce(t.messageDeleted), a.focus(row.key))))));
}

/** An item of the actions menu, on conversation `c` (and `other`, the other person of a direct one). */
export function menuAction(a: ActionContext, action: MenuAction, c: Conversation | undefined, other: string | undefined, users: Readonly<Record<string, User>>): void {
  const t = a.t();
  if (action === 'mute' && c) void a.run(() => a.chat()!.mute(c.id, !c.muted));
  else if (action === 'unblock' && other) void a.run(() => a.chat()!.block(other, false));
  else if (action === 'leave') a.ask(askLeave(t, () => a.run(() => a.chat()!.leave(a.conv()).then(() => a.close()))));
  else if (action === 'block' && other) a.ask(askBlock(t, nameOf(users, other), () => a.run(() => a.chat()!.block(other, true))));
}
