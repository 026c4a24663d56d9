/** How the channels reach Redis: SSUBSCRIBE / SUNSUBSCRIBE of one channel. */
export interface ChannelLink {
  /** Resolves once Redis confirmed the subscription; rejects when it could not be made. */
  subscribe(channel: string): Promise<void>;
  unsubscribe(channel: string): Promise<void>;
}

/** An article's channel is kept this long after its last local interest ended. */
export const CHANNEL_LINGER_MS = 30_000;
/** A follow waits at most this long for Redis: an outage never blocks a subscribe. */
export const FOLLOW_TIMEOUT_MS = 2_000;

/** The sharded channel of one article's events. */
export function articleChannel(articleId: string): string {
  return `townhall:article:${articleId}`;
}

interface Entry {
  channel: string;
  /** Local interests (feeds being subscribed or held, count watches, cached answers). */
  holders: number;
  /** Redis confirmed the subscription (the client restores it itself after a reconnect). */
  subscribed: boolean;
  /** When (in confirmations counted) it was confirmed. */
  confirmedAt: number;
  pending: Promise<void> | null;
  linger: NodeJS.Timeout | null;
}

/**
 * Which article channels this instance listens to. The first interest in an article
 * subscribes its channel, and `follow` resolves once Redis confirmed it (or failed, or
 * FOLLOW_TIMEOUT_MS passed: the feeds' gap repair covers what an outage loses), so a snapshot
 * read after it misses no event. When the last interest ends, the channel lingers
 * CHANNEL_LINGER_MS (a reader reloading the page finds it still there) and is then released.
 */
export class ArticleChannels {
  private readonly entries = new Map<string, Entry>();
  private confirmations = 0;

  constructor(
    private readonly link: ChannelLink,
    private readonly lingerMs = CHANNEL_LINGER_MS,
    private readonly followTimeoutMs = FOLLOW_TIMEOUT_MS,
  ) {}

  /** One more local interest in the article; resolves once its events flow (see above). */
  follow(articleId: string): Promise<void> {
    let entry = this.entries.get(articleId);
    if (!entry) {
      entry = {
        channel: articleChannel(articleId),
        holders: 0,
        subscribed: false,
        confirmedAt: 0,
        pending: null,
        linger: null,
      };
      this.entries.set(articleId, entry);
      this.subscribe(entry);
    } else if (!entry.subscribed && !entry.pending) {
      // an earlier try failed (Redis was away): try again now
      this.subscribe(entry);
    }
    entry.holders++;
    if (entry.linger) {
      clearTimeout(entry.linger);
      entry.linger = null;
    }
    if (!entry.pending) return Promise.resolve();
    return within(entry.pending, this.followTimeoutMs);
  }

  /** One local interest fewer; the last one starts the linger. */
  unfollow(articleId: string): void {
    const entry = this.entries.get(articleId);
    if (!entry || entry.holders === 0 || --entry.holders > 0) return;
    entry.linger = setTimeout(() => {
      this.entries.delete(articleId);
      this.link.unsubscribe(entry.channel).catch(() => undefined);
    }, this.lingerMs);
    entry.linger.unref();
  }

  /** Whether the article's channel is subscribed (confirmed by Redis once). */
  receives(articleId: string): boolean {
    return this.entries.get(articleId)?.subscribed ?? false;
  }

  /**
   * A test of which articles' events flowed here already at the moment of this call (their
   * subscription confirmed then, and kept since): a read made after it, of those articles
   * only, misses none of their later events.
   */
  flowingNow(): (articleId: string) => boolean {
    const mark = this.confirmations;
    return (articleId) => {
      const entry = this.entries.get(articleId);
      return entry !== undefined && entry.subscribed && entry.confirmedAt <= mark;
    };
  }

  /**
   * After Redis came back: the channels whose subscription failed are asked again (the client
   * restores the confirmed ones itself).
   */
  resubscribe(): void {
    for (const entry of this.entries.values()) {
      if (!entry.subscribed && !entry.pending) this.subscribe(entry);
    }
  }

  /** On a new connection that holds no subscription: every held channel is subscribed again. */
  resubscribeAll(): void {
    for (const entry of this.entries.values()) {
      entry.subscribed = false;
      this.subscribe(entry);
    }
  }

  /** Channels held (followed or lingering). */
  get size(): number {
    return this.entries.size;
  }

  close(): void {
    for (const entry of this.entries.values()) if (entry.linger) clearTimeout(entry.linger);
    this.entries.clear();
  }

  private subscribe(entry: Entry): void {
    // only the latest try of an entry decides (a resubscribeAll may overtake an earlier one)
    const pending: Promise<void> = this.link.subscribe(entry.channel).then(
      () => {
        if (entry.pending !== pending) return;
        entry.subscribed = true;
        entry.confirmedAt = ++this.confirmations;
        entry.pending = null;
      },
      () => {
        if (entry.pending !== pending) return;
        entry.subscribed = false;
        entry.pending = null;
      },
    );
    entry.pending = pending;
  }
}

/** `promise`, or nothing more to wait for after `ms`. */
function within(promise: Promise<void>, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    timer.unref();
    void promise.finally(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}
