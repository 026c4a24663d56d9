/**
 * `node test/bench/run.js test/bench/profile-top.ts <file.cpuprofile> [N]`: the N functions
 * (default 25) with the most self time in a V8 CPU profile (as `--cpu-prof` scenarios write to
 * bench-results/), with their share of the samples and where they are defined.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export function topSelfTime(profile: Profile, count = 25): string[] {
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => {
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const byFunction = new Map<string, number>();
  let total = 0;
  for (const node of profile.nodes) {
    const us = selfUs.get(node.id) ?? 0;
    total += us;
    const { functionName, url, lineNumber } = node.callFrame;
    const where = url
      ? `${url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/dist\//, 'dist/')}:${lineNumber + 1}`
      : '';
    const key = `${functionName || '(anonymous)'} ${where}`.trim();
    byFunction.set(key, (byFunction.get(key) ?? 0) + us);
  }
  const idle = byFunction.get('(idle)') ?? 0;
  const busy = total - idle;
  const lines = [
    `profile: ${(total / 1e6).toFixed(1)} s sampled, ${(busy / 1e6).toFixed(1)} s busy (not idle)`,
  ];
  for (const [name, us] of [...byFunction]
    .filter(([key]) => key !== '(idle)')
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)) {
    lines.push(
      `${((us / busy) * 100).toFixed(1).padStart(5)}%  ${(us / 1e3).toFixed(0).padStart(7)} ms  ${name}`,
    );
  }
  return lines;
}

if (process.argv[1] === __filename) {
  const [file, count] = process.argv.slice(2);
  if (!file) {
    console.error('usage: node test/bench/run.js test/bench/profile-top.ts <file.cpuprofile> [N]');
    process.exit(2);
  }
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  console.log(topSelfTime(profile, count ? Number(count) : 25).join('\n'));
}
