// The loader pages' only script besides the loader itself (and, on the CSP
// page, the violation recorder): notes what was fetched before the load event
// and connects through the loader, which opens the socket at idle after it.
import { connect } from '/cdn/loader.js';

const params = new URLSearchParams(location.search);
const user = params.get('user');
for (const button of document.querySelectorAll('[data-pin-image]')) {
  button.dataset.pinImage = new URL(button.dataset.pinImage, location.href).href;
}
if (params.has('prefetch')) document.querySelector('chat-head-stack').setAttribute('prefetch', params.get('prefetch'));
addEventListener('load', () => {
  window.scriptsBeforeLoad = performance
    .getEntriesByType('resource')
    .filter((entry) => entry.initiatorType === 'script' || entry.name.endsWith('.js'))
    .map((entry) => new URL(entry.name).pathname);
});
connect({ user, token: () => fetch(`/token?user=${encodeURIComponent(user)}`).then((r) => r.text()) });
