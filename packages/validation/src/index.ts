export {
  compileValidationRules,
  createPayloadValidator,
  type PayloadValidator,
  type ValidationError,
  type ValidationRules,
  type ValidationVerdict,
} from './payload-validator.js';
