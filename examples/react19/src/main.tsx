// React 19 renders custom elements natively: it sets properties the element
// defines (`max` below) and listens to custom events through `on<event-name>`
// props (`onpin-sent`). No wrapper needed. `pin-messaging/react` types the three
// tags in JSX: their properties, and each event handler's argument.
import type {} from 'pin-messaging/react';
import 'pin-messaging/define';
import { connect, type PinSendDialog } from 'pin-messaging';
import { StrictMode, useRef, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { PINS, sentStatus, session } from './session';

connect(session());

function App() {
  const dialog = useRef<PinSendDialog>(null);
  const [status, setStatus] = useState('');
  return (
    <main>
      <h1>Pins</h1>
      <ul className="pins">
        {PINS.map((pin) => (
          <li key={pin.url}>
            <img src={pin.image} alt={pin.title} width={160} height={120} />
            <button type="button" aria-label={`Send “${pin.title}”`} onClick={(event) => dialog.current?.open(pin, event.currentTarget)}>
              Send
            </button>
          </li>
        ))}
      </ul>
      <p role="status">{status}</p>
      <pin-send-dialog ref={dialog} onpin-sent={(event) => setStatus(sentStatus(event.detail.sent.length))} />
      <chat-head-stack max={3} />
    </main>
  );
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
