// Starts a real `hse serve` on SQLite in a temporary data directory, for
// the end-to-end tests and the screenshots. The binary is built from this
// checkout (HSE_BIN to use another); mail lands in <data>/mail.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const repo = resolve(import.meta.dirname, '..', '..');

function freePort() {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });
}

export async function startServer() {
  const dir = mkdtempSync(join(tmpdir(), 'hse-e2e-'));
  let bin = process.env.HSE_BIN;
  if (!bin) {
    bin = join(dir, 'hse');
    execFileSync('go', ['build', '-o', bin, './cmd/hse'], { cwd: repo, stdio: 'inherit' });
  }
  const port = await freePort();
  const url = `http://localhost:${port}`;
  const data = join(dir, 'data');
  const proc = spawn(bin, ['serve'], {
    env: { ...process.env, PORT: String(port), HSE_DATA_DIR: data, HSE_PUBLIC_URL: url, LOG_LEVEL: 'warn', DATABASE_URL: '', REDIS_URL: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  proc.stdout.on('data', (b) => (log += b));
  proc.stderr.on('data', (b) => (log += b));
  for (let i = 0; i < 300; i++) {
    try {
      const r = await fetch(`${url}/api/ready`);
      if (r.ok) break;
    } catch {
      /* not yet */
    }
    if (proc.exitCode !== null) throw new Error(`hse serve exited:\n${log}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    log: () => log,
    /** mailLink returns the link of the newest mail of a kind to an address. */
    async mailLink(kind, to, path) {
      const mailDir = join(data, 'mail');
      for (let i = 0; i < 100; i++) {
        let files = [];
        try {
          files = readdirSync(mailDir).filter((f) => f.includes(`_${kind}_`) && f.endsWith(`${to}.eml`)).sort();
        } catch {
          /* no mail yet */
        }
        const last = files.at(-1);
        if (last) {
          const text = decodeQuotedPrintable(readFileSync(join(mailDir, last), 'utf8'));
          const m = text.match(new RegExp(`https?://\\S+${path}\\?token=[A-Za-z0-9_.-]+`));
          if (m) return m[0];
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`no ${kind} mail to ${to}`);
    },
    async stop() {
      proc.kill('SIGTERM');
      await new Promise((r) => (proc.exitCode !== null ? r() : proc.once('exit', r)));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function decodeQuotedPrintable(s) {
  return s.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, h) => String.fromCharCode(parseInt(h, 16)));
}
