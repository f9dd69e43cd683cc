import { setCustomElementsManifest, type Preview } from '@storybook/web-components-vite';
import manifest from '../custom-elements.json';
import { disposeScenarios } from '../stories/support/scenarios.js';
import './preview.css';

// Controls and the docs tables come from the elements' JSDoc (npm run analyze).
setCustomElementsManifest(manifest);

const preview: Preview = {
  tags: ['autodocs'],
  // Stories pass the client from their scenario; it is documented, not a control.
  argTypes: { client: { control: false } },
  // Each story builds its own in-memory chat in a loader; stop its clients and
  // timers before the next story renders.
  beforeEach: () => disposeScenarios,
  parameters: {
    layout: 'fullscreen',
    controls: { expanded: true, matchers: { color: /(background|color)$/i } },
    a11y: {
      // Any axe violation fails the story's test (and shows in the a11y panel).
      test: 'error',
      options: { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] } },
    },
    backgrounds: {
      options: {
        page: { name: 'Page', value: '#ffffff' },
        dark: { name: 'Dark', value: '#111111' },
      },
    },
    viewport: {
      options: {
        phone: { name: 'Phone', styles: { width: '390px', height: '844px' }, type: 'mobile' },
        tablet: { name: 'Tablet', styles: { width: '820px', height: '1180px' }, type: 'tablet' },
        desktop: { name: 'Desktop', styles: { width: '1280px', height: '800px' }, type: 'desktop' },
      },
    },
    docs: { story: { inline: false, height: '560px' } },
  },
  initialGlobals: { backgrounds: { value: 'page' } },
};

export default preview;
