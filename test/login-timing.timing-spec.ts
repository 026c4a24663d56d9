/**
 * The statistical check that a login for an unknown username takes as long as one with a
 * wrong password (no username oracle by timing). Opt-in, as it measures time on a shared
 * machine: `npm run test:timing` (README "Tests").
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { registerUser, uniqueName } from './support/factories';
import { startTestApp, type TestApp } from './support/test-app';

const OUTPUT = join(__dirname, '..', 'test-output', 'security');

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

describe('login timing (RATE_LIMITS=off)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ RATE_LIMITS: 'off' }, { listen: true });
  });
  afterAll(() => t?.close());

  it('takes as long for an unknown username as for a wrong password (median difference of 30 interleaved pairs)', async () => {
    const user = await registerUser(t.http);
    const attempt = async (username: string): Promise<number> => {
      const started = process.hrtime.bigint();
      const res = await request(t.http)
        .post('/api/auth/login')
        .send({ username, password: 'not-the-password' });
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      expect(res.status).toBe(401);
      return ms;
    };
    const ghost = (): string => uniqueName('ghost');
    for (let i = 0; i < 5; i++) {
      await attempt(user.username);
      await attempt(ghost());
    }

    const existing: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 30; i++) {
      // alternate which goes first, so a drift of the machine's load hits both alike
      if (i % 2 === 0) {
        existing.push(await attempt(user.username));
        unknown.push(await attempt(ghost()));
      } else {
        unknown.push(await attempt(ghost()));
        existing.push(await attempt(user.username));
      }
    }

    const medians = { existingUserWrongPassword: median(existing), unknownUser: median(unknown) };
    // compare each pair, not the two medians: the pair's two logins ran back to back, under the
    // same load, while a shift of the shared machine's load mid-run (seen: 600 → 280 ms per
    // login) would split two separate medians by tens of milliseconds on its own
    const difference = Math.abs(median(existing.map((ms, i) => ms - unknown[i]!)));
    mkdirSync(OUTPUT, { recursive: true });
    writeFileSync(
      join(OUTPUT, 'login-timing.json'),
      `${JSON.stringify({ medians, difference, existing, unknown }, null, 2)}\n`,
    );
    // both paths run scrypt (a lookup alone answers in a few ms)...
    expect(medians.unknownUser).toBeGreaterThan(20);
    expect(medians.existingUserWrongPassword).toBeGreaterThan(20);
    // ...and take the same time within noise: a quarter of the median login, or 15 ms
    const tolerance = Math.max(
      15,
      0.25 * Math.min(medians.unknownUser, medians.existingUserWrongPassword),
    );
    expect({ ...medians, difference: difference < tolerance }).toEqual({
      ...medians,
      difference: true,
    });
  }, 120_000);
});
