// Errors of the API arrive as RFC 9457 problem documents. ApiError carries
// what the user is shown: the message, the stable code, the request id to
// quote to support, and the fields at fault for forms.

export interface FieldError {
  field: string;
  message: string;
}

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly requestId: string | undefined;
  readonly fieldErrors: FieldError[];
  readonly details: Record<string, unknown> | undefined;

  constructor(status: number, body: unknown, requestId?: string) {
    const p = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    const detail = typeof p.detail === 'string' ? p.detail : typeof p.title === 'string' ? p.title : `HTTP ${status}`;
    super(detail);
    this.name = 'ApiError';
    this.status = status;
    this.code = typeof p.code === 'string' ? p.code : 'UNKNOWN';
    this.requestId = (typeof p.requestId === 'string' ? p.requestId : undefined) ?? requestId;
    this.fieldErrors = Array.isArray(p.errors)
      ? p.errors.filter((e): e is FieldError => typeof e?.field === 'string' && typeof e?.message === 'string')
      : [];
    this.details = typeof p.details === 'object' && p.details !== null ? (p.details as Record<string, unknown>) : undefined;
  }

  /** isStale is a write refused because someone else changed the record. */
  get isStale(): boolean {
    return this.status === 412;
  }
}

/** fieldErrorMap turns the problem's field errors into form errors by field. */
export function fieldErrorMap(err: unknown): Record<string, string> {
  if (!(err instanceof ApiError)) return {};
  const out: Record<string, string> = {};
  for (const e of err.fieldErrors) {
    // "investigation.rootCauses[0]" is shown on the rootCauses field too.
    const key = e.field.replace(/^body\./, '');
    out[key] ??= e.message;
    const base = key.replace(/^investigation\./, '').replace(/\[\d+\].*$/, '');
    out[base] ??= e.message;
  }
  return out;
}
