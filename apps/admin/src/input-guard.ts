// Every admin request's query and JSON body pass here before any route reads them: a key that could reach a
// prototype, nesting deeper than any admin call needs, or a string Postgres cannot hold is a 400 with a code,
// whichever route it was meant for. The routes' own schemas then judge the values that are left.
import type { RequestHandler } from 'express';
import { AppError } from '@hookfleet/http';
import { findUnsafeInput, type UnsafeInput } from '@hookfleet/key-paths';

/** Deeper than any admin body (a filter inside an operation inside settings) is ever nested. */
export const MAX_INPUT_DEPTH = 32;

function refuse(found: UnsafeInput, where: 'query' | 'body'): never {
  switch (found.kind) {
    case 'forbidden_key':
      throw new AppError('forbidden_key', `${where} ${found.path}: the key "${found.key}" is not allowed`);
    case 'too_deep':
      throw new AppError('input_too_deep', `${where} ${found.path}: nested deeper than ${found.maxDepth}`);
    case 'invalid_string':
      throw new AppError('invalid_character', `${where} ${found.path}: NUL and unpaired surrogates are not allowed`);
  }
}

export function refuseUnsafeInput(): RequestHandler {
  return (req, _res, next) => {
    // A NUL in the path would reach a route parameter (and Postgres) once decoded.
    if (/%00/i.test(req.path)) throw new AppError('invalid_character', 'the path contains NUL');
    const inQuery = findUnsafeInput(req.query, MAX_INPUT_DEPTH);
    if (inQuery) refuse(inQuery, 'query');
    const inBody = findUnsafeInput(req.body, MAX_INPUT_DEPTH);
    if (inBody) refuse(inBody, 'body');
    next();
  };
}
