import { Injectable } from '@nestjs/common';
import { DEFAULT_MODERATION, type ModerationSettings } from '../sites/moderation-settings';
import { type ArticlePolicy, PolicyRepository } from './policy.repository';
import { WordMatcher } from './word-matcher';

/** Settings with their word lists compiled once. */
export interface CompiledSettings {
  settings: ModerationSettings;
  banned: WordMatcher;
  suspect: WordMatcher;
}

/** How many versions of settings stay compiled (sites, the default, and recent changes). */
const CACHE_SIZE = 256;

/**
 * The moderation settings in force for an article: its site's, else the defaults, else
 * DEFAULT_MODERATION. Each version is compiled once and cached by its key (site and update
 * time, or the defaults' version), so a post reads one small row and never re-parses a list;
 * a change anywhere shows at once on every instance, since the key is read with each post.
 */
@Injectable()
export class ModerationSettingsService {
  private readonly compiled = new Map<string, CompiledSettings>();

  constructor(private readonly policies: PolicyRepository) {}

  articlePolicy(articleId: string): Promise<ArticlePolicy | null> {
    return this.policies.articlePolicy(articleId);
  }

  async defaults(): Promise<ModerationSettings> {
    return (await this.policies.defaultSettings()).settings ?? DEFAULT_MODERATION;
  }

  async setDefaults(settings: ModerationSettings): Promise<ModerationSettings> {
    const stored = copyOf(settings);
    await this.policies.saveDefaults(stored);
    return stored;
  }

  /** The compiled settings of the article's policy. */
  async settingsOf(policy: ArticlePolicy): Promise<CompiledSettings> {
    const cached = this.compiled.get(policy.settingsKey);
    if (cached) return cached;
    let read = policy.settingsSiteId
      ? await this.policies.siteSettings(policy.settingsSiteId)
      : null;
    // the site dropped its own settings since: the defaults apply
    if (!read?.settings) read = await this.policies.defaultSettings();
    const compiled = compile(read.settings ?? DEFAULT_MODERATION);
    this.remember(read.key, compiled);
    if (read.key !== policy.settingsKey) this.remember(policy.settingsKey, compiled);
    return compiled;
  }

  private remember(key: string, compiled: CompiledSettings): void {
    this.compiled.delete(key);
    this.compiled.set(key, compiled);
    if (this.compiled.size > CACHE_SIZE) {
      this.compiled.delete(this.compiled.keys().next().value!);
    }
  }
}

function compile(settings: ModerationSettings): CompiledSettings {
  return {
    settings,
    banned: new WordMatcher(settings.bannedWords),
    suspect: new WordMatcher(settings.suspectWords),
  };
}

function copyOf(settings: ModerationSettings): ModerationSettings {
  return {
    mode: settings.mode,
    bannedWords: [...settings.bannedWords],
    suspectWords: [...settings.suspectWords],
    editWindowSeconds: settings.editWindowSeconds,
    holdLinks: settings.holdLinks,
  };
}
