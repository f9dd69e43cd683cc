// The page's only script besides the violation recorder: loads the
// single-file build and connects, exactly as the plain CDN page does inline.
import { connect } from '/cdn/pin-messaging.js';

const user = new URLSearchParams(location.search).get('user');
for (const button of document.querySelectorAll('[data-pin-image]')) {
  button.dataset.pinImage = new URL(button.dataset.pinImage, location.href).href;
}
connect({ user, token: () => fetch(`/token?user=${encodeURIComponent(user)}`).then((r) => r.text()) });
