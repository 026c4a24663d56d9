import { Migration } from '@mikro-orm/migrations';

export class Migration20261128043113 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "articles" ("id" uuid not null, "slug" varchar(120) not null, "category" varchar(64) not null, "title" varchar(300) not null, "body" text not null, "key_takeaways" text[] not null, "interesting_up" int not null default 0, "interesting_down" int not null default 0, "support_up" int not null default 0, "support_down" int not null default 0, "comment_count" int not null default 0, "published_at" timestamptz not null, "updated_at" timestamptz not null, constraint "articles_pkey" primary key ("id"));`,
    );
    this.addSql(`alter table "articles" add constraint "articles_slug_unique" unique ("slug");`);
    this.addSql(
      `create index "articles_published_at_id_index" on "articles" ("published_at", "id");`,
    );

    this.addSql(
      `create table "article_follow_ups" ("id" uuid not null, "article_id" uuid not null, "position" smallint not null, "question" text not null, "answer" text not null, constraint "article_follow_ups_pkey" primary key ("id"));`,
    );
    this.addSql(
      `create index "article_follow_ups_article_id_position_index" on "article_follow_ups" ("article_id", "position");`,
    );

    this.addSql(
      `create table "moderation_log" ("id" uuid not null, "action" text check ("action" in ('comment.remove', 'comment.restore', 'user.ban', 'user.unban', 'user.role')) not null, "moderator_id" uuid not null, "target_type" varchar(16) not null, "target_id" uuid not null, "reason" text null, "created_at" timestamptz not null, constraint "moderation_log_pkey" primary key ("id"));`,
    );
    this.addSql(
      `create index "moderation_log_created_at_id_index" on "moderation_log" ("created_at", "id");`,
    );

    this.addSql(
      `create table "users" ("id" uuid not null, "username" varchar(32) not null, "username_key" varchar(32) not null, "display_name" varchar(64) not null, "password_hash" varchar(255) not null, "role" text check ("role" in ('reader', 'moderator', 'admin')) not null, "banned_at" timestamptz null, "banned_until" timestamptz null, "ban_reason" text null, "created_at" timestamptz not null, constraint "users_pkey" primary key ("id"));`,
    );
    this.addSql(
      `alter table "users" add constraint "users_username_key_unique" unique ("username_key");`,
    );

    this.addSql(
      `create table "refresh_tokens" ("id" uuid not null, "family_id" uuid not null, "user_id" uuid not null, "secret_hash" varchar(64) not null, "expires_at" timestamptz not null, "used_at" timestamptz null, "revoked_at" timestamptz null, "created_at" timestamptz not null, constraint "refresh_tokens_pkey" primary key ("id"));`,
    );
    this.addSql(`create index "refresh_tokens_family_id_index" on "refresh_tokens" ("family_id");`);

    this.addSql(
      `alter table "article_follow_ups" add constraint "article_follow_ups_article_id_foreign" foreign key ("article_id") references "articles" ("id") on update cascade on delete cascade;`,
    );

    this.addSql(
      `alter table "refresh_tokens" add constraint "refresh_tokens_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade;`,
    );
  }
}
