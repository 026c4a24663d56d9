import { randomBytes } from 'node:crypto';
import request from 'supertest';
import type { App } from 'supertest/types';
import { ADMIN } from './test-app';
import { query } from './test-database';

export interface TestUser {
  id: string;
  username: string;
  password: string;
  accessToken: string;
  refreshToken: string;
}

export function uniqueName(prefix = 'user'): string {
  return `${prefix}_${randomBytes(4).toString('hex')}`;
}

export async function registerUser(http: App, username = uniqueName()): Promise<TestUser> {
  const password = 'password-123';
  const response = await request(http)
    .post('/api/auth/register')
    .send({ username, password })
    .expect(201);
  const body = response.body as { user: { id: string }; accessToken: string; refreshToken: string };
  return { id: body.user.id, username, password, ...pick(body) };
}

export async function login(http: App, username: string, password: string): Promise<TestUser> {
  const response = await request(http)
    .post('/api/auth/login')
    .send({ username, password })
    .expect(200);
  const body = response.body as { user: { id: string }; accessToken: string; refreshToken: string };
  return { id: body.user.id, username, password, ...pick(body) };
}

/** The admin bootstrapped from ADMIN_USERNAME/ADMIN_PASSWORD by startTestApp. */
export function loginAdmin(http: App): Promise<TestUser> {
  return login(http, ADMIN.username, ADMIN.password);
}

/** A user with the given role, made through the API as the admin would. */
export async function userWithRole(
  http: App,
  admin: TestUser,
  role: 'moderator' | 'admin',
): Promise<TestUser> {
  const user = await registerUser(http);
  await request(http)
    .patch(`/api/users/${user.id}`)
    .set('Authorization', `Bearer ${admin.accessToken}`)
    .send({ role })
    .expect(200);
  return user;
}

export function bearer(user: TestUser): [string, string] {
  return ['Authorization', `Bearer ${user.accessToken}`];
}

export async function countRows(
  databaseUrl: string,
  table: string,
  where = 'true',
  params: unknown[] = [],
): Promise<number> {
  const rows = await query<{ count: string }>(
    databaseUrl,
    `SELECT count(*) FROM ${table} WHERE ${where}`,
    params,
  );
  return Number(rows[0]?.count ?? 0);
}

function pick(body: { accessToken: string; refreshToken: string }): {
  accessToken: string;
  refreshToken: string;
} {
  return { accessToken: body.accessToken, refreshToken: body.refreshToken };
}

/** An article created through the API by an admin; returns its id. */
export async function createArticle(
  http: App,
  admin: TestUser,
  overrides: Record<string, unknown> = {},
): Promise<string> {
  const res = await request(http)
    .post('/api/articles')
    .set(...bearer(admin))
    .send({
      category: 'Tests',
      title: `Article ${randomBytes(4).toString('hex')}`,
      keyTakeaways: [],
      followUps: [],
      ...overrides,
    })
    .expect(201);
  return (res.body as { id: string }).id;
}

/** POST a comment (or reply) as `user`; the test asserts the status. */
export function postComment(
  http: App,
  user: TestUser,
  articleId: string,
  body: unknown,
  parentId?: string,
): request.Test {
  return request(http)
    .post(`/api/articles/${articleId}/comments`)
    .set(...bearer(user))
    .send(parentId === undefined ? { body } : { body, parentId });
}
