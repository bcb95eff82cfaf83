// Precompresses the bundle: a .gz and a .br twin of every compressible file
// of useful size, which the server picks by Accept-Encoding. Both encoders
// are deterministic (no timestamps), so the committed bundle is reproducible.
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import type { Plugin } from 'vite';

const compressible = /\.(js|mjs|css|html|svg|json|txt|map)$/;
const minBytes = 1024;

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

export function compress(outDir: string): Plugin {
  return {
    name: 'hse-precompress',
    apply: 'build',
    closeBundle() {
      for (const file of walk(outDir).sort()) {
        if (!compressible.test(file)) continue;
        const body = readFileSync(file);
        if (body.length < minBytes) continue;
        writeFileSync(file + '.gz', gzipSync(body, { level: 9 }));
        writeFileSync(
          file + '.br',
          brotliCompressSync(body, {
            params: {
              [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
              [constants.BROTLI_PARAM_SIZE_HINT]: body.length,
            },
          }),
        );
      }
    },
  };
}
