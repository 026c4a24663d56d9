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
import { MailDigests } from '../src/mail/mail-digests.service';
import { startTestApp, type TestApp } from './support/test-app';
import { query } from './support/test-database';
import { until } from './support/until';

/** The batch window of `immediate` mails in this file (60 s as shipped). */
const BATCH_MS = 1_500;

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

describe('e-mail: verification, notification mails, digests, one-click unsubscribe', () => {
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
      MAIL_BATCH_MS: String(BATCH_MS),
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
    await until(`a mail to ${address}`, () =>
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
  const wants = async (user: TestUser, emailNotifications: string): Promise<void> => {
    await request(t.http)
      .patch('/api/me/settings')
      .set(...bearer(user))
      .send({ emailNotifications })
      .expect(200);
  };
  const idOf = (response: request.Response): string => (response.body as { id: string }).id;
  const mailsTo = (address: string): ParsedMail[] => smtp.mails.filter((m) => to(m) === address);
  const unreadCount = async (user: TestUser): Promise<number> =>
    (
      (
        await request(t.http)
          .get('/api/notifications/unread-count')
          .set(...bearer(user))
          .expect(200)
      ).body as { count: number }
    ).count;
  const digestsOf = (user: TestUser) =>
    query<{ id: string; kind: string; period: string | null; sent_at: Date | null }>(
      t.database.url,
      'SELECT id, kind, period, sent_at FROM mail_digests WHERE user_id = $1 ORDER BY created_at',
      [user.id],
    );

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
      `https://talk.example.com/comments/${(reply.body as { id: string }).id}`,
    );
    // the permalink leads to the reply on the reader page (the article has no publisher page)
    await request(t.http)
      .get(`/comments/${(reply.body as { id: string }).id}`)
      .expect(302)
      .expect('Location', `/articles/mail-story#comment-${(reply.body as { id: string }).id}`);
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

  it('immediate: the notifications of one batch window become one mail; a retry sends the very same mail', async () => {
    const alice = await registerUser(t.http);
    const bob = await registerUser(t.http);
    await verify(alice, 'alice3@example.com');
    await wants(alice, 'immediate');
    const question = idOf(await postComment(t.http, alice, articleId, 'alice wonders').expect(201));
    const replies: string[] = [];
    for (const body of ['first answer', 'second answer', 'third answer']) {
      replies.push(idOf(await postComment(t.http, bob, articleId, body, question).expect(201)));
    }

    const mail = await mailTo('alice3@example.com', /new notifications/);
    expect(mail.subject).toBe('3 new notifications');
    for (const [i, body] of ['first answer', 'second answer', 'third answer'].entries()) {
      expect(mail.text).toContain(`> ${body}`);
      expect(mail.text).toContain(`https://talk.example.com/comments/${replies[i]!}`);
    }
    const [digest] = await digestsOf(alice);
    expect(digest).toMatchObject({ kind: 'immediate', period: null });
    expect(digest!.sent_at).not.toBeNull();
    expect(mail.messageId).toBe(`<digest-${digest!.id}@talk.example.com>`);
    // one mail for the window: no other notification mail to alice came meanwhile
    await new Promise((resolve) => setTimeout(resolve, BATCH_MS + 1_000));
    expect(
      mailsTo('alice3@example.com').filter((m) => m.subject !== 'Confirm your e-mail address'),
    ).toHaveLength(1);

    // the process died after the SMTP server took the mail, before it was marked sent: the
    // retried job sends it again, identical, under the same Message-ID
    await query(t.database.url, 'UPDATE mail_digests SET sent_at = NULL WHERE id = $1', [
      digest!.id,
    ]);
    await t.app.get(MailDigests).flushImmediate(alice.id);
    const sent = mailsTo('alice3@example.com').filter((m) => m.messageId === mail.messageId);
    expect(sent).toHaveLength(2);
    expect(sent[1]!.subject).toBe(mail.subject);
    expect(sent[1]!.text).toBe(mail.text);
    expect(sent[1]!.html).toBe(mail.html);
    expect((await digestsOf(alice))[0]!.sent_at).not.toBeNull();
    // sent and marked: a further attempt sends nothing
    await t.app.get(MailDigests).send(digest!.id);
    expect(
      mailsTo('alice3@example.com').filter((m) => m.messageId === mail.messageId),
    ).toHaveLength(2);
  });

  it('immediate: turning mails off before the window closes sends nothing', async () => {
    const frank = await registerUser(t.http);
    const bob = await registerUser(t.http);
    await verify(frank, 'frank@example.com');
    await wants(frank, 'immediate');
    const question = idOf(await postComment(t.http, frank, articleId, 'frank asks').expect(201));
    await postComment(
      t.http,
      bob,
      articleId,
      'an answer frank will not get by mail',
      question,
    ).expect(201);
    await until('frank is notified', async () => (await unreadCount(frank)) === 1);
    await wants(frank, 'off');
    await until('the batch job ran', async () =>
      (await digestsOf(frank)).some((d) => d.sent_at !== null),
    );
    expect(mailsTo('frank@example.com').map((m) => m.subject)).toEqual([
      'Confirm your e-mail address',
    ]);
  });

  it('daily: one digest a day of the unread notifications no mail carried yet; unverified addresses get none', async () => {
    const dave = await registerUser(t.http);
    const erin = await registerUser(t.http);
    const bob = await registerUser(t.http);
    await verify(dave, 'dave@example.com');
    await request(t.http)
      .put('/api/me/email')
      .set(...bearer(erin))
      .send({ email: 'erin@example.com' })
      .expect(202);
    await wants(dave, 'daily');
    await wants(erin, 'daily');
    const daves = idOf(await postComment(t.http, dave, articleId, 'dave thinks').expect(201));
    const erins = idOf(await postComment(t.http, erin, articleId, 'erin thinks').expect(201));
    const read = idOf(
      await postComment(t.http, bob, articleId, 'dave reads this one', daves).expect(201),
    );
    await postComment(t.http, bob, articleId, 'dave will get this', daves).expect(201);
    await postComment(t.http, bob, articleId, 'and this', daves).expect(201);
    await postComment(t.http, bob, articleId, 'erin never gets mail', erins).expect(201);
    await until('dave is notified thrice', async () => (await unreadCount(dave)) === 3);
    await until('erin is notified', async () => (await unreadCount(erin)) === 1);
    const list = (
      await request(t.http)
        .get('/api/notifications')
        .set(...bearer(dave))
        .expect(200)
    ).body as { items: { id: string; comment: { id: string } }[] };
    await request(t.http)
      .post('/api/notifications/read')
      .set(...bearer(dave))
      .send({ ids: [list.items.find((n) => n.comment.id === read)!.id] })
      .expect(204);
    // daily readers get nothing at once
    await new Promise((resolve) => setTimeout(resolve, BATCH_MS + 1_000));
    expect(mailsTo('dave@example.com').map((m) => m.subject)).toEqual([
      'Confirm your e-mail address',
    ]);

    const digests = t.app.get(MailDigests);
    // the scheduled job, started now instead of at the cron's time
    await digests.runDailyNow('2026-12-01');
    const mail = await mailTo('dave@example.com', /daily digest/);
    expect(mail.subject).toBe('Your daily digest: 2 notifications');
    expect(mail.text).toContain('> dave will get this');
    expect(mail.text).toContain('> and this');
    expect(mail.text).not.toContain('dave reads this one');
    expect(mail.headerLines.some((h) => h.key === 'list-unsubscribe')).toBe(true);
    const [first] = await digestsOf(dave);
    expect(first).toMatchObject({ kind: 'daily', period: '2026-12-01' });
    expect(mail.messageId).toBe(`<digest-${first!.id}@talk.example.com>`);

    // the same day again: nothing new; the next day: only what came since
    await digests.runDaily('2026-12-01');
    await postComment(t.http, bob, articleId, 'a new day, a new reply', daves).expect(201);
    await until('dave is notified again', async () => (await unreadCount(dave)) === 3);
    await digests.runDaily('2026-12-01');
    expect(await digestsOf(dave)).toHaveLength(1);
    await digests.runDaily('2026-12-02');
    const next = await mailTo('dave@example.com', /daily digest: 1 notification/);
    expect(next.subject).toBe('Your daily digest: 1 notification');
    expect(next.text).toContain('> a new day, a new reply');
    expect(next.text).not.toContain('dave will get this');
    expect(mailsTo('dave@example.com').filter((m) => /daily/.test(m.subject ?? ''))).toHaveLength(
      2,
    );

    // erin's address is not verified: no digest, no mail
    expect(await digestsOf(erin)).toEqual([]);
    expect(mailsTo('erin@example.com').map((m) => m.subject)).toEqual([
      'Confirm your e-mail address',
    ]);
    // the daily run is a pg-boss schedule at MAIL_DIGEST_HOUR (07:00 UTC by default)
    expect(await query(t.database.url, 'SELECT name, cron, timezone FROM pgboss.schedule')).toEqual(
      [{ name: 'mail-daily', cron: '0 7 * * *', timezone: 'UTC' }],
    );
  });
});
