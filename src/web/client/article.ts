/** The article page's script: the live discussion under the server-rendered article. */
import { Api } from './api';
import { startReader } from './reader';

const root = document.querySelector<HTMLElement>('[data-article-id]');
if (root) startReader(root, new Api());
