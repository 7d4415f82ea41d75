// The one way the pages talk to the API: bearer token, JSON, problem+json errors as ApiProblem, idempotency keys.

export interface ProblemField {
  in: string;
  field: string;
  message: string;
}

/** An application/problem+json answer: `code` is stable, `field` points at the part of the request at fault. */
export class ApiProblem extends Error {
  readonly status: number;
  readonly code: string;
  readonly field: string | undefined;
  readonly errors: ProblemField[];
  constructor(status: number, body: Record<string, unknown>) {
    super(
      typeof body.detail === "string"
        ? body.detail
        : typeof body.title === "string"
          ? body.title
          : `HTTP ${status}`,
    );
    this.status = status;
    this.code = typeof body.code === "string" ? body.code : "internal";
    this.field = typeof body.field === "string" ? body.field : undefined;
    this.errors = Array.isArray(body.errors) ? (body.errors as ProblemField[]) : [];
  }
}

/** What to tell a user about a failure: the API's detail, or the error's message. */
export function errorText(failure: unknown): string {
  if (failure instanceof Error) return failure.message;
  return typeof failure === "string" ? failure : "Something went wrong";
}

export interface Page<T> {
  items: T[];
  next_cursor?: string | null;
}

type Query = Record<string, string | number | boolean | undefined | null>;

export function withQuery(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== "") params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

export interface ApiClient {
  get<T>(path: string, query?: Query): Promise<T>;
  post<T>(path: string, body?: unknown, query?: Query): Promise<T>;
  patch<T>(path: string, body: unknown): Promise<T>;
  /** A whole document replaced (the member day's settings). */
  put<T>(path: string, body: unknown): Promise<T>;
  del<T>(path: string): Promise<T>;
}

/**
 * A client for one face. `token()` reads the current session; `onUnauthenticated` runs on a 401 so the page can
 * send the user back to sign-in.
 */
export function createApi(token: () => string | null, onUnauthenticated: () => void): ApiClient {
  async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = {};
    const current = token();
    if (current) headers.authorization = `Bearer ${current}`;
    if (body !== undefined) headers["content-type"] = "application/json";
    // A retried click must not adjust points twice: every change carries its own key.
    if (method !== "GET") headers["idempotency-key"] = crypto.randomUUID();
    const response = await fetch(path, {
      method,
      headers,
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = { detail: text };
    }
    if (!response.ok) {
      if (response.status === 401 && current) onUnauthenticated();
      throw new ApiProblem(response.status, (parsed ?? {}) as Record<string, unknown>);
    }
    return parsed as T;
  }
  return {
    get: (path, query) => call("GET", withQuery(path, query)),
    post: (path, body, query) => call("POST", withQuery(path, query), body ?? {}),
    patch: (path, body) => call("PATCH", path, body),
    put: (path, body) => call("PUT", path, body),
    del: (path) => call("DELETE", path),
  };
}

/** Field errors of a problem keyed by the top-level form field (`/benefit/amount_minor` → `benefit`). */
export function fieldErrors(problem: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!(problem instanceof ApiProblem)) return out;
  const entries = problem.errors.length
    ? problem.errors
    : problem.field
      ? [{ in: "body", field: problem.field, message: problem.message }]
      : [];
  for (const entry of entries) {
    const key = entry.field.split("/").filter(Boolean).join(".") || "_";
    // A union lists each alternative's complaint: "is not a known field" (another kind's field) says the least.
    if (out[key] === undefined || out[key] === "is not a known field") out[key] = entry.message;
  }
  return out;
}
