// The demo page: a pin grid whose Send buttons open <pin-send-dialog> through
// plain data-pin-* attributes, chat heads lower-left, and a connection to the
// embedded server with a dev token for the person named in ?user=.
//
// Nothing here waits for the chat server: the pins and the sign-in list show
// at once, and the server's own list of people (with avatars) replaces the
// built-in one whenever it answers. The connection retries on its own.
//
// The page includes the loader, as a site would: the heads, the state bus and
// the socket come at idle after the load event, the panel when a head is
// hovered, focused or opened (or at idle after the heads show), the send
// dialog when a Send button is first hovered, focused or clicked.
import { connect } from '../src/loader.js';
import { SAMPLE_USERS } from '../server/shared/sample-users.js';
import { pins } from './pins.js';

interface SampleUser {
  id: string;
  name: string;
  avatar?: string;
}

const params = new URLSearchParams(location.search);
let users: readonly SampleUser[] = SAMPLE_USERS;
let me = users.find((u) => u.id === params.get('user')) ?? users[0];

void connect({
  user: me.id,
  token: async () => {
    const response = await fetch(`/dev/token?user=${encodeURIComponent(me.id)}`);
    if (!response.ok) throw new Error(`token: ${response.status}`);
    return ((await response.json()) as { token: string }).token;
  },
});

/** Asks the server for its people until it answers, backing off to every 15 s. */
async function loadUsers(waitMs = 1_000): Promise<void> {
  try {
    const response = await fetch('/dev/users');
    if (response.ok) {
      const listed = ((await response.json()) as { users: SampleUser[] }).users;
      if (listed.length) {
        users = listed;
        me = users.find((u) => u.id === me.id) ?? me;
        return renderHeader();
      }
    }
  } catch {
    // The dev server itself is restarting: try again like any other failure.
  }
  setTimeout(() => void loadUsers(Math.min(waitMs * 2, 15_000)), waitMs);
}

function renderHeader(): void {
  const mine = document.getElementById('me')!;
  mine.replaceChildren();
  if (me.avatar) {
    const img = document.createElement('img');
    img.src = me.avatar;
    img.alt = '';
    mine.append(img);
  }
  mine.append(me.name);
  const select = document.getElementById('switch-user') as HTMLSelectElement;
  select.replaceChildren(...users.map((user) => new Option(user.name, user.id, false, user.id === me.id)));
  select.onchange = () => (location.search = `?user=${encodeURIComponent(select.value)}`);
  const other = users.find((u) => u.id !== me.id)!;
  const link = document.getElementById('other-link') as HTMLAnchorElement;
  link.href = `?user=${other.id}`;
  link.textContent = `?user=${other.id}`;
}

function renderPins(): void {
  const grid = document.getElementById('grid')!;
  for (const pin of pins) {
    const image = new URL(`pins/${pin.slug}.svg`, location.href).href;
    const item = document.createElement('li');
    item.className = 'pin';
    item.innerHTML = `<div class="media"><img alt="" width="${pin.width}" height="${pin.height}" /><button type="button" data-pin-send>Send</button></div><h2></h2><p></p>`;
    const img = item.querySelector('img')!;
    img.src = image;
    img.alt = pin.title;
    const button = item.querySelector('button')!;
    button.setAttribute('aria-label', `Send “${pin.title}”`);
    button.dataset.pinUrl = pin.url;
    button.dataset.pinImage = image;
    button.dataset.pinTitle = pin.title;
    button.dataset.pinDescription = pin.description;
    item.querySelector('h2')!.textContent = pin.title;
    item.querySelector('p')!.textContent = new URL(pin.url).hostname;
    grid.append(item);
  }
}

renderPins();
renderHeader();
void loadUsers();
