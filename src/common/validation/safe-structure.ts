/** Deeper than this, a body is refused before class-transformer recurses into it. */
export const MAX_DEPTH = 32;

/** Keys that would reach an object's prototype (class-transformer copies keys as they come). */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Why a parsed JSON value (body, query or socket payload) must be refused, or null: nesting
 * deeper than MAX_DEPTH (recursion would overflow the stack: a 500) or a prototype key
 * (which class-transformer would silently drop or follow instead of reporting as unknown).
 * Iterative, so the check itself cannot overflow.
 */
export function unsafeStructure(root: unknown): string | null {
  const stack: [unknown, number, string][] = [[root, 0, '']];
  while (stack.length > 0) {
    const [value, depth, path] = stack.pop()!;
    if (typeof value !== 'object' || value === null) continue;
    if (depth >= MAX_DEPTH) return `value is nested deeper than ${MAX_DEPTH} levels`;
    for (const key of Object.keys(value)) {
      if (FORBIDDEN_KEYS.has(key)) return `property ${path}${key} should not exist`;
      stack.push([(value as Record<string, unknown>)[key], depth + 1, `${path}${key}.`]);
    }
  }
  return null;
}
