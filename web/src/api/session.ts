// The session of this tab. The access token lives only in memory; the
// refresh token is the HttpOnly hse_refresh cookie, which the script never
// sees. Refreshing sends the hse_csrf cookie's value back as X-CSRF-Token,
// which a cross-site page cannot read.
import { readCookie } from './cookies';

export const csrfCookie = 'hse_csrf';

interface Tokens {
  accessToken: string;
  expiresIn: number;
}

type Listener = () => void;

/** Refresh this long before the access token expires. */
const leewayMs = 60_000;

class Session {
  private token: string | undefined;
  private expiresAt = 0;
  private inflight: Promise<boolean> | undefined;
  private listeners = new Set<Listener>();

  get accessToken(): string | undefined {
    return this.token;
  }

  /** hasCookie says whether a refresh could work at all. */
  hasCookie(): boolean {
    return readCookie(csrfCookie) !== undefined;
  }

  set(t: Tokens): void {
    this.token = t.accessToken;
    this.expiresAt = Date.now() + t.expiresIn * 1000;
    this.emit();
  }

  clear(): void {
    this.token = undefined;
    this.expiresAt = 0;
    this.emit();
  }

  subscribe(l: Listener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  private emit(): void {
    for (const l of this.listeners) l();
  }

  /** fresh returns a token that will not expire in the next minute, refreshing when needed. */
  async fresh(): Promise<string | undefined> {
    if (this.token && Date.now() < this.expiresAt - leewayMs) return this.token;
    if (!this.hasCookie()) return this.token;
    await this.refresh();
    return this.token;
  }

  /**
   * refresh exchanges the refresh cookie for a new access token. Calls in
   * this tab share one request; across tabs a Web Lock serialises them,
   * because the refresh token is single use and presenting a spent one
   * ends the whole session.
   */
  refresh(): Promise<boolean> {
    this.inflight ??= this.refreshLocked().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  private async refreshLocked(): Promise<boolean> {
    const run = () => this.refreshNow();
    if (typeof navigator !== 'undefined' && navigator.locks) {
      return navigator.locks.request('hse-refresh', run);
    }
    return run();
  }

  private async refreshNow(): Promise<boolean> {
    const csrf = readCookie(csrfCookie);
    if (!csrf) {
      this.clear();
      return false;
    }
    const res = await fetch('/api/auth/refresh', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf },
      body: '{}',
    });
    if (!res.ok) {
      this.clear();
      return false;
    }
    this.set((await res.json()) as Tokens);
    return true;
  }
}

export const session = new Session();
