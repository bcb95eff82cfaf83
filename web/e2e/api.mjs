// Direct API calls that set the scene of a browser test (the browser is
// for what the test is about).
export function apiClient(url) {
  async function call(method, path, token, body) {
    const res = await fetch(url + path, {
      method,
      headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  }
  return {
    call,
    async login(email, password) {
      return (await call('POST', '/api/auth/login', undefined, { email, password })).accessToken;
    },
  };
}

/** A 1×1 PNG: enough for the server's content sniffing. */
export const pngBytes = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);
