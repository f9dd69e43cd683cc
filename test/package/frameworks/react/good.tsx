// Correct use: must type-check.
import 'pin-messaging/define';
import type { PinLinkRequestEvent, PinSendDialog, PinSentEvent } from 'pin-messaging';
import { useRef } from 'react';

export function App() {
  const dialog = useRef<PinSendDialog>(null);
  const sent: string[] = [];
  return (
    <main>
      <pin-send-dialog
        ref={dialog}
        id="send"
        theme="dark"
        strings={{}}
        onpin-sent={(event) => sent.push(...event.detail.sent.map((s) => s.conv))}
        onClick={() => dialog.current?.close()}
      />
      <chat-head-stack max={3} side="end" titleBadge sound={false} prefetch="none" aria-label="Chats" onpin-message={(event) => event.detail.conv} />
      <conversation-panel conv="c1" hidden onpin-link-request={(event: PinLinkRequestEvent) => event.preventDefault()} onpin-conversation-closeCapture={() => {}} />
      <pin-send-dialog onpin-sent={(event: PinSentEvent) => void event.detail} />
    </main>
  );
}
