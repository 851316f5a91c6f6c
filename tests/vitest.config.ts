import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

// Kept under tests/ so the project's top level stays as the architecture promises.
export default defineConfig({
  root: fileURLToPath(new URL('..', import.meta.url)),
  test: {
    include: ['tests/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: process.env.CI ? ['default'] : ['default'],
  },
});
