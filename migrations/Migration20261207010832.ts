import { Migration } from '@mikro-orm/migrations';

export class Migration20261207010832 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "moderation_defaults" ("id" int not null default 1, "settings" jsonb not null, "version" int not null default 1, constraint "moderation_defaults_pkey" primary key ("id"));`,
    );

    this.addSql(
      `create table "comment_votes" ("comment_id" uuid not null, "user_id" uuid not null, "value" text check ("value" in ('up', 'down')) not null, "created_at" timestamptz not null default clock_timestamp(), constraint "comment_votes_pkey" primary key ("comment_id", "user_id"));`,
    );

    this.addSql(
      `create table "comment_revisions" ("id" uuid not null, "comment_id" uuid not null, "body" text not null, "since" timestamptz not null, constraint "comment_revisions_pkey" primary key ("id"));`,
    );
    this.addSql(
      `create index "comment_revisions_comment_id_since_index" on "comment_revisions" ("comment_id", "since");`,
    );

    this.addSql(
      `alter table "comment_votes" add constraint "comment_votes_comment_id_foreign" foreign key ("comment_id") references "comments" ("id") on update cascade on delete cascade;`,
    );
    this.addSql(
      `alter table "comment_votes" add constraint "comment_votes_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade;`,
    );

    this.addSql(
      `alter table "comment_revisions" add constraint "comment_revisions_comment_id_foreign" foreign key ("comment_id") references "comments" ("id") on update cascade on delete cascade;`,
    );

    this.addSql(
      `alter table "moderation_log" drop constraint if exists "moderation_log_action_check";`,
    );

    this.addSql(
      `alter table "comment_events" drop constraint if exists "comment_events_status_check";`,
    );

    this.addSql(`alter table "comments" drop constraint if exists "comments_status_check";`);

    this.addSql(
      `alter table "moderation_log" add constraint "moderation_log_action_check" check("action" in ('comment.remove', 'comment.restore', 'comment.approve', 'comment.reject', 'comment.feature', 'comment.unfeature', 'user.ban', 'user.unban', 'user.role'));`,
    );

    this.addSql(
      `alter table "comment_events" add constraint "comment_events_status_check" check("status" in ('visible', 'removed', 'deleted', 'pending', 'rejected'));`,
    );

    this.addSql(`drop index "comments_author_id_index";`);
    this.addSql(`drop index "comments_top_level_top_index";`);

    this.addSql(
      `alter table "comments" add column "featured" boolean not null default false, add column "score_up" int not null default 0, add column "score_down" int not null default 0, add column "score_version" int not null default 0;`,
    );
    this.addSql(
      `alter table "comments" add constraint "comments_status_check" check("status" in ('visible', 'removed', 'deleted', 'pending', 'rejected'));`,
    );
    this.addSql(
      `create index "comments_author_id_created_at_id_index" on "comments" ("author_id", "created_at", "id");`,
    );
    this.addSql(
      `create index "comments_pending_index" on "comments" ("created_at", "id") where "status" = 'pending';`,
    );
    this.addSql(
      `create index "comments_replies_score_index" on "comments" ("article_id", "parent_id", (score_up - score_down), "created_at", "id");`,
    );
    this.addSql(
      `create index "comments_top_level_score_index" on "comments" ("article_id", (score_up - score_down), "created_at", "id") where "parent_id" is null;`,
    );
    this.addSql(
      `alter table "comments" add constraint comments_score_check check(score_up >= 0 and score_down >= 0);`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "moderation_defaults" cascade;`);

    this.addSql(`drop table if exists "comment_votes" cascade;`);

    this.addSql(`drop table if exists "comment_revisions" cascade;`);

    this.addSql(
      `alter table "comment_events" drop constraint if exists "comment_events_status_check";`,
    );

    this.addSql(`alter table "comments" drop constraint if exists "comments_status_check";`);

    this.addSql(
      `alter table "moderation_log" drop constraint if exists "moderation_log_action_check";`,
    );

    this.addSql(
      `alter table "comment_events" add constraint "comment_events_status_check" check("status" in ('visible', 'removed', 'deleted'));`,
    );

    this.addSql(`drop index "comments_author_id_created_at_id_index";`);
    this.addSql(`drop index "comments_pending_index";`);
    this.addSql(`drop index "comments_replies_score_index";`);
    this.addSql(`drop index "comments_top_level_score_index";`);
    this.addSql(`alter table "comments" drop constraint comments_score_check;`);
    this.addSql(
      `alter table "comments" drop column "featured", drop column "score_up", drop column "score_down", drop column "score_version";`,
    );

    this.addSql(
      `alter table "comments" add constraint "comments_status_check" check("status" in ('visible', 'removed', 'deleted'));`,
    );
    this.addSql(`create index "comments_author_id_index" on "comments" ("author_id");`);
    this.addSql(
      `CREATE INDEX comments_top_level_top_index ON public.comments USING btree (article_id, reply_count, created_at, id) WHERE (parent_id IS NULL);`,
    );

    this.addSql(
      `alter table "moderation_log" add constraint "moderation_log_action_check" check("action" in ('comment.remove', 'comment.restore', 'user.ban', 'user.unban', 'user.role'));`,
    );
  }
}
