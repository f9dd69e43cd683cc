// `max` is a number.
export const App = () => (
  <chat-head-stack
    max="three"
  />
);
