import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// Served by the query API under /console/ (query-api/console-routes.ts), so every asset URL starts there.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/console/',
  logLevel: 'warn',
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false, chunkSizeWarningLimit: 200 },
});
