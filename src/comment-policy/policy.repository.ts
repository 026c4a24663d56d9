import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import type { ModerationSettings } from '../sites/moderation-settings';

/** What posting to an article depends on, read in one query per comment. */
export interface ArticlePolicy {
  commentsClosed: boolean;
  /** Names the settings in force and their version: the key of the compiled matchers. */
  settingsKey: string;
  /** The site whose own settings apply, or null: the defaults apply. */
  settingsSiteId: string | null;
}

/** Settings as read, with the key of their version. */
export interface VersionedSettings {
  key: string;
  settings: ModerationSettings | null;
}

interface PolicyRow {
  comments_closed: boolean;
  site_id: string | null;
  site_version: string | null;
  default_version: number | null;
}

/** The moderation settings in force and the facts a decision needs, in plain SQL. */
@Injectable()
export class PolicyRepository {
  constructor(private readonly em: EntityManager) {}

  /** Null for an unknown article. The settings themselves are not read (see settings()). */
  async articlePolicy(articleId: string): Promise<ArticlePolicy | null> {
    const rows = await this.em.execute<PolicyRow[]>(
      `SELECT a.comments_closed, s.id AS site_id,
              CASE WHEN s.moderation IS NOT NULL THEN s.updated_at::text END AS site_version,
              (SELECT version FROM moderation_defaults WHERE id = 1) AS default_version
         FROM articles a LEFT JOIN sites s ON s.id = a.site_id
        WHERE a.id = ?`,
      [articleId],
    );
    const row = rows[0];
    if (!row) return null;
    const own = row.site_version !== null;
    return {
      commentsClosed: row.comments_closed,
      settingsSiteId: own ? row.site_id : null,
      settingsKey: own
        ? siteKey(row.site_id!, row.site_version!)
        : defaultKey(row.default_version ?? 0),
    };
  }

  /** A site's own settings (null: it follows the defaults) with their version's key. */
  async siteSettings(siteId: string): Promise<VersionedSettings | null> {
    const rows = await this.em.execute<
      { moderation: ModerationSettings | null; version: string }[]
    >('SELECT moderation, updated_at::text AS version FROM sites WHERE id = ?', [siteId]);
    const row = rows[0];
    return row ? { key: siteKey(siteId, row.version), settings: row.moderation } : null;
  }

  /** The default settings (null: never set) with their version's key. */
  async defaultSettings(): Promise<VersionedSettings> {
    const rows = await this.em.execute<{ settings: ModerationSettings; version: number }[]>(
      'SELECT settings, version FROM moderation_defaults WHERE id = 1',
    );
    const row = rows[0];
    return { key: defaultKey(row?.version ?? 0), settings: row?.settings ?? null };
  }

  /** Stores new default settings and moves their version on; the new version. */
  async saveDefaults(settings: ModerationSettings): Promise<number> {
    const rows = await this.em.execute<{ version: number }[]>(
      `INSERT INTO moderation_defaults (id, settings, version) VALUES (1, ?::jsonb, 1)
       ON CONFLICT (id) DO UPDATE SET settings = excluded.settings,
                                      version = moderation_defaults.version + 1
       RETURNING version`,
      [JSON.stringify(settings)],
    );
    return rows[0]!.version;
  }

  /** Whether the user has a visible comment on any article (for `first-comment`). */
  async hasVisibleComment(userId: string): Promise<boolean> {
    const rows = await this.em.execute<unknown[]>(
      "SELECT 1 FROM comments WHERE author_id = ? AND status = 'visible' LIMIT 1",
      [userId],
    );
    return rows.length > 0;
  }
}

function siteKey(siteId: string, version: string): string {
  return `site:${siteId}:${version}`;
}

function defaultKey(version: number): string {
  return `default:${version}`;
}
