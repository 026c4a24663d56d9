import type { CommentPayload } from '../../realtime/contract';
import { ApiError } from './api';
import { type PageContext, isModerator } from './context';
import { h } from './dom';
import { showUserHistory } from './user-history';
import { catalogue } from '../i18n';

/** This page's words for comments (its `<html lang>`). */
const words = () => catalogue(document.documentElement.lang).thread;
/** This page's words for moderators' tools. */
const modWords = () => catalogue(document.documentElement.lang).moderation;

/** What the actions change in the thread. */
export interface ThreadUpdates {
  insert(comment: CommentPayload): HTMLLIElement | null;
  updated(comment: CommentPayload): void;
  removed(id: string, status: 'removed' | 'deleted'): void;
}

/**
 * The buttons under each comment (reply, and in its menu: report, edit, delete, and for
 * moderators remove, restore, ban), chosen by who is signed in; one listener for the thread.
 */
export class CommentActions {
  constructor(
    private readonly ctx: PageContext,
    list: HTMLElement,
    private readonly thread: ThreadUpdates,
  ) {
    list.addEventListener('click', (event) => this.onClick(event));
    list.addEventListener('submit', (event) => this.onSubmit(event));
  }

  render(item: HTMLElement): void {
    const slot = item.querySelector(':scope > .comment__card > [data-actions]');
    if (!slot) return;
    const user = this.ctx.user;
    if (!user) return slot.replaceChildren();
    const visible = item.dataset.status === 'visible';
    const own = item.dataset.authorId === user.id;
    const moderator = isModerator(user);
    const menu: HTMLButtonElement[] = [];
    if (visible && !own) menu.push(button('report', words().report));
    if (visible && own) menu.push(button('edit', words().edit), button('delete', words().delete));
    const mod = modWords();
    if (moderator && visible) menu.push(button('remove', mod.remove));
    if (moderator && item.dataset.status === 'removed') menu.push(button('restore', mod.restore));
    if (moderator && visible) {
      menu.push(
        featuredItem(item) ? button('unfeature', mod.unfeature) : button('feature', mod.feature),
      );
    }
    if (moderator && item.dataset.authorId) menu.push(button('history', mod.commentHistory));
    if (moderator && item.dataset.authorId && !own) menu.push(button('ban', mod.ban));
    slot.replaceChildren(
      ...(visible ? [button('reply', words().reply)] : []),
      ...(menu.length > 0
        ? [
            h(
              'details',
              { class: 'menu' },
              h('summary', { 'aria-label': words().moreActions }, words().more),
              h('div', { class: 'menu__items' }, ...menu),
            ),
          ]
        : []),
    );
  }

  private onClick(event: Event): void {
    const target = (event.target as Element).closest<HTMLButtonElement>('button[data-action]');
    const item = target?.closest<HTMLLIElement>('li.comment');
    if (!target || !item) return;
    target.closest('details')?.removeAttribute('open');
    void this.run(target.dataset.action!, item).catch((error: unknown) => this.failed(error));
  }

  private async run(action: string, item: HTMLLIElement): Promise<void> {
    const id = item.dataset.commentId!;
    switch (action) {
      case 'reply':
        return this.openForm(item, 'reply');
      case 'edit':
        return this.openForm(item, 'edit');
      case 'cancel':
        item.querySelector(':scope > form')?.remove();
        item.querySelector(':scope > .comment__card')?.classList.remove('is-editing');
        return;
      case 'delete':
        if (!window.confirm(words().confirmDelete)) return;
        await this.ctx.api.deleteComment(id);
        this.thread.removed(id, 'deleted');
        return this.ctx.announce(words().deleted);
      case 'report': {
        const reason = window.prompt(words().reportPrompt)?.trim();
        if (!reason) return;
        await this.ctx.api.report(id, reason);
        return this.ctx.announce(words().reported);
      }
      case 'remove': {
        const reason = window.prompt(modWords().removePrompt)?.trim();
        if (!reason) return;
        this.thread.updated(await this.ctx.api.remove(id, reason));
        return this.ctx.announce(modWords().removed);
      }
      case 'feature':
      case 'unfeature':
        this.thread.updated(await this.ctx.api.feature(id, action === 'feature'));
        return this.ctx.announce(
          action === 'feature' ? modWords().featured : modWords().unfeatured,
        );
      case 'history': {
        const handle = item.querySelector('.comment__handle')?.textContent ?? '';
        return showUserHistory(this.ctx, item.dataset.authorId!, handle.replace(/^@/, ''));
      }
      case 'restore':
        this.thread.updated(await this.ctx.api.restore(id));
        return this.ctx.announce(modWords().restored);
      case 'ban': {
        const name = item.querySelector('.comment__handle')?.textContent ?? null;
        const reason = window.prompt(modWords().banPrompt(name))?.trim();
        if (!reason) return;
        await this.ctx.api.ban(item.dataset.authorId!, reason);
        return this.ctx.announce(modWords().banned(name));
      }
    }
  }

