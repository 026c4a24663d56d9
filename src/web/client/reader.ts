/**
 * The live discussion of one article, shared by the reader page (article.ts) and the embed's
 * frame (embed/frame.ts): sign-in, votes, comments and moderation over the REST API, and live
 * tallies, comments and presence over Socket.IO. The server-rendered markup is complete
 * without it; the words come from the catalogue of the document's language.
 */
import { catalogue } from '../i18n';
import { type Api, ApiError, type User } from './api';
import { messageOf } from './comment-actions';
import { formatDate } from './comment-dom';
import { CommentCount } from './comment-count';
import { type PageContext, isModerator } from './context';
import { find, findAll } from './dom';
import { LiveFeed } from './live';
import { ModerationQueue } from './moderation-queue';
import { PendingQueue } from './pending-queue';
import { sortControl } from './comment-sort';
import { NotificationsInbox } from './notifications-inbox';
import { TallyBar } from './tally-bar';
import { Thread } from './thread';

/** What a host page (the embed's frame) can do with the running discussion. */
export interface Reader {
  /** After a session started (or ended) outside the forms: SSO, logout from the host page. */
  signedIn(user: User | null): Promise<void>;
  /** Reconnects the socket as the current identity. */
  reconnect(): void;
  announce(message: string): void;
}

