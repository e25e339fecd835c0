export {
  FORBIDDEN_KEYS,
  buildDocument,
  findUnsafeInput,
  isForbiddenKey,
  parseDottedPath,
  type KeyPath,
  type UnsafeInput,
} from './key-paths.js';
