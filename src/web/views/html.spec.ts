import { escapeHtml, markup, SafeHtml } from './html';

describe('escapeHtml', () => {
  it('escapes the five characters that can end text or an attribute', () => {
    expect(escapeHtml(`<img src=x onerror="alert('1')"> & co`)).toBe(
      '&lt;img src=x onerror=&quot;alert(&#39;1&#39;)&quot;&gt; &amp; co',
    );
  });

  it('leaves other text, including non-ASCII, as it is', () => {
    expect(escapeHtml('Mexico’s “narcoterrorists” — Ramón')).toBe(
      'Mexico’s “narcoterrorists” — Ramón',
    );
  });

  it('escapes an already escaped entity again, so it shows as written', () => {
    expect(escapeHtml('&lt;b&gt;')).toBe('&amp;lt;b&amp;gt;');
  });
});

describe('markup', () => {
  it('escapes interpolated strings and numbers but keeps nested templates', () => {
    const name = '<script>alert(1)</script>';
    const inner = markup`<b>${name}</b>`;
    const out = markup`<p title="${name}">${inner} ${3}</p>`;
    expect(out).toBeInstanceOf(SafeHtml);
    expect(out.toString()).toBe(
      '<p title="&lt;script&gt;alert(1)&lt;/script&gt;"><b>&lt;script&gt;alert(1)&lt;/script&gt;</b> 3</p>',
    );
  });

  it('joins arrays and omits null, undefined and false', () => {
    const items = ['a&b', 'c'].map((item) => markup`<li>${item}</li>`);
    const out = markup`<ul>${items}</ul>${null}${undefined}${false}`;
    expect(out.toString()).toBe('<ul><li>a&amp;b</li><li>c</li></ul>');
  });
});
