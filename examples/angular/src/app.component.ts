// Angular binds to custom elements once the component allows unknown tags
// (CUSTOM_ELEMENTS_SCHEMA): `[max]` sets the property, `(pin-sent)` listens to
// the custom event, and a template reference reaches the element's methods.
import { Component, CUSTOM_ELEMENTS_SCHEMA, ElementRef, viewChild } from '@angular/core';
import type { PinInput, PinSendDialog, PinSentEvent } from 'pin-messaging';
import { PINS, sentStatus } from './session';

@Component({
  selector: 'app-root',
  schemas: [CUSTOM_ELEMENTS_SCHEMA],
  template: `
    <main>
      <h1>Pins</h1>
      <ul class="pins">
        @for (pin of pins; track pin.url) {
          <li>
            <img [src]="pin.image" [alt]="pin.title" width="160" height="120" />
            <button type="button" [attr.aria-label]="'Send “' + pin.title + '”'" (click)="send(pin, $event)">Send</button>
          </li>
        }
      </ul>
      <p role="status">{{ status }}</p>
      <pin-send-dialog #dialog (pin-sent)="onSent($event)"></pin-send-dialog>
      <chat-head-stack [max]="3"></chat-head-stack>
    </main>
  `,
})
export class AppComponent {
  readonly pins = PINS;
  status = '';
  private readonly dialog = viewChild.required<ElementRef<PinSendDialog>>('dialog');

  send(pin: PinInput, event: MouseEvent): void {
    void this.dialog().nativeElement.open(pin, event.currentTarget as HTMLElement);
  }

  onSent(event: Event): void {
    this.status = sentStatus((event as PinSentEvent).detail.sent.length);
  }
}
