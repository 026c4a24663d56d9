import { readFrameQuery, requestOrigin, withFrameAncestors } from './frame-request';

describe('the frame request', () => {
  it('reads theme, language, parent origin, title and url, and falls back on anything wrong', () => {
    expect(
      readFrameQuery({
        theme: 'dark',
        lang: 'de',
        origin: 'https://news.example',
        title: '  A title ',
        url: 'https://news.example/a?b=1',
      }),
    ).toEqual({
      theme: 'dark',
      lang: 'de',
      parentOrigin: 'https://news.example',
      title: 'A title',
      url: 'https://news.example/a?b=1',
    });
    expect(
      readFrameQuery({
        theme: 'purple',
        lang: ['de'],
        origin: 'javascript:alert(1)',
        title: 'x\u0000y',
        url: 'ftp://news.example/',
      }),
    ).toEqual({ theme: 'auto', lang: 'en', parentOrigin: null, title: null, url: null });
    expect(readFrameQuery({ title: 'x'.repeat(301) }).title).toBeNull();
  });

  it('judges the requesting page by Origin, else by the origin of Referer', () => {
    expect(requestOrigin({ origin: 'https://a.example', referer: 'https://b.example/x' })).toBe(
      'https://a.example',
    );
    expect(requestOrigin({ referer: 'https://b.example:8443/story?x=1' })).toBe(
      'https://b.example:8443',
    );
    expect(requestOrigin({ origin: 'null' })).toBeNull();
    expect(requestOrigin({ referer: 'not a url' })).toBeNull();
    expect(requestOrigin({})).toBeNull();
  });

  it("replaces helmet's frame-ancestors with the site's origins, 'none' without any", () => {
    const helmet = "default-src 'self';frame-ancestors 'self';object-src 'none'";
    expect(withFrameAncestors(helmet, ['https://a.example', 'http://b.example:81'])).toBe(
      "default-src 'self';object-src 'none';frame-ancestors https://a.example http://b.example:81",
    );
    expect(withFrameAncestors(helmet, [])).toBe(
      "default-src 'self';object-src 'none';frame-ancestors 'none'",
    );
    expect(withFrameAncestors('', '*')).toBe('frame-ancestors *');
  });
});
