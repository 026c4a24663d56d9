import { randomBytes, randomUUID } from 'node:crypto';
import request from 'supertest';
import {
  bearer,
  countRows,
  loginAdmin,
  registerUser,
  type TestUser,
  userWithRole,
} from './support/factories';
import { startTestApp, type TestApp } from './support/test-app';
import { query } from './support/test-database';

interface LogRow extends Record<string, unknown> {
  action: string;
  moderator_id: string;
  target_type: string;
  target_id: string;
  reason: string | null;
}

interface BanRow extends Record<string, unknown> {
  role: string;
  banned_at: Date | null;
  banned_until: Date | null;
  ban_reason: string | null;
}

const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';
const HOUR_MS = 3_600_000;

describe('users administration (HTTP)', () => {
  let t: TestApp;
  let admin: TestUser;
  let moderator: TestUser;

  beforeAll(async () => {
    t = await startTestApp();
    admin = await loginAdmin(t.http);
    moderator = await userWithRole(t.http, admin, 'moderator');
  });
  afterAll(() => t.close());

  function logOf(targetId: string): Promise<LogRow[]> {
    return query<LogRow>(
      t.database.url,
      `SELECT action, moderator_id, target_type, target_id, reason
         FROM moderation_log WHERE target_id = $1 ORDER BY created_at, id`,
      [targetId],
    );
  }

  async function userRow(id: string): Promise<BanRow> {
    const [row] = await query<BanRow>(
      t.database.url,
      'SELECT role, banned_at, banned_until, ban_reason FROM users WHERE id = $1',
      [id],
    );
    if (!row) throw new Error(`no user ${id}`);
    return row;
  }

  function changeRole(actor: TestUser | null, id: string, body: unknown): request.Test {
    const call = request(t.http)
      .patch(`/api/users/${id}`)
      .send(body as object);
    return actor ? call.set(...bearer(actor)) : call;
  }

  function ban(actor: TestUser | null, id: string, body: unknown): request.Test {
    const call = request(t.http)
      .post(`/api/users/${id}/ban`)
      .send(body as object);
    return actor ? call.set(...bearer(actor)) : call;
  }

  function unban(actor: TestUser | null, id: string): request.Test {
    const call = request(t.http).delete(`/api/users/${id}/ban`);
    return actor ? call.set(...bearer(actor)) : call;
  }

  /** A write only an admin may make; its status says whether the caller may write. */
  function createArticle(actor: TestUser): request.Test {
    return request(t.http)
      .post('/api/articles')
      .set(...bearer(actor))
      .send({
        category: 'Tests',
        title: `Article ${randomBytes(4).toString('hex')}`,
        keyTakeaways: [],
        followUps: [],
      });
  }

  describe('PATCH /api/users/:id (role)', () => {
    it('lets an admin change a role: 200 User with the new role, stored and logged once', async () => {
      const reader = await registerUser(t.http);

      const res = await changeRole(admin, reader.id, { role: 'moderator' }).expect(200);

      expect(res.body).toEqual({
        id: reader.id,
        username: reader.username,
        displayName: reader.username,
        role: 'moderator',
        createdAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
      });
      expect((await userRow(reader.id)).role).toBe('moderator');
      const me = await request(t.http)
        .get('/api/auth/me')
        .set(...bearer(reader))
        .expect(200);
      expect(me.body).toMatchObject({ id: reader.id, role: 'moderator' });
      expect(await logOf(reader.id)).toEqual([
        {
          action: 'user.role',
          moderator_id: admin.id,
          target_type: 'user',
          target_id: reader.id,
          reason: 'reader -> moderator',
        },
      ]);
    });

    it('answers 200 and logs nothing when the user already has that role', async () => {
      const reader = await registerUser(t.http);

      const res = await changeRole(admin, reader.id, { role: 'reader' }).expect(200);

      expect(res.body).toMatchObject({ id: reader.id, role: 'reader' });
      expect(await logOf(reader.id)).toEqual([]);
    });

    it('is for admins only: moderators and readers get 403, anonymous callers 401', async () => {
      const reader = await registerUser(t.http);
      const target = await registerUser(t.http);

      const byModerator = await changeRole(moderator, target.id, { role: 'admin' }).expect(403);
      const byReader = await changeRole(reader, target.id, { role: 'admin' }).expect(403);
      const anonymous = await changeRole(null, target.id, { role: 'admin' }).expect(401);
      const badToken = await request(t.http)
        .patch(`/api/users/${target.id}`)
        .set('Authorization', 'Bearer not-a-token')
        .send({ role: 'admin' })
        .expect(401);

      for (const res of [byModerator, byReader]) {
        expect(res.body).toMatchObject({ statusCode: 403, error: 'Forbidden' });
      }
      for (const res of [anonymous, badToken]) {
        expect(res.body).toMatchObject({ statusCode: 401, error: 'Unauthorized' });
      }
      expect((await userRow(target.id)).role).toBe('reader');
      expect(await logOf(target.id)).toEqual([]);
    });

    it.each([
      ['an unknown role', { role: 'superuser' }],
      ['a role in the wrong case', { role: 'Admin' }],
      ['an empty role', { role: '' }],
      ['a number', { role: 1 }],
      ['null', { role: null }],
      ['no role at all', {}],
      ['an unknown field besides the role', { role: 'moderator', banned: true }],
    ])('answers 400 naming the field for %s', async (_case, body) => {
      const target = await registerUser(t.http);

      const res = await changeRole(admin, target.id, body).expect(400);

      expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
      expect(JSON.stringify(res.body.message)).toMatch(/role|banned/);
      expect((await userRow(target.id)).role).toBe('reader');
      expect(await logOf(target.id)).toEqual([]);
    });

    it.each(['not-a-uuid', '123', `${UNKNOWN_ID}x`, 'g0000000-0000-4000-8000-000000000000'])(
      'answers 400 for the malformed id %s',
      async (id) => {
        const res = await changeRole(admin, id, { role: 'moderator' }).expect(400);
        expect(res.body).toMatchObject({ statusCode: 400, message: 'id must be a UUID' });
      },
    );

    it('answers 404 for an unknown user', async () => {
      const res = await changeRole(admin, UNKNOWN_ID, { role: 'moderator' }).expect(404);
      expect(res.body).toMatchObject({ statusCode: 404, error: 'Not Found' });
      expect(await logOf(UNKNOWN_ID)).toEqual([]);
    });

    it('forbids an admin to change their own role, however the id is spelled', async () => {
      const otherAdmin = await userWithRole(t.http, admin, 'admin');

      await changeRole(otherAdmin, otherAdmin.id, { role: 'reader' }).expect(403);
      await changeRole(otherAdmin, otherAdmin.id.toUpperCase(), { role: 'reader' }).expect(403);

      expect((await userRow(otherAdmin.id)).role).toBe('admin');
      // only the promotion by the bootstrapped admin
      expect((await logOf(otherAdmin.id)).map((row) => row.moderator_id)).toEqual([admin.id]);
    });

    it('takes effect on the very next request made with the same access token', async () => {
      const user = await registerUser(t.http);
      await createArticle(user).expect(403);

      await changeRole(admin, user.id, { role: 'admin' }).expect(200);
      const created = await createArticle(user).expect(201);
      expect(created.body).toMatchObject({ id: expect.any(String) });

      await changeRole(admin, user.id, { role: 'reader' }).expect(200);
      await createArticle(user).expect(403);
      expect((await logOf(user.id)).map((row) => row.reason)).toEqual([
        'reader -> admin',
        'admin -> reader',
      ]);
    });
  });

  describe('POST /api/users/:id/ban', () => {
    it('lets a moderator ban a reader: 200 User, the ban stored and logged once', async () => {
      const reader = await registerUser(t.http);

      const res = await ban(moderator, reader.id, { reason: '  spam  ' }).expect(200);

      expect(res.body).toMatchObject({ id: reader.id, username: reader.username, role: 'reader' });
      const row = await userRow(reader.id);
      expect(row.banned_at).toBeInstanceOf(Date);
      expect(row.banned_until).toBeNull();
      expect(row.ban_reason).toBe('spam');
      expect(await logOf(reader.id)).toEqual([
        {
          action: 'user.ban',
          moderator_id: moderator.id,
          target_type: 'user',
          target_id: reader.id,
          reason: 'spam',
        },
      ]);
    });

    it('lets an admin ban until a given time, and a moderator too', async () => {
      const until = new Date(Date.now() + 2 * HOUR_MS).toISOString();
      const first = await registerUser(t.http);
      const second = await registerUser(t.http);

      await ban(admin, first.id, { reason: 'flooding', until }).expect(200);
      await ban(moderator, second.id, { reason: 'insults', until }).expect(200);

      expect((await userRow(first.id)).banned_until?.toISOString()).toBe(until);
      expect((await userRow(second.id)).banned_until?.toISOString()).toBe(until);
      const [entry] = await logOf(first.id);
      expect(entry).toMatchObject({
        action: 'user.ban',
        moderator_id: admin.id,
        target_type: 'user',
        target_id: first.id,
      });
      expect(entry?.reason).toContain('flooding');
      expect(await logOf(second.id)).toHaveLength(1);
    });

    it('is refused to readers (403) and anonymous callers (401)', async () => {
      const reader = await registerUser(t.http);
      const target = await registerUser(t.http);

      await ban(reader, target.id, { reason: 'spam' }).expect(403);
      await ban(null, target.id, { reason: 'spam' }).expect(401);

      expect((await userRow(target.id)).banned_at).toBeNull();
      expect(await logOf(target.id)).toEqual([]);
    });

    it.each([
      ['no reason', {}],
      ['a blank reason', { reason: '   ' }],
      ['a reason that is not text', { reason: 42 }],
      ['a reason over 500 characters', { reason: 'x'.repeat(501) }],
      ['a reason with a control character', { reason: 'spam\u0000' }],
      [
        'an until in the past',
        { reason: 'spam', until: new Date(Date.now() - HOUR_MS).toISOString() },
      ],
      ['a malformed until', { reason: 'spam', until: 'next tuesday' }],
      ['a date-only until', { reason: 'spam', until: '2999-01-01' }],
      ['an impossible until', { reason: 'spam', until: '2999-13-45T99:00:00Z' }],
      ['a numeric until', { reason: 'spam', until: Date.now() + HOUR_MS }],
      ['an unknown field', { reason: 'spam', forever: true }],
    ])('answers 400 for %s and bans nobody', async (_case, body) => {
      const target = await registerUser(t.http);

      const res = await ban(moderator, target.id, body).expect(400);

      expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
      expect(JSON.stringify(res.body.message)).toMatch(/reason|until|forever/);
      expect((await userRow(target.id)).banned_at).toBeNull();
      expect(await logOf(target.id)).toEqual([]);
    });

    it('forbids a moderator to ban a moderator or an admin (403)', async () => {
      const otherModerator = await userWithRole(t.http, admin, 'moderator');

      await ban(moderator, otherModerator.id, { reason: 'rival' }).expect(403);
      await ban(moderator, admin.id, { reason: 'coup' }).expect(403);

      expect((await userRow(otherModerator.id)).banned_at).toBeNull();
      expect((await userRow(admin.id)).banned_at).toBeNull();
      expect((await logOf(otherModerator.id)).map((row) => row.action)).toEqual(['user.role']);
      expect(await logOf(admin.id)).toEqual([]);
    });

    it('forbids banning yourself (403), as a moderator and as an admin', async () => {
      await ban(moderator, moderator.id, { reason: 'oops' }).expect(403);
      await ban(admin, admin.id, { reason: 'oops' }).expect(403);
      await ban(admin, admin.id.toUpperCase(), { reason: 'oops' }).expect(403);

      expect((await userRow(moderator.id)).banned_at).toBeNull();
      expect((await userRow(admin.id)).banned_at).toBeNull();
    });

    it('answers 404 for an unknown user and 400 for a malformed id', async () => {
      await ban(admin, UNKNOWN_ID, { reason: 'spam' }).expect(404);
      await ban(admin, 'nobody', { reason: 'spam' }).expect(400);
      expect(await logOf(UNKNOWN_ID)).toEqual([]);
    });

    it('keeps a banned user reading, but refuses every write at once with the same token', async () => {
      const bannedAdmin = await userWithRole(t.http, admin, 'admin');
      const victim = await registerUser(t.http);
      const article = await createArticle(bannedAdmin).expect(201);

      await ban(admin, bannedAdmin.id, { reason: 'compromised account' }).expect(200);

      const me = await request(t.http)
        .get('/api/auth/me')
        .set(...bearer(bannedAdmin))
        .expect(200);
      expect(me.body).toMatchObject({ id: bannedAdmin.id, role: 'admin' });
      await request(t.http)
        .get('/api/articles')
        .set(...bearer(bannedAdmin))
        .expect(200);
      await request(t.http)
        .get(`/api/articles/${article.body.id as string}`)
        .set(...bearer(bannedAdmin))
        .expect(200);

      const refused = await createArticle(bannedAdmin).expect(403);
      expect(refused.body).toMatchObject({ statusCode: 403, error: 'Forbidden' });
      expect(refused.body.message).toMatch(/banned/);
      await request(t.http)
        .delete(`/api/articles/${article.body.id as string}`)
        .set(...bearer(bannedAdmin))
        .expect(403);
      await changeRole(bannedAdmin, victim.id, { role: 'moderator' }).expect(403);
      await ban(bannedAdmin, victim.id, { reason: 'revenge' }).expect(403);
      await unban(bannedAdmin, bannedAdmin.id).expect(403);

      expect((await userRow(victim.id)).role).toBe('reader');
      expect(await logOf(victim.id)).toEqual([]);
      expect(await countRows(t.database.url, 'articles', 'id = $1', [article.body.id])).toBe(1);
    });

    it('stops blocking writes once its `until` has passed', async () => {
      const user = await userWithRole(t.http, admin, 'admin');

      await query(
        t.database.url,
        `UPDATE users SET banned_at = now() - interval '2 hours',
                          banned_until = now() + interval '1 hour', ban_reason = 'current'
          WHERE id = $1`,
        [user.id],
      );
      await createArticle(user).expect(403);

      await query(
        t.database.url,
        `UPDATE users SET banned_until = now() - interval '1 hour', ban_reason = 'expired'
          WHERE id = $1`,
        [user.id],
      );
      await createArticle(user).expect(201);
    });
  });

  describe('DELETE /api/users/:id/ban', () => {
    it('lifts a ban: 200 User, the columns cleared, writes allowed again, logged once', async () => {
      const user = await userWithRole(t.http, admin, 'admin');
      await ban(admin, user.id, { reason: 'mistake' }).expect(200);
      await createArticle(user).expect(403);

      const res = await unban(admin, user.id).expect(200);

      expect(res.body).toMatchObject({ id: user.id, username: user.username, role: 'admin' });
      expect(await userRow(user.id)).toEqual({
        role: 'admin',
        banned_at: null,
        banned_until: null,
        ban_reason: null,
      });
      await createArticle(user).expect(201);
      const log = await logOf(user.id);
      expect(log.map((row) => row.action)).toEqual(['user.role', 'user.ban', 'user.unban']);
      expect(log[2]).toEqual({
        action: 'user.unban',
        moderator_id: admin.id,
        target_type: 'user',
        target_id: user.id,
        reason: null,
      });
    });

    it('lets a moderator lift a ban on a reader, whoever imposed it', async () => {
      const reader = await registerUser(t.http);
      await ban(admin, reader.id, { reason: 'spam' }).expect(200);

      await unban(moderator, reader.id).expect(200);

      expect((await userRow(reader.id)).banned_at).toBeNull();
      expect((await logOf(reader.id)).map((row) => [row.action, row.moderator_id])).toEqual([
        ['user.ban', admin.id],
        ['user.unban', moderator.id],
      ]);
    });

    it('is refused to readers (403), anonymous callers (401), and moderators for admins (403)', async () => {
      const reader = await registerUser(t.http);
      const bannedReader = await registerUser(t.http);
      const bannedAdmin = await userWithRole(t.http, admin, 'admin');
      await ban(admin, bannedReader.id, { reason: 'spam' }).expect(200);
      await ban(admin, bannedAdmin.id, { reason: 'spam' }).expect(200);

      await unban(reader, bannedReader.id).expect(403);
      await unban(null, bannedReader.id).expect(401);
      await unban(moderator, bannedAdmin.id).expect(403);
      await unban(bannedReader, bannedReader.id).expect(403);

      expect((await userRow(bannedReader.id)).banned_at).toBeInstanceOf(Date);
      expect((await userRow(bannedAdmin.id)).banned_at).toBeInstanceOf(Date);
    });

    it('answers 404 for an unknown user and 400 for a malformed id', async () => {
      await unban(admin, UNKNOWN_ID).expect(404);
      await unban(admin, 'not-a-uuid').expect(400);
    });
  });

  it('writes exactly one moderation_log row per role change, ban and unban', async () => {
    const user = await registerUser(t.http);
    const before = await countRows(t.database.url, 'moderation_log');

    await changeRole(admin, user.id, { role: 'moderator' }).expect(200);
    await ban(admin, user.id, { reason: 'first' }).expect(200);
    await unban(admin, user.id).expect(200);
    await changeRole(admin, user.id, { role: 'reader' }).expect(200);
    await ban(moderator, user.id, { reason: 'second' }).expect(200);
    await unban(moderator, user.id).expect(200);
    // refused attempts write nothing
    await ban(moderator, admin.id, { reason: 'nope' }).expect(403);
    await changeRole(admin, randomUUID(), { role: 'admin' }).expect(404);

    expect(await countRows(t.database.url, 'moderation_log')).toBe(before + 6);
    expect(
      (await logOf(user.id)).map((row) => [row.action, row.moderator_id, row.target_type]),
    ).toEqual([
      ['user.role', admin.id, 'user'],
      ['user.ban', admin.id, 'user'],
      ['user.unban', admin.id, 'user'],
      ['user.role', admin.id, 'user'],
      ['user.ban', moderator.id, 'user'],
      ['user.unban', moderator.id, 'user'],
    ]);
  });
});
