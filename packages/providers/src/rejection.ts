import type { Rejection, RejectionCode } from './provider.js';

/** A refusal as a value: verification and parsing never throw on bad input. */
export function reject(code: RejectionCode, message: string): Rejection {
  return { ok: false, code, message };
}
