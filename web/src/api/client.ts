// The typed client of the API. Types come from schema.d.ts, generated from
// the server's OpenAPI document by `npm run gen`; nothing here describes the
// API by hand.
import createClient, { type Middleware } from 'openapi-fetch';
import type { paths, components } from './schema';
import { ApiError } from './problem';
import { session } from './session';

export type Schemas = components['schemas'];

/** Paths that work without an access token, or that manage it. */
const public_ = /^\/api\/auth\/(login|signup|signup-with-org|refresh|verify-email|resend-verification|password-reset\/|logout\/refresh)|^\/api\/invitations\/accept$/;

/** onSessionLost is called when the session cannot be renewed. */
let sessionLost: () => void = () => {};
export function onSessionLost(f: () => void): void {
  sessionLost = f;
}

const auth: Middleware = {
  async onRequest({ request }) {
    const path = new URL(request.url).pathname;
    if (public_.test(path)) return request;
    const token = await session.fresh();
    if (token) request.headers.set('Authorization', `Bearer ${token}`);
    return request;
  },
  async onResponse({ request, response }) {
    const path = new URL(request.url).pathname;
    if (response.status !== 401 || public_.test(path)) return response;
    // The access token was refused (expired while the tab slept, or the
    // session was ended elsewhere): renew once, and repeat a read.
    if (await session.refresh()) {
      if (request.method === 'GET') {
        const retry = new Request(request);
        retry.headers.set('Authorization', `Bearer ${session.accessToken}`);
        return fetch(retry);
      }
      return response;
    }
    sessionLost();
    return response;
  },
};

export const api = createClient<paths>({ baseUrl: '', credentials: 'same-origin' });
api.use(auth);

/**
 * unwrap turns an openapi-fetch result into its data, or throws ApiError
 * with the problem document, so TanStack Query sees failures as errors.
 */
export async function unwrap<T>(
  p: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<T> {
  const { data, error, response } = await p;
  if (!response.ok || error !== undefined) {
    throw new ApiError(response.status, error, response.headers.get('X-Request-ID') ?? undefined);
  }
  return data as T;
}

/**
 * unwrapJSON is unwrap for operations that can also answer CSV: the client
 * always asks for JSON, so the text alternative is excluded from the type.
 */
export async function unwrapJSON<T>(p: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<Exclude<T, string>> {
  const data = await unwrap(p);
  if (typeof data === 'string') throw new ApiError(500, { detail: 'expected JSON' });
  return data as Exclude<T, string>;
}

/** newIdempotencyKey names one user action; retries of it reuse the key. */
export function newIdempotencyKey(): string {
  return crypto.randomUUID();
}
