import { Migration } from '@mikro-orm/migrations';

export class Migration20261128043956 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "comment_events" ("article_id" uuid not null, "seq" int not null, "type" text check ("type" in ('comment.created', 'comment.updated', 'comment.removed')) not null, "comment_id" uuid not null, "status" text check ("status" in ('visible', 'removed', 'deleted')) null, "created_at" timestamptz not null default clock_timestamp(), constraint "comment_events_pkey" primary key ("article_id", "seq"));`,
    );

    this.addSql(
      `create table "comments" ("id" uuid not null, "article_id" uuid not null, "parent_id" uuid null, "author_id" uuid not null, "body" text not null, "status" text check ("status" in ('visible', 'removed', 'deleted')) not null default 'visible', "reply_count" int not null default 0, "created_at" timestamptz not null default clock_timestamp(), "edited_at" timestamptz null, "removed_reason" text null, constraint "comments_pkey" primary key ("id"), constraint comments_reply_count_check check (reply_count >= 0));`,
    );
    this.addSql(`create index "comments_author_id_index" on "comments" ("author_id");`);
    this.addSql(
      `create index "comments_article_id_parent_id_reply_count_created_at_id_index" on "comments" ("article_id", "parent_id", "reply_count", "created_at", "id");`,
    );
    this.addSql(
      `create index "comments_article_id_parent_id_created_at_id_index" on "comments" ("article_id", "parent_id", "created_at", "id");`,
    );

    this.addSql(
      `create table "comment_reports" ("id" uuid not null, "comment_id" uuid not null, "reporter_id" uuid not null, "reason" text not null, "resolved_at" timestamptz null, "created_at" timestamptz not null default clock_timestamp(), constraint "comment_reports_pkey" primary key ("id"));`,
    );
    this.addSql(
      `create index "comment_reports_reporter_id_index" on "comment_reports" ("reporter_id");`,
    );
    this.addSql(
      `alter table "comment_reports" add constraint "comment_reports_comment_id_reporter_id_unique" unique ("comment_id", "reporter_id");`,
    );

    this.addSql(
      `create table "votes" ("article_id" uuid not null, "dimension" varchar(16) not null, "user_id" uuid not null, "value" text check ("value" in ('up', 'down')) not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, constraint "votes_pkey" primary key ("article_id", "dimension", "user_id"));`,
    );
    this.addSql(`create index "votes_user_id_index" on "votes" ("user_id");`);

    this.addSql(
      `alter table "comment_events" add constraint "comment_events_article_id_foreign" foreign key ("article_id") references "articles" ("id") on update cascade on delete cascade;`,
    );

    this.addSql(
      `alter table "comments" add constraint "comments_article_id_foreign" foreign key ("article_id") references "articles" ("id") on update cascade on delete cascade;`,
    );
    this.addSql(
      `alter table "comments" add constraint "comments_parent_id_foreign" foreign key ("parent_id") references "comments" ("id") on update cascade on delete cascade;`,
    );
    this.addSql(
      `alter table "comments" add constraint "comments_author_id_foreign" foreign key ("author_id") references "users" ("id") on update cascade on delete cascade;`,
    );

    this.addSql(
      `alter table "comment_reports" add constraint "comment_reports_comment_id_foreign" foreign key ("comment_id") references "comments" ("id") on update cascade on delete cascade;`,
    );
    this.addSql(
      `alter table "comment_reports" add constraint "comment_reports_reporter_id_foreign" foreign key ("reporter_id") references "users" ("id") on update cascade on delete cascade;`,
    );

    this.addSql(
      `alter table "votes" add constraint "votes_article_id_foreign" foreign key ("article_id") references "articles" ("id") on update cascade on delete cascade;`,
    );
    this.addSql(
      `alter table "votes" add constraint "votes_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade;`,
    );

    this.addSql(
      `alter table "articles" add column "tallies_version" int not null default 0, add column "comment_seq" int not null default 0;`,
    );
    this.addSql(
      `alter table "articles" add constraint articles_counters_check check(interesting_up >= 0 and interesting_down >= 0 and support_up >= 0 and support_down >= 0 and comment_count >= 0);`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "comments" drop constraint "comments_parent_id_foreign";`);

    this.addSql(
      `alter table "comment_reports" drop constraint "comment_reports_comment_id_foreign";`,
    );

    this.addSql(`drop table if exists "comment_events" cascade;`);

    this.addSql(`drop table if exists "comments" cascade;`);

    this.addSql(`drop table if exists "comment_reports" cascade;`);

    this.addSql(`drop table if exists "votes" cascade;`);

    this.addSql(`alter table "articles" drop constraint articles_counters_check;`);
    this.addSql(`alter table "articles" drop column "tallies_version", drop column "comment_seq";`);
  }
}
