import type { Strings } from '../strings.js';
import { DIALOG_STRINGS } from './dialog.js';
import { PANEL_STRINGS } from './panel.js';
import { STACK_STRINGS } from './stack.js';

/** Every element's default strings in one object: what `setStrings` overrides. */
export const DEFAULT_STRINGS: Strings = { ...STACK_STRINGS, ...PANEL_STRINGS, ...DIALOG_STRINGS };
