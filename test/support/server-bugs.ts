/**
 * Run after every integration spec file (jest.config.js `setupFilesAfterEnv`): an unhandled
 * rejection fails the spec file that caused it. In this process Jest fails the test itself;
 * a compiled server (spawnServer) logs one and keeps serving, so its log is read for it here.
 */
import { serverBugs } from './logged-bugs';

afterAll(() => {
  const bugs = serverBugs.splice(0);
  if (bugs.length > 0) {
    throw new Error(`a server logged ${bugs.length} unhandled rejection(s):\n${bugs.join('\n')}`);
  }
});
