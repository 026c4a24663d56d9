import { slugify, withSuffix } from './slug';

describe('slugify', () => {
  it('makes lower-case words joined by hyphens, dropping apostrophes and accents', () => {
    expect(slugify('Rubio and Mexico’s Foreign Secretary — Ramón!')).toBe(
      'rubio-and-mexicos-foreign-secretary-ramon',
    );
  });

  it('never returns an empty slug and keeps to 120 characters', () => {
    expect(slugify('!!!')).toBe('article');
    const long = slugify('word '.repeat(100));
    expect(long.length).toBeLessThanOrEqual(120);
    expect(long).not.toMatch(/-$/);
    expect(withSuffix(long, 'a1b2c3').length).toBeLessThanOrEqual(120);
    expect(withSuffix(long, 'a1b2c3')).toMatch(/-a1b2c3$/);
  });
});
