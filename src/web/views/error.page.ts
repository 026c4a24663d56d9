import { markup, type SafeHtml } from './html';

/** The body of an HTML error page (404 for an unknown article, and the like). */
export function errorMain(status: number, heading: string, text: string): SafeHtml {
  return markup`<section class="error-page" aria-labelledby="error-heading">
    <p class="category">Error ${status}</p>
    <h1 id="error-heading">${heading}</h1>
    <p>${text}</p>
    <p><a href="/">Back to all articles</a></p>
  </section>`;
}
