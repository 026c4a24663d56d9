import { Migration } from '@mikro-orm/migrations';

export class Migration20261128181904 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create index "comments_top_level_top_index" on "comments" ("article_id", "reply_count", "created_at", "id") where "parent_id" is null;`,
    );
    this.addSql(
      `create index "comments_top_level_newest_index" on "comments" ("article_id", "created_at", "id") where "parent_id" is null;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop index "comments_top_level_top_index";`);
    this.addSql(`drop index "comments_top_level_newest_index";`);
  }
}
