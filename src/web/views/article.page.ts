import type { ArticleView } from '../../articles/articles.repository';
import type { Tallies } from '../../articles/tallies';
import type { ArticlePage } from '../reader-pages.service';
import { commentItem } from './comment.view';
import { formatDate } from './format';
import { CATALOGUES, type Catalogue } from '../i18n';
import { markup, type SafeHtml } from './html';

const DIMENSIONS = ['interesting', 'support'] as const;
const EN = CATALOGUES.en;

/** GET /articles/:slug: the article, its tallies, follow-ups and the first page of comments. */
export function articleMain(page: ArticlePage): SafeHtml {
  const { article } = page;
  return markup`<div class="reader" data-article-id="${article.id}" data-seq="${page.seq}">
    <article class="article" aria-labelledby="article-title">
      <p class="category">${article.category}</p>
      <h1 id="article-title" class="article__title">${article.title}</h1>
      <p class="article__date">
        <time datetime="${article.publishedAt.toISOString()}"
          >${formatDate(article.publishedAt)}</time
        >
      </p>
      ${talliesBar(article.tallies)} ${paragraphs(article.body)}
      ${keyTakeaways(article.keyTakeaways)} ${followUps(article)}
    </article>
    ${moderationQueue()} ${commentsSection(page)}
  </div>`;
}

/** The tallies with their vote buttons (the reader page and the embed). */
export function talliesBar(current: Tallies, t: Catalogue = EN): SafeHtml {
  const groups = DIMENSIONS.map((dimension, index) => {
    const label = t[dimension];
    const counts = current[dimension];
    return markup`${index > 0 ? markup`<span class="tallies__sep" aria-hidden="true">•</span>` : null}
      <span class="tally" role="group" aria-label="${label}" data-dimension="${dimension}">
        <span class="tally__text">${label}: <span data-count="up">${counts.up}</span>/<span data-count="down">${counts.down}</span></span>
        ${voteButton(t, label, 'up', '▲')}${voteButton(t, label, 'down', '▼')}
      </span>`;
  });
  return markup`<div class="tallies" data-tallies>
    ${groups}
    <a class="tallies__hint" href="#sign-in" data-anon-only>${t.logInToVote}</a>
  </div>`;
}

/** Disabled until the script runs: voting needs it. */
function voteButton(t: Catalogue, label: string, value: 'up' | 'down', symbol: string): SafeHtml {
  const name = t.vote(label, value);
  return markup`<button type="button" class="vote" data-value="${value}" aria-pressed="false" aria-label="${name}" title="${name}" disabled>${symbol}</button>`;
}

/** The body as paragraphs (blank lines separate them). */
function paragraphs(body: string): SafeHtml | null {
  const parts = body
    .split(/\n\s*\n/)
    .map((part) => part.trim())
    .filter(Boolean);
  return parts.length > 0
    ? markup`<div class="article__body">${parts.map((part) => markup`<p>${part}</p>`)}</div>`
    : null;
}

function keyTakeaways(items: string[]): SafeHtml | null {
  if (items.length === 0) return null;
  return markup`<section class="takeaways" aria-labelledby="takeaways-heading">
    <h2 id="takeaways-heading">Key takeaways</h2>
    <ul>
      ${items.map((item) => markup`<li>${item}</li>`)}
    </ul>
  </section>`;
}

function followUps(article: ArticleView): SafeHtml | null {
  const items = article.followUps;
  if (items.length === 0) return null;
  return markup`<section class="follow-ups" aria-labelledby="follow-ups-heading">
    <h2 id="follow-ups-heading">Follow Up Questions</h2>
    ${items.map(
      (followUp) =>
        markup`<details class="follow-up">
          <summary>${followUp.question}</summary>
          <div class="follow-up__answer">${answer(followUp.answer)}</div>
        </details>`,
    )}
  </section>`;
}

/** Answers list points inline as `… : • one • two`; show them as a list. */
function answer(text: string): SafeHtml {
  const [intro, ...points] = text.split(/\s+•\s+/);
  return markup`<p>${intro}</p>
    ${
      points.length > 0
        ? markup`<ul>
            ${points.map((point) => markup`<li>${point}</li>`)}
          </ul>`
        : null
    }`;
}

