// Vitest runs the example's *.vitest.ts files only; node's test runner runs the *.test.ts ones
// (compiled to dist), so neither runner picks up the other's files.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: fileURLToPath(new URL('.', import.meta.url)),
    include: ['test/**/*.vitest.ts'],
    testTimeout: 20_000,
  },
});
