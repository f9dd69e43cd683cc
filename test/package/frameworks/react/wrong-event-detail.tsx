// `pin-message`'s detail has no `text`.
export const App = () => (
  <chat-head-stack
    onpin-message={(event) => event.detail.text}
  />
);
