// JSON Pointers (RFC 6901) into untrusted payloads, for generic sources' identity fields and routing rules
// alike. Thirty lines written here: a reading follows own properties only ("/__proto__/x" or "/constructor"
// never reach Object.prototype) and array indexes strictly ("01" and "1x" are not indexes, as RFC 6901 says).

const ARRAY_INDEX = /^(0|[1-9]\d*)$/;

/** The pointer's reference tokens, unescaped ("~1" is "/", "~0" is "~"); null when it is not a pointer. */
export function parseJsonPointer(pointer: string): string[] | null {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) return null;
  const tokens: string[] = [];
  for (const raw of pointer.slice(1).split('/')) {
    // "~" may only start "~0" or "~1".
    if (/~[^01]|~$/.test(raw)) return null;
    tokens.push(raw.replace(/~1/g, '/').replace(/~0/g, '~'));
  }
  return tokens;
}

/** The value a parsed pointer names, or undefined when the payload has nothing there. */
export function valueAtPointer(root: unknown, tokens: readonly string[]): unknown {
  let node = root;
  for (const token of tokens) {
    if (typeof node !== 'object' || node === null) return undefined;
    if (Array.isArray(node)) {
      if (!ARRAY_INDEX.test(token)) return undefined;
      node = node[Number(token)];
    } else {
      if (!Object.hasOwn(node, token)) return undefined;
      node = (node as Record<string, unknown>)[token];
    }
  }
  return node;
}
