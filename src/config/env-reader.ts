export type Env = Readonly<Record<string, string | undefined>>;

/** `limit` requests per `ttlMs`. */
export interface RateLimitRule {
  limit: number;
  ttlMs: number;
}

/**
 * Typed reads of one environment, each recording a problem that names its variable (and
 * returning the fallback) instead of throwing, so that loadConfig reports every problem at once.
 */
export class EnvReader {
  constructor(
    private readonly env: Env,
    private readonly problems: string[],
  ) {}

  /** A set, non-blank value; blank counts as unset. */
  string(name: string): string | undefined {
    const value = this.env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  }

  integer(name: string, fallback: number, min: number, max: number): number {
    const raw = this.string(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!/^\d+$/.test(raw) || value < min || value > max) {
      this.problems.push(`${name} must be an integer from ${min} to ${max} (got "${raw}")`);
      return fallback;
    }
    return value;
  }

  boolean(name: string, fallback: boolean): boolean {
    const raw = this.string(name)?.toLowerCase();
    if (raw === undefined) return fallback;
    if (['true', '1', 'yes'].includes(raw)) return true;
    if (['false', '0', 'no'].includes(raw)) return false;
    this.problems.push(`${name} must be true or false (got "${raw}")`);
    return fallback;
  }

  onOff(name: string, fallback: boolean): boolean {
    const raw = this.string(name)?.toLowerCase();
    if (raw === undefined) return fallback;
    if (raw === 'on') return true;
    if (raw === 'off') return false;
    this.problems.push(`${name} must be "on" or "off" (got "${raw}")`);
    return fallback;
  }

  /** `N/<seconds>s`, `N/<minutes>m` or `N/<hours>h`, e.g. `10/1m`. */
  rate(name: string, fallback: RateLimitRule): RateLimitRule {
    const raw = this.string(name);
    if (raw === undefined) return fallback;
    const match = /^(\d{1,6})\/(\d{1,5})([smh])$/.exec(raw);
    const unit = { s: 1000, m: 60_000, h: 3_600_000 };
    if (!match || Number(match[1]) < 1 || Number(match[2]) < 1) {
      this.problems.push(
        `${name} must look like 10/1m (requests per period in s, m or h; got "${raw}")`,
      );
      return fallback;
    }
    return { limit: Number(match[1]), ttlMs: Number(match[2]) * unit[match[3] as 's' | 'm' | 'h'] };
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const raw = this.string(name);
    if (raw === undefined) return fallback;
    if ((allowed as readonly string[]).includes(raw)) return raw as T;
    this.problems.push(`${name} must be one of ${allowed.join(', ')} (got "${raw}")`);
    return fallback;
  }

  url(name: string, protocols: string[]): string | null {
    const raw = this.string(name);
    if (raw === undefined) return null;
    try {
      const url = new URL(raw);
      if (protocols.includes(url.protocol) && url.hostname !== '') return raw;
    } catch {
      // reported below
    }
    this.problems.push(`${name} must be a URL of the form ${protocols[0]}//host:port/...`);
    return null;
  }

  /** A comma-separated list of URLs (at least one), each checked as `url` checks one. */
  urls(name: string, protocols: string[]): string[] | null {
    const raw = this.string(name);
    if (raw === undefined) return null;
    const items = raw
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== '');
    const valid = items.filter((item) => {
      try {
        const url = new URL(item);
        return protocols.includes(url.protocol) && url.hostname !== '';
      } catch {
        return false;
      }
    });
    if (items.length > 0 && valid.length === items.length) return items;
    this.problems.push(
      `${name} must be a comma-separated list of URLs of the form ${protocols[0]}//host:port`,
    );
    return null;
  }

  /** An http(s) origin: scheme, host, optional port, nothing after it (a trailing / is dropped). */
  origin(name: string): string | undefined {
    const raw = this.string(name)?.replace(/\/$/, '');
    if (raw === undefined) return undefined;
    try {
      const url = new URL(raw);
      if ((url.protocol === 'http:' || url.protocol === 'https:') && url.origin === raw) return raw;
    } catch {
      // reported below
    }
    this.problems.push(
      `${name} must be an origin like https://comments.example.com (got "${raw}")`,
    );
    return undefined;
  }

  origins(name: string, fallback: '*' | string[]): '*' | string[] {
    const raw = this.string(name);
    if (raw === undefined) return fallback;
    const items = raw
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== '');
    if (items.includes('*')) return '*';
    const origins: string[] = [];
    for (const item of items) {
      try {
        const url = new URL(item);
        if ((url.protocol === 'http:' || url.protocol === 'https:') && url.origin === item) {
          origins.push(url.origin);
          continue;
        }
      } catch {
        // reported below
      }
      this.problems.push(
        `${name} entries must be origins like https://example.com (got "${item}")`,
      );
    }
    return origins;
  }
}
