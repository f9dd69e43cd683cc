import { connect, type PinSendDialog as PinSendDialogElement } from 'pin-messaging';
import { StrictMode, useRef, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { ChatHeadStack, PinSendDialog } from './elements';
import { PINS, sentStatus, session } from './session';

connect(session());

function App() {
  const dialog = useRef<PinSendDialogElement>(null);
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
      <PinSendDialog ref={dialog} onPinSent={(event) => setStatus(sentStatus(event.detail.sent.length))} />
      <ChatHeadStack max={3} />
    </main>
  );
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
