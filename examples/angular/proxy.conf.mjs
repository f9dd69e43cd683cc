// The socket and the development token endpoint go to the messaging server, so the page,
// its token and its socket share one origin. PIN_SERVER_URL names the server (default
// http://127.0.0.1:1999, what `npm start` in the pin-messaging repository runs).
const target = process.env.PIN_SERVER_URL ?? 'http://127.0.0.1:1999';

export default {
  '/parties': { target, ws: true },
  '/dev': { target },
};
