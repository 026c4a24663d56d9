// `npm run demo:embed`: a plain "publisher" page on another origin (http://localhost:4000)
// that embeds a running Townhall server (http://localhost:3000) with the snippet, a count
// badge and single sign-on: type a name, and this server signs an HS256 token for it with the
// site's SSO secret (as a publisher's back end would). It creates (or reuses) the demo site
// and article through the admin API, so it needs the admin the server was started with:
//   ADMIN_USERNAME=admin ADMIN_PASSWORD=admin-password npm start            (the server)
//   ADMIN_USERNAME=admin ADMIN_PASSWORD=admin-password npm run demo:embed   (this page)
// Other settings: TOWNHALL_URL (default http://localhost:3000), DEMO_PORT (default 4000).
import { createServer } from 'node:http';
import { env, exit, stdout } from 'node:process';
import { URLSearchParams } from 'node:url';
import { TextEncoder } from 'node:util';
import { SignJWT } from 'jose';

const TOWNHALL = (env.TOWNHALL_URL ?? 'http://localhost:3000').replace(/\/$/, '');
const PORT = Number(env.DEMO_PORT ?? 4000);
const ORIGINS = [`http://localhost:${PORT}`, `http://127.0.0.1:${PORT}`];
const SITE_NAME = 'Embed demo';
const ARTICLE = 'demo-article-1';

if (!env.ADMIN_USERNAME || !env.ADMIN_PASSWORD) {
  stdout.write(
    'demo:embed needs the Townhall admin: start the server with ADMIN_USERNAME and ADMIN_PASSWORD set, then run ADMIN_USERNAME=… ADMIN_PASSWORD=… npm run demo:embed\n',
  );
  exit(1);
}

async function api(method, path, token, body) {
  const response = await globalThis.fetch(`${TOWNHALL}${path}`, {
    method,
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const payload = response.status === 204 ? null : await response.json();
  if (!response.ok)
    throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(payload)}`);
  return payload;
}

/** The demo site (created once, then found by name) with a fresh SSO secret for this run. */
async function demoSite(token) {
  let cursor;
  do {
    const page = await api(
      'GET',
      `/api/sites?limit=100${cursor ? `&cursor=${cursor}` : ''}`,
      token,
    );
    const found = page.items.find((site) => site.name === SITE_NAME);
    if (found) {
      await api('PATCH', `/api/sites/${found.id}`, token, {
        origins: ORIGINS,
        autoCreateArticles: true,
      });
      // the secret is shown only once: this demo is its only user, so it takes a new one
      const { ssoSecret } = await api('POST', `/api/sites/${found.id}/sso-secret`, token);
      return { id: found.id, ssoSecret };
    }
    cursor = page.nextCursor;
  } while (cursor);
  const site = await api('POST', '/api/sites', token, {
    name: SITE_NAME,
    origins: ORIGINS,
    autoCreateArticles: true,
  });
  return { id: site.id, ssoSecret: site.ssoSecret };
}

const escape = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(site, name, token) {
  const sso = token ? ` data-sso="${escape(token)}"` : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>The Demo Gazette</title>
<style>body{font:1rem/1.5 Georgia,serif;max-width:46rem;margin:2rem auto;padding:0 1rem}
header{display:flex;justify-content:space-between;align-items:center;border-bottom:1px solid #ccc}</style>
</head><body>
<header><h2>The Demo Gazette</h2>
${
  name
    ? `<form method="post" action="/logout">Signed in as <b>${escape(name)}</b> <button>Log out</button></form>`
    : `<form method="post" action="/login"><input name="name" placeholder="Your name" required maxlength="64"> <button>Log in</button></form>`
}
</header>
<p>Front page: <a href="#comments">A town votes on its new bridge</a> ·
<span data-townhall-count="${ARTICLE}">…</span></p>
<h1>A town votes on its new bridge</h1>
<p>The council will decide next week whether the old bridge is repaired or replaced.</p>
<h2 id="comments">Discussion</h2>
<div data-townhall data-site="${site.id}" data-article="${ARTICLE}"${sso}
  data-title="A town votes on its new bridge" data-url="http://localhost:${PORT}/"></div>
<script src="${TOWNHALL}/embed.js" async></script>
<script src="${TOWNHALL}/count.js" data-site="${site.id}" async></script>
</body></html>`;
}

function readName(request) {
  const cookie = /(?:^|;\s*)demo_user=([^;]*)/.exec(request.headers.cookie ?? '');
  return cookie ? decodeURIComponent(cookie[1]) : null;
}

async function main() {
  const { accessToken } = await api('POST', '/api/auth/login', undefined, {
    username: env.ADMIN_USERNAME,
    password: env.ADMIN_PASSWORD,
  });
  const site = await demoSite(accessToken);
  const key = new TextEncoder().encode(site.ssoSecret);
  const handle = async (request, response) => {
    if (request.method === 'POST') {
      let body = '';
      for await (const chunk of request) body += chunk;
      const name = new URLSearchParams(body).get('name')?.trim().slice(0, 64);
      const cookie =
        request.url === '/login' && name
          ? `demo_user=${encodeURIComponent(name)}; Path=/; HttpOnly; SameSite=Lax`
          : 'demo_user=; Path=/; Max-Age=0';
      response.writeHead(303, { location: '/', 'set-cookie': cookie }).end();
      return;
    }
    const name = readName(request);
    // what a publisher's back end does for its logged-in reader
    const token = name
      ? await new SignJWT({ sub: `demo:${name.toLowerCase()}`, name })
          .setProtectedHeader({ alg: 'HS256' })
          .setExpirationTime('1h')
          .sign(key)
      : null;
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    response.end(page(site, name, token));
  };
  createServer((request, response) => {
    handle(request, response).catch((error) => {
      stdout.write(`demo:embed: ${error.message}\n`);
      response.writeHead(500).end();
    });
  }).listen(PORT, () => {
    stdout.write(
      `publisher page: http://localhost:${PORT}/ (site ${site.id}, Townhall ${TOWNHALL})\n`,
    );
  });
}

main().catch((error) => {
  stdout.write(`demo:embed: ${error.message}\n`);
  exit(1);
});
