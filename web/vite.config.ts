/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { resolve } from 'node:path';
import { compress } from './build/compress';
import { mantineThemeCss } from './build/mantine-css';
import { theme } from './src/app/theme';

const outDir = resolve(import.meta.dirname, 'dist');

export default defineConfig({
  plugins: [react(), mantineThemeCss(theme), compress(outDir)],
  build: {
    outDir,
    emptyOutDir: true,
    // Source maps stay out of the binary; hashed names make assets immutable.
    sourcemap: false,
    assetsDir: 'assets',
    chunkSizeWarningLimit: 600,
  },
  server: {
    port: 5173,
    proxy: { '/api': { target: process.env.HSE_API ?? 'http://localhost:3001', changeOrigin: false } },
  },
  test: {
    environment: 'jsdom',
    globals: true,
    include: ['src/**/*.test.{ts,tsx}', 'build/**/*.test.ts'],
    setupFiles: ['src/test/setup.ts'],
    css: false,
  },
});
