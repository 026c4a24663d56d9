const MAX_SLUG = 120;

/** "Rubio and Mexico’s Foreign Secretary…" → "rubio-and-mexicos-foreign-secretary…" */
export function slugify(title: string): string {
  const slug = title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/['’]/g, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, MAX_SLUG)
    .replace(/-+$/, '');
  return slug || 'article';
}

/** The slug with a short suffix, still within the length limit. */
export function withSuffix(slug: string, suffix: string): string {
  return `${slug.slice(0, MAX_SLUG - suffix.length - 1).replace(/-+$/, '')}-${suffix}`;
}
