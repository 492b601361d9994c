// One build, two pages: the console (index.html, every route but /graphql) and GraphiQL
// (graphiql.html, served by the API at /graphql). The output lands in the Python package, so
// an installed Flowplane serves it without Node.
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';

// `npm run dev` proxies the API of a running `make dev` (override with FLOWPLANE_API).
const api = process.env.FLOWPLANE_API ?? 'http://127.0.0.1:8000';

export default defineConfig({
  plugins: [react()],
  build: {
    outDir: '../graphql_api/console_dist',
    emptyOutDir: true,
    rolldownOptions: {
      input: { console: 'index.html', graphiql: 'graphiql.html' },
      // GraphiQL's packages start modules with React Compiler directives ("use no memo"),
      // which bundling drops harmlessly; the warning would bury real ones.
      onLog(level, log, handler) {
        if (log.code !== 'MODULE_LEVEL_DIRECTIVE') handler(level, log);
      },
    },
    // GraphiQL's Monaco editor is one large chunk; only /graphql loads it.
    chunkSizeWarningLimit: 4096,
  },
  // In development GraphiQL comes from that API's build (/graphql, /assets), and only the
  // console's entry is pre-bundled (GraphiQL's worker imports are for the build).
  server: { proxy: { '/graphql': { target: api, ws: true }, '/assets': api } },
  optimizeDeps: { entries: ['index.html'] },
  test: {
    environment: 'happy-dom',
    globals: true,
    setupFiles: ['src/test/setup.ts'],
    include: ['src/**/*.test.{ts,tsx}'],
  },
});
