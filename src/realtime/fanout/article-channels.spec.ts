import { ArticleChannels, articleChannel, type ChannelLink } from './article-channels';

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A link that records what reached "Redis" and lets the test answer each subscribe. */
class RecordingLink implements ChannelLink {
  readonly calls: string[] = [];
  private readonly waiting: { resolve: () => void; reject: (e: Error) => void }[] = [];
  answerAtOnce = true;
  failNext = false;

  subscribe(channel: string): Promise<void> {
    this.calls.push(`+${channel}`);
    if (this.failNext) {
      this.failNext = false;
      return Promise.reject(new Error('Redis down'));
    }
    if (this.answerAtOnce) return Promise.resolve();
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  unsubscribe(channel: string): Promise<void> {
    this.calls.push(`-${channel}`);
    return Promise.resolve();
  }

  confirmAll(): void {
    this.waiting.splice(0).forEach(({ resolve }) => resolve());
  }
}

describe('ArticleChannels', () => {
  const a = articleChannel('a');
  const b = articleChannel('b');

  it('subscribes an article once, whatever the number of interests, and releases it after the linger', async () => {
    const link = new RecordingLink();
    const channels = new ArticleChannels(link, 60);
    await channels.follow('a');
    await channels.follow('a');
    await channels.follow('b');
    expect(link.calls).toEqual([`+${a}`, `+${b}`]);
    channels.unfollow('a');
    await delay(90);
    expect(link.calls).toEqual([`+${a}`, `+${b}`]); // one interest in a is left
    channels.unfollow('a');
    expect(channels.size).toBe(2); // lingering
    await delay(90);
    expect(link.calls).toEqual([`+${a}`, `+${b}`, `-${a}`]);
    expect(channels.size).toBe(1);
    expect(channels.receives('a')).toBe(false);
    expect(channels.receives('b')).toBe(true);
    channels.close();
  });

  it('keeps a lingering channel subscribed when interest comes back in time', async () => {
    const link = new RecordingLink();
    const channels = new ArticleChannels(link, 60);
    await channels.follow('a');
    channels.unfollow('a');
    await delay(20);
    await channels.follow('a');
    await delay(90);
    expect(link.calls).toEqual([`+${a}`]);
    expect(channels.receives('a')).toBe(true);
    channels.close();
  });

  it('resolves a follow only once Redis confirmed, for every interest waiting on it', async () => {
    const link = new RecordingLink();
    link.answerAtOnce = false;
    const channels = new ArticleChannels(link, 1_000, 5_000);
    const resolved: string[] = [];
    const first = channels.follow('a').then(() => resolved.push('first'));
    const second = channels.follow('a').then(() => resolved.push('second'));
    await delay(20);
    expect(resolved).toEqual([]);
    expect(link.calls).toEqual([`+${a}`]);
    link.confirmAll();
    await Promise.all([first, second]);
    expect(resolved.sort()).toEqual(['first', 'second']);
    expect(channels.receives('a')).toBe(true);
    channels.close();
  });

  it('never blocks a follow longer than the timeout when Redis does not answer', async () => {
    const link = new RecordingLink();
    link.answerAtOnce = false;
    const channels = new ArticleChannels(link, 1_000, 50);
    const started = Date.now();
    await channels.follow('a');
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(channels.receives('a')).toBe(false);
    channels.close();
  });

  it('asks again, after a reconnect, only for the channels whose subscription failed', async () => {
    const link = new RecordingLink();
    const channels = new ArticleChannels(link, 1_000);
    await channels.follow('a');
    link.failNext = true;
    await channels.follow('b'); // resolves despite the failure: the sweep repairs what is lost
    expect(channels.receives('b')).toBe(false);
    channels.resubscribe();
    await delay(0);
    expect(link.calls).toEqual([`+${a}`, `+${b}`, `+${b}`]);
    expect(channels.receives('b')).toBe(true);
    channels.close();
  });

  it('tries a failed subscription again at the next follow of the article', async () => {
    const link = new RecordingLink();
    const channels = new ArticleChannels(link, 1_000);
    link.failNext = true;
    await channels.follow('a');
    expect(channels.receives('a')).toBe(false);
    await channels.follow('a');
    expect(link.calls).toEqual([`+${a}`, `+${a}`]);
    expect(channels.receives('a')).toBe(true);
    await channels.follow('a');
    expect(link.calls).toEqual([`+${a}`, `+${a}`]);
    channels.close();
  });

  it('subscribes every held channel again on a new connection, lingering ones included', async () => {
    const link = new RecordingLink();
    const channels = new ArticleChannels(link, 1_000);
    await channels.follow('a');
    await channels.follow('b');
    channels.unfollow('b');
    channels.resubscribeAll();
    await delay(0);
    expect(link.calls).toEqual([`+${a}`, `+${b}`, `+${a}`, `+${b}`]);
    expect(channels.receives('a') && channels.receives('b')).toBe(true);
    channels.close();
  });

  it('ignores an unfollow without a follow, and does not count below zero', async () => {
    const link = new RecordingLink();
    const channels = new ArticleChannels(link, 30);
    channels.unfollow('a');
    await channels.follow('b');
    channels.unfollow('b');
    channels.unfollow('b');
    await channels.follow('b'); // back before the linger ended: one interest
    channels.unfollow('b');
    await delay(60);
    expect(link.calls).toEqual([`+${b}`, `-${b}`]);
    channels.close();
  });
});
