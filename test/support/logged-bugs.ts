/**
 * Unhandled rejections the spawned servers logged (each is a bug: the server logs it and goes
 * on serving). spawnServer adds to it; test/support/server-bugs.ts fails the spec file that saw
 * one. A module of its own, so the setup file does not load server-process.ts (whose import
 * checks that dist/ is fresh) into specs that spawn no server.
 */
export const serverBugs: string[] = [];
