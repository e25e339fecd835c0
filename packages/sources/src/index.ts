export {
  credentialHeadersOf,
  genericConfigOf,
  genericSettingsSchema,
  type GenericSettings,
} from './generic-settings.js';
export { GENERIC_PRESETS, GENERIC_PRESET_NAMES, type GenericPresetName } from './generic-presets.js';
export { createSecretBox, SecretBoxError, type SecretBox } from './secret-box.js';
export {
  cidrSchema,
  isAllowed,
  jsonataError,
  readSourceSetting,
  readSourceSettings,
  toBlockList,
  MAX_BODY_BYTES_CAP,
  type ProcessingSettings,
  type SourceSettings,
} from './settings.js';
export {
  createSource,
  generateSecret,
  getSource,
  listSources,
  rotateSourceSecret,
  updateSource,
  SourceError,
  type NewSource,
  type SecretView,
  type SourceDeps,
  type SourceView,
} from './sources.js';
export { createSourceResolver, type ResolvedSource, type SourceResolver } from './resolver.js';
export {
  createTransformSandbox,
  transformConfigShape,
  transformLimitsOf,
  type TransformLimit,
  type TransformLimits,
  type TransformOutcome,
  type TransformSandbox,
} from './transform.js';
export { editSourceRoutes, readSourceRoutes } from './source-routes.js';
