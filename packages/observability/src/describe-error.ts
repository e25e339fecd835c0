// An Error's useful fields as plain JSON. Error's own properties are not enumerable, so a logger that
// serialises `{ error }` as it is writes `"error":{}`: every error is logged through this instead.

export interface ErrorDescription {
  class: string;
  message: string;
  code?: string | number;
  stack?: string;
  cause?: ErrorDescription | string;
}

export function describeError(error: unknown, depth = 0): ErrorDescription | string {
  if (!(error instanceof Error)) return typeof error === 'string' ? error : safeString(error);
  const { code } = error as { code?: unknown };
  return {
    class: error.constructor?.name ?? error.name,
    message: error.message,
    ...(typeof code === 'string' || typeof code === 'number' ? { code } : {}),
    ...(error.stack ? { stack: error.stack } : {}),
    ...(error.cause !== undefined && depth < 3 ? { cause: describeError(error.cause, depth + 1) } : {}),
  };
}

function safeString(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
