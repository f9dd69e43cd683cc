// `pin-send-dialog` has no `maximum`.
export const App = () => (
  <pin-send-dialog
    maximum={3}
  />
);
