import { parseJsonObject } from './json.js';
import type { ParseResult } from './provider.js';
import { reject } from './rejection.js';

export const FORM_CONTENT_TYPE = 'application/x-www-form-urlencoded';

/** GitHub's form deliveries and Slack's interactivity send the JSON in one `payload` form field. */
export function parseFormPayloadField(form: URLSearchParams): ParseResult {
  const fields = form.getAll('payload');
  if (fields.length === 0) return reject('invalid_payload', 'form body has no payload field');
  // Two fields would leave the choice to whichever parser reads the body next.
  if (fields.length > 1) return reject('invalid_payload', 'form body has more than one payload field');
  return parseJsonObject(fields[0] ?? '');
}
