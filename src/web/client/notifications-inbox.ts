/**
 * The signed-in reader's notifications, on the reader page and in the embed's frame: a button
 * with the unread count in the account area, kept live by the `notification` socket event
 * (every socket of the user gets it, no subscription needed), and a panel with the latest
 * notifications, each linking to its comment, to mark read one by one or all at once.
 * Keyboard: the button opens and closes the panel, Escape closes it and gives the focus back.
 * Over 250 lines: the panel's state, its keyboard handling and its live updates are one widget;
 * one notification's markup is in notification-item.ts.
 */
import { inboxStrings, type InboxStrings } from '../inbox-i18n';
import type { Notification, User } from './api';
import { messageOf } from './comment-actions';
import type { PageContext } from './context';
import { h } from './dom';
import { bell, notificationItem } from './notification-item';

/** How many notifications the panel lists (the newest). */
const LATEST = 20;

export class NotificationsInbox {
  private readonly t: InboxStrings;
  private readonly toggle: HTMLButtonElement;
  private readonly badge: HTMLElement;
  private readonly panel: HTMLElement;
  private readonly list: HTMLOListElement;
  private readonly empty: HTMLElement;
  private readonly error: HTMLElement;
  private readonly readAll: HTMLButtonElement;
  private items: Notification[] = [];
  private unread = 0;
  /** Whether `items` was loaded since the panel was last opened (or the reader changed). */
  private loaded = false;
  private user: User | null = null;

  /**
   * `account`: the account area the button joins (before its sign-out button); the panel goes
   * right after it. `framed`: in the embed, links to other articles open in a new tab.
   */
  constructor(
    private readonly ctx: PageContext,
    account: HTMLElement,
    private readonly framed: boolean,
  ) {
    this.t = inboxStrings(document.documentElement.lang);
    const panelId = 'townhall-inbox';
    this.badge = h(
      'span',
      { class: 'inbox__badge', 'data-inbox-badge': true, 'aria-hidden': 'true' },
      '0',
    );
    this.toggle = h(
      'button',
      {
        type: 'button',
        class: 'inbox__toggle',
        'data-inbox-toggle': true,
        'aria-expanded': 'false',
        'aria-controls': panelId,
        'aria-label': this.t.toggle(0),
        title: this.t.notifications,
        hidden: true,
      },
      bell(),
      this.badge,
    );
    this.list = h('ol', { class: 'inbox__list', 'data-inbox-list': true });
    this.empty = h(
      'p',
      { class: 'inbox__empty', 'data-inbox-empty': true, hidden: true },
      this.t.empty,
    );
    this.error = h('p', { class: 'inbox__error', role: 'alert', 'data-inbox-error': true });
    this.readAll = h(
      'button',
      { type: 'button', class: 'link-button', 'data-inbox-read-all': true },
      this.t.markAllRead,
    );
    this.panel = h(
      'section',
      {
        class: 'inbox__panel',
        id: panelId,
        'data-inbox-panel': true,
        'aria-label': this.t.notifications,
        hidden: true,
      },
      h(
        'div',
        { class: 'inbox__head' },
        h('h2', { class: 'inbox__title' }, this.t.notifications),
        this.readAll,
      ),
      this.error,
      this.empty,
      this.list,
    );
    const signOut = account.querySelector('[data-sign-out]');
    if (signOut) signOut.before(this.toggle);
    else account.append(this.toggle);
    account.after(this.panel);

    this.toggle.addEventListener(
      'click',
      () => void (this.panel.hidden ? this.open() : this.close()),
    );
    this.readAll.addEventListener('click', () => void this.markRead());
    this.list.addEventListener('click', (event) => this.clicked(event));
    document.addEventListener('keydown', (event) => {
      if (event.key === 'Escape' && !this.panel.hidden) this.close(true);
    });
    document.addEventListener('click', (event) => {
      const target = event.target as Node;
      if (!this.panel.hidden && !this.panel.contains(target) && !this.toggle.contains(target)) {
        this.close();
      }
    });
  }

  /** Shown for a signed-in reader, with the count read now; hidden and emptied otherwise. */
  async signedIn(user: User | null): Promise<void> {
    const changed = user?.id !== this.user?.id;
    this.user = user;
    this.toggle.hidden = user === null;
    if (changed) {
      this.items = [];
      this.loaded = false;
      this.render();
    }
    if (!user) {
      this.close();
      this.setUnread(0);
      return;
    }
    await this.refresh();
  }

