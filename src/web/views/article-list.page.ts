import type { ArticleSummaryView } from '../../articles/articles.repository';
import { formatDate, talliesText } from './format';
import { markup, type SafeHtml } from './html';

/** GET /: every article, newest first, with its category, tallies and comment count. */
export function articleListMain(articles: ArticleSummaryView[]): SafeHtml {
  const items = articles.map(
    (article) =>
      markup`<li class="card">
        <p class="category">${article.category}</p>
        <h2 class="card__title">
          <a href="/articles/${encodeURIComponent(article.slug)}">${article.title}</a>
        </h2>
        <p class="card__meta">
          <span
            >${talliesText(article.tallies)}</span
          >
          <span>${commentsLabel(article.commentCount)}</span>
          <time datetime="${article.publishedAt.toISOString()}"
            >${formatDate(article.publishedAt)}</time
          >
        </p>
      </li>`,
  );
  return markup`<h1 class="page-title">Articles</h1>
    ${
      articles.length > 0
        ? markup`<ul class="cards">
            ${items}
          </ul>`
        : markup`<p class="empty">No articles yet.</p>`
    }`;
}

function commentsLabel(count: number): string {
  return count === 1 ? '1 comment' : `${count} comments`;
}
