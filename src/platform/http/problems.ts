/**
 * Errors as RFC 9457 problem details. Each kind has a stable `type` (a path under /problems, which serves
 * its description) that clients can switch on; titles are for people and may be reworded.
 */
export const PROBLEM_TYPES = {
  "validation-failed": { status: 400, title: "The request is not valid" },
  "malformed-json": { status: 400, title: "The request body is not valid JSON" },
  "invalid-cursor": { status: 400, title: "The pagination cursor is not valid" },
  unauthenticated: { status: 401, title: "Credentials are missing, wrong, expired or revoked" },
  forbidden: { status: 403, title: "These credentials may not do this" },
  "not-found": { status: 404, title: "No such resource" },
  conflict: { status: 409, title: "The request conflicts with the current state" },
  "idempotency-key-in-use": {
    status: 409,
    title: "A request with this Idempotency-Key is still being processed",
  },
  "idempotency-key-reused": {
    status: 422,
    title: "This Idempotency-Key was already used for a different request",
  },
  "payload-too-large": { status: 413, title: "The request body is too large" },
  "unsupported-media-type": { status: 415, title: "The request body must be application/json" },
  "business-rule": { status: 422, title: "The request breaks a business rule" },
  "coupon-not-found": { status: 422, title: "No such coupon for this member" },
  "coupon-expired": { status: 422, title: "The coupon is outside its validity period" },
  "coupon-already-used": { status: 409, title: "The coupon is already used or held by another checkout" },
  "coupon-not-applicable": { status: 422, title: "The coupon does not apply to this cart" },
  "coupon-revoked": { status: 422, title: "The brand withdrew this coupon" },
  "insufficient-stock": { status: 409, title: "The budget or stock is used up" },
  "insufficient-points": { status: 422, title: "The member does not have enough points" },
  "limit-reached": { status: 422, title: "The per-member limit is reached" },
  "quote-mismatch": { status: 409, title: "The commit differs from what the quote computes" },
  "reservation-expired": { status: 409, title: "The checkout's hold has expired" },
  "rate-limited": { status: 429, title: "Too many requests; retry later" },
  internal: { status: 500, title: "Something went wrong on our side" },
  unavailable: { status: 503, title: "The service is not ready" },
} as const satisfies Record<string, { status: number; title: string }>;

export type ProblemCode = keyof typeof PROBLEM_TYPES;

export interface FieldError {
  /** Where the bad value is: body, query, params or headers. */
  in: string;
  /** JSON pointer to the field within that part, e.g. "/lines/0/quantity". */
  field: string;
  message: string;
}

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  code: ProblemCode;
  /** The first field at fault, when there is one. */
  field?: string;
  errors?: FieldError[];
  request_id?: string;
  [extension: string]: unknown;
}

export function problemTypeUri(code: ProblemCode): string {
  return `/problems/${code}`;
}

/** Thrown by services and routes; the error handler turns it into a problem+json response. */
export class Problem extends Error {
  readonly code: ProblemCode;
  readonly status: number;
  readonly errors: FieldError[] | undefined;
  readonly extensions: Record<string, unknown>;

  constructor(
    code: ProblemCode,
    detail?: string,
    options: { errors?: FieldError[]; extensions?: Record<string, unknown> } = {},
  ) {
    super(detail ?? PROBLEM_TYPES[code].title);
    this.name = "Problem";
    this.code = code;
    this.status = PROBLEM_TYPES[code].status;
    this.errors = options.errors;
    this.extensions = options.extensions ?? {};
  }

  body(instance?: string, requestId?: string): ProblemBody {
    const first = this.errors?.[0];
    return {
      // Extensions first: they add members, never replace the standard ones (status is the HTTP status, always).
      ...this.extensions,
      type: problemTypeUri(this.code),
      title: PROBLEM_TYPES[this.code].title,
      status: this.status,
      detail: this.message,
      code: this.code,
      ...(first ? { field: first.field } : {}),
      ...(this.errors ? { errors: this.errors } : {}),
      ...(instance ? { instance } : {}),
      ...(requestId ? { request_id: requestId } : {}),
    };
  }
}

export const notFound = (what: string, id?: string) =>
  new Problem("not-found", id ? `${what} ${id} does not exist` : `${what} does not exist`);

export const invalidField = (field: string, message: string, where = "body") =>
  new Problem("validation-failed", message, { errors: [{ in: where, field, message }] });

export const businessRule = (detail: string, field?: string) =>
  new Problem("business-rule", detail, field ? { errors: [{ in: "body", field, message: detail }] } : {});
