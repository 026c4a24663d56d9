// Preloaded into the server by `--cpu-prof` (`NODE_OPTIONS=--require …`, where node's own
// --cpu-prof is not allowed): profiles the whole process and writes
// $BENCH_CPU_PROFILE_DIR/server-<pid>.cpuprofile when it exits.
/* eslint-disable @typescript-eslint/no-require-imports -- a plain CommonJS preload */
const { writeFileSync } = require('node:fs');
const { Session } = require('node:inspector');
const { join } = require('node:path');

const session = new Session();
session.connect();
session.post('Profiler.enable');
session.post('Profiler.setSamplingInterval', { interval: 500 });
session.post('Profiler.start');
process.on('exit', () => {
  // the same-thread session answers synchronously, so this completes before the exit
  session.post('Profiler.stop', (error, result) => {
    if (error) return;
    const dir = process.env.BENCH_CPU_PROFILE_DIR ?? '.';
    writeFileSync(join(dir, `server-${process.pid}.cpuprofile`), JSON.stringify(result.profile));
  });
});
