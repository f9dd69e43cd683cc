// `pin-sent` is a PinSentEvent, not a MouseEvent.
export const App = () => (
  <pin-send-dialog
    onpin-sent={(event: MouseEvent) => event.clientX}
  />
);