/** Moderators' panel of reported comments (the reader page and the embed). */
export function moderationQueue(t: Catalogue = EN): SafeHtml {
  return markup`<aside
    class="panel mod-queue"
    data-mod-queue
    hidden
    aria-labelledby="mod-queue-heading"
  >
    <h2 id="mod-queue-heading">${t.moderation.queueHeading}</h2>
    <p class="muted" data-mod-queue-empty>${t.moderation.noReports}</p>
    <ol class="mod-queue__list" data-mod-queue-list></ol>
  </aside>`;
}

/** The comments: sign-in, the form, the live thread (the reader page and the embed). */
export function commentsSection(page: ArticlePage, t: Catalogue = EN): SafeHtml {
  const count = page.article.commentCount;
  return markup`<section class="comments" aria-labelledby="comments-heading">
    <div class="comments__head">
      <h2 id="comments-heading">
        ${t.comments} <span class="comments__count" data-comment-count>${count}</span>
      </h2>
      <p class="presence" data-presence hidden></p>
    </div>
    <p class="login-note" data-anon-only>${t.onlyLoggedIn}</p>
    <noscript><p class="muted">${t.noScript}</p></noscript>
    ${authForms(t)}
    <form class="comment-form" data-comment-form hidden>
      <label for="comment-body">${t.yourComment}</label>
      <textarea id="comment-body" name="body" rows="3" maxlength="5000" required></textarea>
      <div class="form-row"><button type="submit" class="button">${t.postComment}</button></div>
      <p class="form-error" role="alert" data-form-error></p>
    </form>
    <p class="status-line" role="status" data-status-line></p>
    <button type="button" class="new-comments" data-new-comments hidden></button>
    <ol class="thread" data-thread>
      ${page.thread.map((node) => commentItem(node, t.thread))}
    </ol>
    <p class="muted" data-no-comments ${page.thread.length > 0 ? markup`hidden` : null}>
      ${t.noComments}
    </p>
    <p class="more">
      <a
        class="button button--quiet"
        href="${page.nextCursor ? `?cursor=${encodeURIComponent(page.nextCursor)}` : '#comments-heading'}"
        data-load-more
        data-cursor="${page.nextCursor ?? ''}"
        ${page.nextCursor ? null : markup`hidden`}
        >${t.moreComments}</a
      >
    </p>
  </section>`;
}

function authForms(t: Catalogue): SafeHtml {
  return markup`<div class="auth" id="sign-in" data-auth hidden>
    <form class="panel auth__form" data-login-form aria-labelledby="login-heading">
      <h3 id="login-heading">${t.signIn}</h3>
      <label for="login-username">${t.username}</label>
      <input
        id="login-username"
        name="username"
        autocomplete="username"
        required
        minlength="3"
        maxlength="32"
      />
      <label for="login-password">${t.password}</label>
      <input
        id="login-password"
        name="password"
        type="password"
        autocomplete="current-password"
        required
        minlength="8"
        maxlength="128"
      />
      <div class="form-row"><button type="submit" class="button">${t.signIn}</button></div>
      <p class="form-error" role="alert" data-form-error></p>
    </form>
    <form class="panel auth__form" data-register-form aria-labelledby="register-heading">
      <h3 id="register-heading">${t.register}</h3>
      <label for="register-username"
        >${t.username} <span class="muted">${t.usernameHint}</span></label
      >
      <input
        id="register-username"
        name="username"
        autocomplete="username"
        required
        minlength="3"
        maxlength="32"
        pattern="[A-Za-z0-9_]+"
      />
      <label for="register-display-name"
        >${t.displayName} <span class="muted">${t.optional}</span></label
      >
      <input id="register-display-name" name="displayName" autocomplete="nickname" maxlength="64" />
      <label for="register-password"
        >${t.password} <span class="muted">${t.passwordHint}</span></label
      >
      <input
        id="register-password"
        name="password"
        type="password"
        autocomplete="new-password"
        required
        minlength="8"
        maxlength="128"
      />
      <div class="form-row"><button type="submit" class="button">${t.register}</button></div>
      <p class="form-error" role="alert" data-form-error></p>
    </form>
  </div>`;
}
