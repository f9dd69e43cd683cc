// custom-elements.json is generated (npm run analyze) before Storybook runs;
// this lets the type-check pass on a fresh checkout where it does not exist yet.
declare module '*/custom-elements.json' {
  const manifest: object;
  export default manifest;
}