  /** The count again (after a reconnect, notifications may have come meanwhile). */
  async refresh(): Promise<void> {
    if (!this.user) return;
    try {
      this.setUnread(await this.ctx.api.unreadCount());
      if (!this.panel.hidden) await this.load();
    } catch {
      // the next notification or reconnect tries again
    }
  }

  /** A `notification` event: the count grows, the list (when loaded) shows it first. */
  received(notification: Notification): void {
    if (!this.user || this.items.some((item) => item.id === notification.id)) return;
    if (notification.readAt === null) this.setUnread(this.unread + 1);
    if (this.loaded) {
      this.items = [notification, ...this.items].slice(0, LATEST);
      this.render();
    }
  }

  private async open(): Promise<void> {
    this.panel.hidden = false;
    this.toggle.setAttribute('aria-expanded', 'true');
    await this.load();
  }

  private close(refocus = false): void {
    if (this.panel.hidden) return;
    this.panel.hidden = true;
    this.toggle.setAttribute('aria-expanded', 'false');
    this.loaded = false;
    if (refocus) this.toggle.focus();
  }

  private async load(): Promise<void> {
    this.error.textContent = '';
    try {
      const [page, unread] = await Promise.all([
        this.ctx.api.notifications(LATEST),
        this.ctx.api.unreadCount(),
      ]);
      this.items = page.items;
      this.loaded = true;
      this.setUnread(unread);
      this.render();
    } catch {
      this.error.textContent = this.t.failed;
    }
  }

  private async markRead(id?: string): Promise<void> {
    this.error.textContent = '';
    try {
      await this.ctx.api.markRead(id ? [id] : undefined);
    } catch (failure) {
      this.error.textContent = messageOf(failure);
      return;
    }
    const now = new Date().toISOString();
    let newlyRead = 0;
    this.items = this.items.map((item) => {
      if (item.readAt !== null || (id && item.id !== id)) return item;
      newlyRead++;
      return { ...item, readAt: now };
    });
    this.setUnread(id ? Math.max(0, this.unread - newlyRead) : 0);
    const focusLost = this.panel.contains(document.activeElement);
    this.render();
    // the button pressed is gone with the re-render: keep the keyboard where it was
    if (focusLost) {
      const link =
        id && this.list.querySelector<HTMLElement>(`[data-notification="${CSS.escape(id)}"]`);
      (link || this.toggle).focus();
    }
    if (!id) this.ctx.announce(this.t.toggle(0));
  }

  private clicked(event: MouseEvent): void {
    const target = event.target as Element;
    const button = target.closest<HTMLButtonElement>('button[data-inbox-read]');
    if (button) {
      void this.markRead(button.dataset.inboxRead);
      return;
    }
    const link = target.closest<HTMLAnchorElement>('a[data-notification]');
    if (!link) return;
    const item = this.items.find((n) => n.id === link.dataset.notification);
    if (item?.readAt === null) void this.markRead(item.id);
    // on this article's page: go to the comment where it is shown, without a reload (a reply
    // that came live waits behind the "new comments" button: show those first)
    const here = item?.articleId === this.ctx.articleId;
    const find = (): HTMLElement | null =>
      here ? document.getElementById(`comment-${item.comment.id}`) : null;
    if (here && !find()) {
      document.querySelector<HTMLButtonElement>('[data-new-comments]:not([hidden])')?.click();
    }
    const shown = find();
    if (shown) {
      event.preventDefault();
      this.close();
      shown.scrollIntoView({ block: 'center' });
      shown.setAttribute('tabindex', '-1');
      shown.focus();
    }
  }

  private setUnread(count: number): void {
    this.unread = count;
    this.badge.textContent = String(count);
    this.badge.dataset.count = String(count);
    this.toggle.setAttribute('aria-label', this.t.toggle(count));
    this.readAll.disabled = count === 0;
  }

  private render(): void {
    this.empty.hidden = !this.loaded || this.items.length > 0;
    this.list.replaceChildren(
      ...this.items.map((item) =>
        notificationItem(item, this.t, this.framed && item.articleId !== this.ctx.articleId),
      ),
    );
  }
}
