import request from 'supertest';
import { startTestApp, type TestApp } from './support/test-app';

describe('smoke', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('answers /health', async () => {
    const res = await request(t.http).get('/health').expect(200);
    expect(res.body).toMatchObject({ status: 'ok' });
  });

  it('answers /health/live without asking the database or Redis', async () => {
    const res = await request(t.http).get('/health/live').expect(200);
    expect(res.body).toEqual({ status: 'ok' });
  });
});