  private openForm(item: HTMLLIElement, kind: 'reply' | 'edit'): void {
    const open = item.querySelector<HTMLFormElement>(':scope > form');
    if (open) {
      open.querySelector('textarea')?.focus();
      return;
    }
    const id = item.dataset.commentId!;
    const card = item.querySelector<HTMLElement>(':scope > .comment__card')!;
    const fieldId = `${kind}-${id}`;
    const author = card.querySelector('.comment__author')?.textContent ?? '';
    const textarea = h('textarea', {
      id: fieldId,
      name: 'body',
      rows: '3',
      maxlength: '5000',
      required: true,
    });
    if (kind === 'edit') textarea.value = card.querySelector('.comment__body')?.textContent ?? '';
    const form = h(
      'form',
      { class: `inline-form ${kind}-form`, 'data-kind': kind },
      h('label', { for: fieldId }, kind === 'reply' ? words().replyTo(author) : words().editYours),
      textarea,
      h(
        'div',
        { class: 'form-row' },
        h(
          'button',
          { type: 'submit', class: 'button' },
          kind === 'reply' ? words().postReply : words().save,
        ),
        button('cancel', words().cancel),
      ),
      h('p', { class: 'form-error', role: 'alert', 'data-form-error': true }),
    );
    card.after(form);
    if (kind === 'edit') card.classList.add('is-editing');
    textarea.focus();
  }

  private onSubmit(event: SubmitEvent): void {
    const form = event.target as HTMLFormElement;
    const item = form.closest<HTMLLIElement>('li.comment');
    if (!item || !form.classList.contains('inline-form')) return;
    event.preventDefault();
    const body = form.querySelector('textarea')!.value.trim();
    if (!body) return;
    const submit = form.querySelector<HTMLButtonElement>('button[type=submit]')!;
    submit.disabled = true;
    const id = item.dataset.commentId!;
    const done =
      form.dataset.kind === 'reply'
        ? this.ctx.api.postComment(this.ctx.articleId, body, id).then((comment) => {
            this.thread.insert(comment);
            this.ctx.announce(words().replyPosted);
          })
        : this.ctx.api.editComment(id, body).then((comment) => this.thread.updated(comment));
    void done.then(
      () => form.remove(),
      (error: unknown) => {
        submit.disabled = false;
        form.querySelector('[data-form-error]')!.textContent = messageOf(error);
      },
    );
  }

  private failed(error: unknown): void {
    this.ctx.announce(messageOf(error));
  }
}

function featuredItem(item: HTMLElement): boolean {
  return item.querySelector(':scope > .comment__card [data-featured]') !== null;
}

function button(action: string, label: string): HTMLButtonElement {
  return h('button', { type: 'button', class: 'link-button', 'data-action': action }, label);
}

export function messageOf(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.status === 409 && /report/i.test(error.message)) return words().alreadyReported;
    if (error.status === 401) return words().signInAgain;
    if (error.status === 403) return words().notAllowed(error.message);
    if (error.status === 429) return words().tooMany;
    return error.message;
  }
  return words().failed;
}