export function startReader(root: HTMLElement, api: Api): Reader {
  const t = catalogue(document.documentElement.lang);
  const statusLine = find('[data-status-line]', root);
  const ctx: PageContext = {
    api,
    articleId: root.dataset.articleId!,
    user: null,
    announce: (message) => {
      statusLine.textContent = message;
    },
  };
  const auth = find('[data-auth]', root);
  const commentForm = find<HTMLFormElement>('[data-comment-form]', root);
  const presence = find('[data-presence]', root);
  const thread = new Thread(ctx, find('section.comments', root));
  const tallies = new TallyBar(ctx, find('[data-tallies]', root), () => {
    auth.scrollIntoView({ block: 'center' });
    find<HTMLInputElement>('#login-username', auth).focus();
    ctx.announce(t.signInToVote);
  });
  const queue = new ModerationQueue(ctx, find('[data-mod-queue]', root), (comment) =>
    thread.updated(comment),
  );
  const pending = new PendingQueue(ctx, find('[data-mod-queue]', root), {
    approved: (comment) => {
      if (comment.articleId === ctx.articleId) thread.insert(comment);
    },
  });
  const inbox = new NotificationsInbox(
    ctx,
    find('[data-account]'),
    root.dataset.siteId !== undefined,
  );

  // the server wrote times in UTC; show them in the reader's zone
  findAll<HTMLTimeElement>('time[datetime]', root).forEach(
    (time) => (time.textContent = formatDate(time.dateTime)),
  );
  const count = new CommentCount(find('[data-comment-count]', root));
  count.seed(thread.statuses());
  sortControl(ctx, find('.comments__head', root), async (sort) => {
    await thread.setSort(sort);
    count.seed(thread.statuses());
  });
  const live = new LiveFeed(ctx, Number(root.dataset.seq) || 0, {
    tallies: (next, version) => tallies.set(next, version),
    created: (comment) => {
      pending.gone(comment.id);
      count.created(comment.id);
      thread.buffered(comment);
    },
    updated: (comment) => {
      count.updated(comment.id, comment.status);
      thread.updated(comment);
    },
    removed: (id, status) => {
      count.removed(id, status);
      queue.gone(id);
      thread.removed(id, status);
    },
    readers: (count) => {
      presence.hidden = false;
      presence.textContent = t.readingNow(count);
    },
    commentCount: (n) => count.set(n),
    reported: (event) => queue.reported(event),
    score: (event) => thread.score(event.commentId, event.score),
    pending: (event) => pending.pending(event),
    resync: async () => {
      await thread.reload();
      count.seed(thread.statuses());
      ctx.announce(t.reconnected(null));
    },
    notification: (notification) => inbox.received(notification),
    connected: () => void inbox.refresh(),
    caughtUp: (missed) => {
      if (missed >= 0) ctx.announce(t.reconnected(missed));
    },
  });

  /** Everything that depends on who is signed in. */
  const signedIn = async (user: User | null): Promise<void> => {
    const wasModerator = isModerator(ctx.user);
    const wasId = ctx.user?.id ?? null;
    ctx.user = user;
    findAll('[data-anon-only]').forEach((element) => (element.hidden = user !== null));
    auth.hidden = user !== null;
    commentForm.hidden = user === null;
    const account = find('[data-account]');
    account.hidden = user === null;
    find('[data-account-name]', account).textContent = user
      ? t.signedInAs(
          `${user.displayName}${isModerator(user) ? ` (${t.moderation.role(user.role)})` : ''}`,
        )
      : '';
    if (user) {
      const article = await ctx.api.myVotes(ctx.articleId);
      tallies.set(article.tallies);
      if (article.myVotes) tallies.setMine(article.myVotes);
    } else {
      tallies.setMine({ interesting: null, support: null });
    }
    // another reader: their votes (myVote) and their own held comments come with the thread
    if (isModerator(user) !== wasModerator || (user?.id ?? null) !== wasId) {
      await thread.reload();
      count.seed(thread.statuses());
    } else {
      thread.renderAllActions();
    }
    if (isModerator(user)) await Promise.all([queue.show(), pending.show()]);
    else {
      queue.hide();
      pending.hide();
    }
    await inbox.signedIn(user);
  };

  ctx.api.onSessionLost = () => {
    void signedIn(null);
    ctx.announce(t.sessionEnded);
  };

  const authForm = (selector: string, submit: (data: FormData) => Promise<User>): void => {
    const form = find<HTMLFormElement>(selector, auth);
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const error = find('[data-form-error]', form);
      error.textContent = '';
      void submit(new FormData(form))
        .then(async (user) => {
          form.reset();
          await signedIn(user);
          live.reconnect();
          ctx.announce(t.welcome(user.displayName));
          find<HTMLTextAreaElement>('textarea', commentForm).focus();
        })
        .catch((failure: unknown) => {
          error.textContent =
            failure instanceof ApiError && failure.status === 401
              ? t.wrongPassword
              : messageOf(failure);
        });
    });
  };
  const field = (data: FormData, name: string): string => String(data.get(name) ?? '').trim();
  authForm('[data-login-form]', (data) =>
    ctx.api.login(field(data, 'username'), String(data.get('password') ?? '')),
  );
  authForm('[data-register-form]', (data) =>
    ctx.api.register(
      field(data, 'username'),
      String(data.get('password') ?? ''),
      field(data, 'displayName') || undefined,
    ),
  );

  find('[data-sign-out]').addEventListener('click', () => {
    void ctx.api.logout().then(async () => {
      await signedIn(null);
      live.reconnect();
      ctx.announce(t.signedOut);
    });
  });

  commentForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const textarea = find<HTMLTextAreaElement>('textarea', commentForm);
    const submit = find<HTMLButtonElement>('button[type=submit]', commentForm);
    const error = find('[data-form-error]', commentForm);
    const body = textarea.value.trim();
    if (!body) return;
    submit.disabled = true;
    error.textContent = '';
    ctx.api
      .postComment(ctx.articleId, body)
      .then((comment) => {
        textarea.value = '';
        thread.insert(comment);
        ctx.announce(
          comment.status === 'pending'
            ? t.heldForModeration
            : comment.status === 'rejected'
              ? t.rejectedWord
              : t.posted,
        );
      })
      .catch((failure: unknown) => (error.textContent = messageOf(failure)))
      .finally(() => (submit.disabled = false));
  });

  const more = root.querySelector<HTMLAnchorElement>('[data-load-more]');
  more?.addEventListener('click', (event) => {
    event.preventDefault();
    const cursor = more.dataset.cursor;
    if (!cursor) return;
    void thread.loadMore(cursor).then((next) => {
      more.hidden = next === null;
      more.dataset.cursor = next ?? '';
    });
  });

  if (ctx.api.signedIn) {
    ctx.api
      .me()
      .then((user) => signedIn(user))
      .catch(() => signedIn(null));
  } else {
    void signedIn(null);
  }
  return { signedIn, reconnect: () => live.reconnect(), announce: ctx.announce };
}
