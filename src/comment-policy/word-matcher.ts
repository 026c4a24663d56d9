/**
 * Whole-word matching of word lists (banned and suspect words), after Unicode NFKC
 * normalisation and case folding, so `ＢＡＤ` and `Bad` match `bad`.
 *
 * A text is cut into word tokens: maximal runs of letters, marks and digits (`\p{L}\p{M}\p{N}`,
 * Unicode word boundaries rather than ASCII `\b`). An entry is cut the same way; it matches
 * where its tokens occur in a row with the same separators between them (any run of white
 * space counts as one space), so `f*ck`, `e-mail` and `big bad` are phrases that match as a
 * whole and never inside a longer word. Building costs one pass over the list; matching costs
 * one pass over the text with a hash lookup per token, however long the list.
 */
export class WordMatcher {
  /** By first token: the entries starting with it (single words have no `rest`). */
  private readonly byFirst = new Map<string, Entry[]>();
  readonly size: number;

  constructor(words: readonly string[]) {
    let size = 0;
    for (const word of words) {
      const { tokens, gaps } = tokenize(fold(word));
      if (tokens.length === 0) continue; // no letter or digit: nothing it could match
      const entry: Entry = { tokens, gaps: gaps.slice(1, tokens.length) };
      const list = this.byFirst.get(tokens[0]!);
      if (list) {
        if (!list.some((e) => sameEntry(e, entry))) list.push(entry);
        else continue;
      } else this.byFirst.set(tokens[0]!, [entry]);
      size++;
    }
    this.size = size;
  }

  /** The first entry found in `text` (as folded), or null. */
  find(text: string): string | null {
    if (this.size === 0) return null;
    const { tokens, gaps } = tokenize(fold(text));
    for (let i = 0; i < tokens.length; i++) {
      const candidates = this.byFirst.get(tokens[i]!);
      if (!candidates) continue;
      for (const entry of candidates) {
        if (matchesAt(entry, tokens, gaps, i)) return describe(entry);
      }
    }
    return null;
  }

  matches(text: string): boolean {
    return this.find(text) !== null;
  }
}

interface Entry {
  tokens: string[];
  /** The separator before tokens[1], tokens[2], … */
  gaps: string[];
}

const TOKEN = /[\p{L}\p{M}\p{N}]+/gu;
const SPACES = /\s+/gu;

/**
 * NFKC, then case folding, then NFKC again. Upper then lower case is JavaScript's nearest to
 * Unicode full case folding: `ß` and `SS` both become `ss`, final `ς` becomes `σ`.
 */
export function fold(text: string): string {
  // toLowerCase writes a final sigma by context, which folding must not depend on
  return text.normalize('NFKC').toUpperCase().toLowerCase().replace(/ς/g, 'σ').normalize('NFKC');
}

/** Tokens and, for each token, the separator before it (white space runs as one space). */
function tokenize(text: string): { tokens: string[]; gaps: string[] } {
  const tokens: string[] = [];
  const gaps: string[] = [];
  let end = 0;
  for (const match of text.matchAll(TOKEN)) {
    gaps.push(text.slice(end, match.index).replace(SPACES, ' '));
    tokens.push(match[0]);
    end = match.index + match[0].length;
  }
  return { tokens, gaps };
}

function matchesAt(entry: Entry, tokens: string[], gaps: string[], at: number): boolean {
  const length = entry.tokens.length;
  if (at + length > tokens.length) return false;
  for (let k = 1; k < length; k++) {
    if (tokens[at + k] !== entry.tokens[k] || gaps[at + k] !== entry.gaps[k - 1]) return false;
  }
  return true;
}

function sameEntry(a: Entry, b: Entry): boolean {
  return (
    a.tokens.length === b.tokens.length &&
    a.tokens.every((t, i) => t === b.tokens[i]) &&
    a.gaps.every((g, i) => g === b.gaps[i])
  );
}

function describe(entry: Entry): string {
  return entry.tokens.map((t, i) => (i === 0 ? t : entry.gaps[i - 1] + t)).join('');
}

/** `http://`, `https://` or `www.`, in any case and width. */
export function containsLink(text: string): boolean {
  return /https?:\/\/|www\./.test(fold(text));
}
