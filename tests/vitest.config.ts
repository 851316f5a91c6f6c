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
    // PAGEWALK_TEST_REPORT=file.json adds a JSON report (.ci/run reads it for its closing line).
    reporters: process.env.PAGEWALK_TEST_REPORT ? ['default', 'json'] : ['default'],
    outputFile: process.env.PAGEWALK_TEST_REPORT ? { json: process.env.PAGEWALK_TEST_REPORT } : undefined,
  },
});
