// Payload validation: GitHub's published JSON Schemas (@octokit/webhooks-schemas) for known GitHub
// events, plus operator rules (a source's validationRules setting): a JSON Schema per event type or event
// type and action. Schemas are compiled once, on first use of each event.
import { createRequire } from 'node:module';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsPlugin from 'ajv-formats';

/** JSON Schemas keyed by "event" or "event.action". */
export type ValidationRules = Record<string, Record<string, unknown>>;

export interface ValidationError {
  path: string;
  message: string;
}

export type ValidationVerdict =
  { valid: true; checked: string[] } | { valid: false; checked: string[]; errors: ValidationError[] };

export interface PayloadValidator {
  /**
   * Compiles GitHub's schemas now. The first compilation builds the whole definition graph (seconds), so
   * an app calls this once it listens rather than let the first delivery pay for it.
   */
  prepare(): void;
  validate(input: {
    provider: string;
    eventType: string;
    action: string | null;
    payload: unknown;
    rules?: ValidationRules;
  }): ValidationVerdict;
}

const GITHUB_SCHEMA_ID = 'github-webhooks';
const MAX_CACHED_RULES = 500;

// ajv-formats is CommonJS with a default export; under NodeNext it arrives as the module object.
const addFormats = ((addFormatsPlugin as unknown as { default?: typeof addFormatsPlugin }).default ??
  addFormatsPlugin) as unknown as (ajv: Ajv) => Ajv;

function newAjv(): Ajv {
  // strict: false because the published schemas carry non-standard annotations (tsAdditionalProperties);
  // allErrors stays off, so a hostile payload costs one failing path, not a walk of every error.
  const ajv = new Ajv({ strict: false, allErrors: false });
  addFormats(ajv);
  return ajv;
}

function toErrors(errors: ErrorObject[] | null | undefined): ValidationError[] {
  return (errors ?? []).map((error) => ({ path: error.instancePath || '/', message: error.message ?? 'is invalid' }));
}

/** One compiler for operator rules, with compiled rules cached by their JSON text. */
const rulesAjv = newAjv();
const compiledRules = new Map<string, ValidateFunction>();

function compileRule(schema: unknown): ValidateFunction {
  const key = JSON.stringify(schema);
  let compiled = compiledRules.get(key);
  if (!compiled) {
    compiled = rulesAjv.compile(schema as Record<string, unknown>);
    if (compiledRules.size >= MAX_CACHED_RULES) compiledRules.delete(compiledRules.keys().next().value!);
    compiledRules.set(key, compiled);
  }
  return compiled;
}

/** Checks that each rule is a JSON Schema ajv can compile, so a bad rule is refused when it is saved. */
export function compileValidationRules(
  rules: unknown,
): { ok: true; rules: ValidationRules } | { ok: false; errors: string[] } {
  if (typeof rules !== 'object' || rules === null || Array.isArray(rules)) {
    return { ok: false, errors: ['validation rules must be an object of JSON Schemas keyed by event type'] };
  }
  const errors: string[] = [];
  for (const [key, schema] of Object.entries(rules)) {
    if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) {
      errors.push(`rule "${key}" must be a JSON Schema object`);
      continue;
    }
    try {
      compileRule(schema);
    } catch (error) {
      errors.push(
        `rule "${key}" is not a valid JSON Schema: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, rules: rules as ValidationRules };
}

export function createPayloadValidator(): PayloadValidator {
  const ajv = newAjv();
  const schema = createRequire(import.meta.url)('@octokit/webhooks-schemas/schema.json') as {
    definitions: Record<string, unknown>;
  };
  ajv.addSchema(schema, GITHUB_SCHEMA_ID);
  const githubValidators = new Map<string, ValidateFunction | null>();

  const githubValidator = (
    eventType: string,
    action: string | null,
  ): { key: string; validate: ValidateFunction } | null => {
    const key = `${eventType}$${action ?? 'event'}`;
    if (!githubValidators.has(key)) {
      githubValidators.set(
        key,
        key in schema.definitions ? (ajv.getSchema(`${GITHUB_SCHEMA_ID}#/definitions/${key}`) ?? null) : null,
      );
    }
    const validate = githubValidators.get(key);
    return validate ? { key, validate } : null;
  };

  return {
    prepare() {
      // Any one event compiles the shared definitions; the rest then compile in milliseconds.
      githubValidator('pull_request', 'opened');
    },
    validate({ provider, eventType, action, payload, rules }) {
      const checked: string[] = [];
      const errors: ValidationError[] = [];
      if (provider === 'github') {
        const github = githubValidator(eventType, action);
        if (github) {
          checked.push(`github:${eventType}${action ? `.${action}` : ''}`);
          if (!github.validate(payload)) errors.push(...toErrors(github.validate.errors));
        }
      }
      for (const key of action ? [eventType, `${eventType}.${action}`] : [eventType]) {
        // Own keys only: the event type comes from an unsigned header, and "constructor" must not find Object's.
        const rule = rules && Object.hasOwn(rules, key) ? rules[key] : undefined;
        if (!rule) continue;
        checked.push(`rule:${key}`);
        const validate = compileRule(rule);
        if (!validate(payload)) errors.push(...toErrors(validate.errors));
      }
      return errors.length > 0 ? { valid: false, checked, errors } : { valid: true, checked };
    },
  };
}
