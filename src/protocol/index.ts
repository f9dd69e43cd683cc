export * from './body.js';
export * from './codes.js';
export * from './ids.js';
export * from './limits.js';
export * from './parse.js';
export * from './schema.js';
export * from './server-frames.js';
export * from './url.js';
