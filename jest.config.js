// Three projects chosen by file suffix, so `--selectProjects unit` runs in seconds
// without any server while integration and end-to-end suites share one real stack.
const transform = { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }] };
const common = {
  transform,
  testEnvironment: 'node',
  roots: ['<rootDir>'],
  testPathIgnorePatterns: ['/node_modules/'],
};

// Global setup is per project: Jest runs it only when a test of that project is selected,
// so `--selectProjects unit` never starts a server.
const withServers = {
  globalSetup: '<rootDir>/test/global-setup.ts',
  globalTeardown: '<rootDir>/test/global-teardown.ts',
};

/** @type {import('jest').Config} */
module.exports = {
  reporters: ['default', '<rootDir>/test/summary-reporter.js'],
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: ['**/*.unit.spec.ts'],
      setupFilesAfterEnv: ['<rootDir>/test/unit-no-sockets.ts'],
    },
    {
      ...common,
      ...withServers,
      displayName: 'integration',
      testMatch: ['**/*.int.spec.ts'],
      slowTestThreshold: 30,
    },
    { ...common, ...withServers, displayName: 'e2e', testMatch: ['**/*.e2e.spec.ts'], slowTestThreshold: 60 },
  ],
};
