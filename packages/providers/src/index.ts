export * from './headers.js';
export * from './github.js';
