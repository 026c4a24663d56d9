import { Entity, type Opt, PrimaryKey, Property } from '@mikro-orm/core';
import type { ModerationSettings } from '../sites/moderation-settings';

/**
 * The one row (id 1) of the default moderation settings: for articles without a site and for
 * sites without settings of their own. No row: DEFAULT_MODERATION. `version` grows with each
 * change, so every instance knows when its compiled word lists are stale.
 */
@Entity({ tableName: 'moderation_defaults' })
export class ModerationDefaults {
  @PrimaryKey({ type: 'integer', autoincrement: false })
  id: Opt<number> = 1;

  @Property({ type: 'json' })
  settings: ModerationSettings;

  @Property({ type: 'integer', default: 1 })
  version: Opt<number> = 1;

  constructor(settings: ModerationSettings) {
    this.settings = settings;
  }
}
