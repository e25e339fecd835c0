// One transform, inside a child process of the sandbox (transform.ts). Plain JavaScript so that the child
// can load it as it is, from the source tree and from dist alike. The child's heap is capped by its
// --max-old-space-size and the parent kills it at the time limit; the output limit is measured here, so an
// oversized result is never sent back.
import { Buffer } from 'node:buffer';
import jsonata from 'jsonata';
import workerpool from 'workerpool';

/** @type {Map<string, ReturnType<typeof jsonata>>} */
const compiled = new Map();
const CACHE_LIMIT = 100;

/**
 * @param {string} expression
 * @param {unknown} payload
 * @param {number} maxOutputBytes
 * @returns {Promise<{ ok: true, json: string, bytes: number } | { ok: false, kind: 'output' | 'error', message: string }>}
 */
async function evaluate(expression, payload, maxOutputBytes) {
  try {
    let program = compiled.get(expression);
    if (!program) {
      program = jsonata(expression);
      if (compiled.size >= CACHE_LIMIT) compiled.clear();
      compiled.set(expression, program);
    }
    // undefined (nothing matched) is stored as null: the column says the transform ran.
    const json = JSON.stringify((await program.evaluate(payload)) ?? null) ?? 'null';
    const bytes = Buffer.byteLength(json);
    if (bytes > maxOutputBytes) {
      return { ok: false, kind: 'output', message: `the result is ${bytes} bytes; the limit is ${maxOutputBytes}` };
    }
    return { ok: true, json, bytes };
  } catch (error) {
    const { message, code } = /** @type {{ message?: string, code?: string }} */ (error ?? {});
    return { ok: false, kind: 'error', message: `${code ? `${code}: ` : ''}${message ?? String(error)}` };
  }
}

workerpool.worker({ evaluate });
