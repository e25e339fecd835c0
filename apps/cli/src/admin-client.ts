// The admin API over HTTP with a bearer token. A non-2xx answer becomes an ApiError carrying the API's
// own `code`; the token only ever goes into the Authorization header, never into a message.
import type { ErrorBody } from '@hookfleet/http';

export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** The API's `details`, e.g. which settings fields it refused and why. */
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export type Query = Record<string, string | number | undefined>;

export class AdminClient {
  constructor(private readonly options: { baseUrl: string; token: string | undefined }) {}

  get<T>(path: string, query: Query = {}): Promise<T> {
    return this.request<T>('GET', path, query);
  }

  post<T>(path: string, body?: unknown): Promise<T> {
    return this.request<T>('POST', path, {}, body);
  }

  patch<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('PATCH', path, {}, body);
  }

  put<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('PUT', path, {}, body);
  }

  delete<T>(path: string): Promise<T> {
    return this.request<T>('DELETE', path, {});
  }

  private async request<T>(method: string, path: string, query: Query, body?: unknown): Promise<T> {
    const url = new URL(path, this.options.baseUrl);
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.options.token) headers.authorization = `Bearer ${this.options.token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    } catch (error) {
      throw new ApiError(0, 'unreachable', `cannot reach ${url.origin}: ${(error as Error).cause ?? error}`);
    }
    const text = await response.text();
    const parsed = parseJson(text);
    if (!response.ok) throw apiErrorOf(response.status, parsed, text);
    return parsed as T;
  }
}

export function parseJson(text: string): unknown {
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The API's error shape ({ code, error }), or what we can say about an answer that is not one. */
export function apiErrorOf(status: number, body: unknown, text: string): ApiError {
  const error = typeof body === 'object' && body !== null ? (body as Partial<ErrorBody>) : {};
  return new ApiError(
    status,
    error.code ?? `http_${status}`,
    error.error ?? (text.slice(0, 200) || 'no body'),
    error.details,
  );
}
