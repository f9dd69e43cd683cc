// The loader pages' only script besides the loader itself (and, on the CSP
// page, the violation recorder): notes what was fetched before the load event
// and connects through the loader, which opens the socket at idle after it.
import { connect } from '/cdn/loader.js';

const params = new URLSearchParams(location.search);
const user = params.get('user');
for (const button of document.querySelectorAll('[data-pin-image]')) {
  button.dataset.pinImage = new URL(button.dataset.pinImage, location.href).href;
}
if (params.has('prefetch')) document.querySelector('chat-head-stack')?.setAttribute('prefetch', params.get('prefetch'));
// As a single-page app renders it: the stack is not in the page as parsed
// (the test takes it out as the parser adds it), but comes after the load
// event, nested in markup the app adds.
const later = window.laterStack;
if (later) {
  addEventListener('load', () =>
    setTimeout(() => {
      const view = document.createElement('section');
      view.append(document.createElement('div'));
      view.firstElementChild.append(later);
      document.body.append(view);
    }, 300),
  );
}
addEventListener('load', () => {
  window.scriptsBeforeLoad = performance
    .getEntriesByType('resource')
    .filter((entry) => entry.initiatorType === 'script' || entry.name.endsWith('.js'))
    .map((entry) => new URL(entry.name).pathname);
});
connect({ user, token: () => fetch(`/token?user=${encodeURIComponent(user)}`).then((r) => r.text()) });
