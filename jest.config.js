// Three kinds of specs (README "Tests"):
//   unit         src/**/*.spec.ts, no services, seconds: `npm run test:unit`
//   integration  test/**/*.e2e-spec.ts on real PostgreSQL, Redis and Chromium, which the global
//                setup finds or starts (test/support/global-setup.ts): `npm test` runs both
//   timing       the statistical login-timing check, opt-in: `npm run test:timing`
const common = {
  testEnvironment: 'node',
  moduleFileExtensions: ['ts', 'js', 'json'],
  transform: { '^.+\\.(t|j)s$': ['@swc/jest'] },
  transformIgnorePatterns: ['/node_modules/(?!(jose|feed)/)'],
  testTimeout: 30_000,
};
const services = {
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  // an unhandled rejection in a spawned server fails its spec file (in-process, Jest does that)
  setupFilesAfterEnv: ['<rootDir>/test/support/server-bugs.ts'],
};

const projects =
  process.env.TOWNHALL_TIMING === '1'
    ? [
        {
          ...common,
          ...services,
          displayName: 'timing',
          testMatch: ['<rootDir>/test/**/*.timing-spec.ts'],
        },
      ]
    : [
        { ...common, displayName: 'unit', testMatch: ['<rootDir>/src/**/*.spec.ts'] },
        {
          ...common,
          ...services,
          displayName: 'integration',
          testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
        },
      ];

/** @type {import('jest').Config} */
module.exports = {
  projects,
  maxWorkers: 2,
  // a worker that has run many app-starting files holds a lot of heap: start a fresh one (and
  // `npm test` runs the unit specs, e.g. 200,000 queued votes, before the integration ones)
  workerIdleMemoryLimit: '1536MB',
  testTimeout: 30_000,
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
};
