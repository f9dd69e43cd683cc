// Importing one element brings its tag and its events into the global maps.
import 'pin-messaging/pin-send-dialog';

const dialog = document.querySelector('pin-send-dialog');
dialog?.close();
document.addEventListener('pin-sent', (event) => console.log(event.detail.sent.length));
