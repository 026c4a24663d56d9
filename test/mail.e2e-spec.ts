import { type AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import request from 'supertest';
import {
  bearer,
  createArticle,
  loginAdmin,
  postComment,
  registerUser,
  type TestUser,
} from './support/factories';
import { startTestApp, type TestApp } from './support/test-app';
import { eventually } from './support/webhook-receiver';

/** A real SMTP server in the test process; every mail it accepts, parsed. */
async function startSmtp(): Promise<{ url: string; mails: ParsedMail[]; close(): Promise<void> }> {
  const mails: ParsedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, _session, callback) {
      simpleParser(stream)
        .then((mail) => {
          mails.push(mail);
          callback();
        })
        .catch(callback);
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    mails,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

const to = (mail: ParsedMail): string =>
  (Array.isArray(mail.to) ? mail.to : [mail.to])
    .flatMap((a) => a?.value ?? [])
    .map((a) => a.address)
    .join(',');

describe('e-mail: verification, notification mails, one-click unsubscribe', () => {
  let t: TestApp;
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  let admin: TestUser;
  let articleId: string;

  beforeAll(async () => {
    smtp = await startSmtp();
    t = await startTestApp({
      SMTP_URL: smtp.url,
      PUBLIC_URL: 'https://talk.example.com',
      MAIL_FROM: 'Talk <talk@example.com>',
    });
    admin = await loginAdmin(t.http);
    articleId = await createArticle(t.http, admin, { slug: 'mail-story' });
  });

  afterAll(async () => {
    await t.close();
    await smtp.close();
  });

  const settings = async (user: TestUser) =>
    (
      await request(t.http)
        .get('/api/me/settings')
        .set(...bearer(user))
        .expect(200)
    ).body as Record<string, unknown>;
  const mailTo = async (address: string, subject: RegExp): Promise<ParsedMail> => {
    await eventually(`a mail to ${address}`, () =>
      smtp.mails.some((m) => to(m) === address && subject.test(m.subject ?? '')),
    );
    return smtp.mails.find((m) => to(m) === address && subject.test(m.subject ?? ''))!;
  };
  const verify = async (user: TestUser, address: string): Promise<void> => {
    await request(t.http)
      .put('/api/me/email')
      .set(...bearer(user))
      .send({ email: address })
      .expect(202);
    const mail = await mailTo(address, /Confirm/);
    const link = /https:\/\/talk\.example\.com\/verify-email\?token=(\S+)/.exec(mail.text ?? '');
    expect(link).not.toBeNull();
    await request(t.http).get(`/verify-email?token=${link![1]}`).expect(200);
  };

  it('verifies an address by its signed link; bad input is a 400 and changes nothing', async () => {
    const alice = await registerUser(t.http);
    expect(await settings(alice)).toEqual({
      email: null,
      emailVerified: false,
      emailNotifications: 'off',
    });
    for (const email of ['not-an-address', '', 'a@b', 42]) {
      await request(t.http)
        .put('/api/me/email')
        .set(...bearer(alice))
        .send({ email })
        .expect(400);
    }
    await request(t.http)
      .patch('/api/me/settings')
      .set(...bearer(alice))
      .send({ emailNotifications: 'weekly' })
      .expect(400);
    await request(t.http).get('/verify-email?token=forged.token').expect(400);
    await request(t.http).get('/verify-email').expect(400);
    expect(await settings(alice)).toEqual({
      email: null,
      emailVerified: false,
      emailNotifications: 'off',
    });

    await verify(alice, 'alice@example.com');
    const mail = smtp.mails.find((m) => to(m) === 'alice@example.com')!;
    expect(mail.from?.value).toEqual([{ address: 'talk@example.com', name: 'Talk' }]);
    expect(await settings(alice)).toEqual({
      email: 'alice@example.com',
      emailVerified: true,
      emailNotifications: 'off',
    });
  });

  it('mails a reply to a verified address only, with List-Unsubscribe; one click turns mails off', async () => {
    const alice = await registerUser(t.http);
    const carol = await registerUser(t.http);
    const bob = await registerUser(t.http);
    await verify(alice, 'alice2@example.com');
    await request(t.http)
      .put('/api/me/email')
      .set(...bearer(carol))
      .send({ email: 'carol@example.com' })
      .expect(202);
    for (const user of [alice, carol]) {
      await request(t.http)
        .patch('/api/me/settings')
        .set(...bearer(user))
        .send({ emailNotifications: 'immediate' })
        .expect(200);
    }
    const carolsComment = await postComment(t.http, carol, articleId, 'carol asks').expect(201);
    const alicesComment = await postComment(t.http, alice, articleId, 'alice asks').expect(201);
    await postComment(
      t.http,
      bob,
      articleId,
      'to carol',
      (carolsComment.body as { id: string }).id,
    ).expect(201);
    const reply = await postComment(
      t.http,
      bob,
      articleId,
      'bob answers <b>alice</b>\nin two lines',
      (alicesComment.body as { id: string }).id,
    ).expect(201);

    const mail = await mailTo('alice2@example.com', /reply/);
    expect(mail.text).toContain('> bob answers <b>alice</b>\n> in two lines');
    expect(mail.text).toContain(
      `https://talk.example.com/articles/mail-story#comment-${(reply.body as { id: string }).id}`,
    );
    expect(mail.html).toContain('bob answers &lt;b&gt;alice&lt;/b&gt;');
    expect(mail.messageId).toMatch(/^<notification-[0-9a-f-]{36}@talk\.example\.com>$/);
    const line = (key: string): string =>
      mail.headerLines.find((h) => h.key === key)?.line.replace(/^[^:]+:\s*/, '') ?? '';
    expect(line('list-unsubscribe-post')).toBe('List-Unsubscribe=One-Click');
    const header = line('list-unsubscribe');
    const unsubscribe = /<https:\/\/talk\.example\.com(\/unsubscribe\?token=[^>]+)>/.exec(header);
    expect(unsubscribe).not.toBeNull();
    // the unverified address got its verification mail, never a notification
    expect(smtp.mails.filter((m) => to(m) === 'carol@example.com').map((m) => m.subject)).toEqual([
      'Confirm your e-mail address',
    ]);

    await request(t.http)
      .post('/unsubscribe?token=forged.token')
      .type('form')
      .send('List-Unsubscribe=One-Click')
      .expect(400);
    expect((await settings(alice)).emailNotifications).toBe('immediate');
    await request(t.http)
      .post(unsubscribe![1]!)
      .type('form')
      .send('List-Unsubscribe=One-Click')
      .expect(200);
    expect((await settings(alice)).emailNotifications).toBe('off');
  });
});
