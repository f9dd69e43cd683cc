// Who is signed in, and the pins on the page. A real site knows its signed-in
// person and fetches the messaging token from its own backend; here `?user=`
// picks a sample person and the token comes from the development server's
// endpoint (`npm start` at the repository root, PIN_DEV=1).
import type { ConnectOptions, PinInput } from 'pin-messaging';

export function session(): ConnectOptions {
  const user = new URLSearchParams(location.search).get('user') ?? 'ana';
  return {
    user,
    // Called again on every reconnect, so an expired token is replaced.
    token: async () => {
      const response = await fetch(`/dev/token?user=${encodeURIComponent(user)}`);
      if (!response.ok) throw new Error(`token: ${response.status}`);
      return ((await response.json()) as { token: string }).token;
    },
  };
}

// Pins carry absolute URLs: the elements show nothing else as a link or image.
const image = (name: string) => new URL(`pins/${name}.svg`, document.baseURI).href;

export const PINS: PinInput[] = [
  {
    url: 'https://www.example.com/recipes/lemon-tart',
    image: image('lemon-tart'),
    title: 'Lemon tart with a crisp butter crust',
  },
  { url: 'https://www.example.com/travel/lisbon', image: image('lisbon'), title: 'Three days in Lisbon' },
];

/** What the page says after a send, from the `pin-sent` event. */
export function sentStatus(conversations: number): string {
  return conversations === 1 ? 'Sent to 1 conversation' : `Sent to ${conversations} conversations`;
}
