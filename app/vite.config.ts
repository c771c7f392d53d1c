/**
 * The browser app. `webgpu-cl` resolves to the library's browser build (dist/browser/index.js, written by
 * scripts/build-browser.mjs before Vite runs), so the page gets exactly what a user's bundler gets from the
 * package's "browser" export and nothing Node-only. public/data holds the packed datasets
 * (scripts/pack-datasets.ts). `npm run build:app` writes the static site to dist-app/.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
  root: here('.'),
  base: './',
  resolve: { alias: { 'webgpu-cl': here('../dist/browser/index.js') } },
  build: { outDir: here('../dist-app'), emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 2048 },
  server: { fs: { allow: [here('..')] } },
});
