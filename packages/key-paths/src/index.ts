export {
  FORBIDDEN_KEYS,
  buildDocument,
  findUnsafeInput,
  isForbiddenKey,
  parseDottedPath,
  TEXT_POSTGRES_REFUSES,
  type KeyPath,
  type UnsafeInput,
} from './key-paths.js';
