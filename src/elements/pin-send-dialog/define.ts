import { defineElement } from '../internal/define.js';
import { PinSendDialog } from './pin-send-dialog.js';

defineElement('pin-send-dialog', PinSendDialog);

export { PinSendDialog };

declare global {
  interface HTMLElementTagNameMap {
    'pin-send-dialog': PinSendDialog;
  }
}
