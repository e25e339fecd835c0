// Reading parsed payloads without trusting their shape: every accessor returns null for a missing or
// mistyped field, and only own properties are followed (never Object.prototype).

export type PathKey = string | number;

export function valueAt(root: unknown, ...path: PathKey[]): unknown {
  let node = root;
  for (const key of path) {
    if (typeof node !== 'object' || node === null) return undefined;
    if (typeof key === 'number' ? !Array.isArray(node) : Array.isArray(node)) return undefined;
    if (!Object.hasOwn(node, key)) return undefined;
    node = (node as Record<PathKey, unknown>)[key];
  }
  return node;
}

/** A non-empty string, or null. */
export function stringAt(root: unknown, ...path: PathKey[]): string | null {
  const value = valueAt(root, ...path);
  return typeof value === 'string' && value !== '' ? value : null;
}

/** A finite number, or null. */
export function numberAt(root: unknown, ...path: PathKey[]): number | null {
  const value = valueAt(root, ...path);
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/** An identifier that senders write either as a number or as a string. */
export function idAt(root: unknown, ...path: PathKey[]): string | number | null {
  return numberAt(root, ...path) ?? stringAt(root, ...path);
}

/** The first non-null of several readings, in order of preference. */
export function firstOf<T>(...values: (T | null)[]): T | null {
  for (const value of values) if (value !== null) return value;
  return null;
}

/** Metadata keeps only what the payload actually had. */
export function withoutNulls(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== null && value !== undefined));
}
