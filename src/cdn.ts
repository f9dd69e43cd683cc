// The single-file build for a plain page: registers the three elements and
// exports everything the root module does (connect, defineElements, events).
import './elements/define.js';

export * from './index.js';
