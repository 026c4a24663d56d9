import { Migration } from '@mikro-orm/migrations';

export class Migration20261207010526 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "activity_outbox" ("id" bigserial primary key, "source" varchar(16) not null, "comment_id" uuid not null, "before" jsonb null, "after" jsonb not null, "created_at" timestamptz not null default clock_timestamp());`,
    );
    this.addSql(
      `create index "activity_outbox_comment_id_index" on "activity_outbox" ("comment_id");`,
    );

    this.addSql(
      `create table "notifications" ("id" uuid not null, "user_id" uuid not null, "type" varchar(32) not null, "article_id" uuid not null, "comment_id" uuid not null, "created_at" timestamptz not null default clock_timestamp(), "read_at" timestamptz null, constraint "notifications_pkey" primary key ("id"));`,
    );
    this.addSql(`create index "notifications_comment_id_index" on "notifications" ("comment_id");`);
    this.addSql(
      `create index "notifications_unread_index" on "notifications" ("user_id", "created_at", "id") where "read_at" is null;`,
    );
    this.addSql(
      `create index "notifications_user_id_created_at_id_index" on "notifications" ("user_id", "created_at", "id");`,
    );

    this.addSql(
      `create table "webhooks" ("id" uuid not null, "site_id" uuid not null, "url" text not null, "events" text[] not null, "secret" varchar(100) not null, "enabled" boolean not null default true, "disabled_reason" text null, "failing_since" timestamptz null, "created_at" timestamptz not null default clock_timestamp(), constraint "webhooks_pkey" primary key ("id"));`,
    );
    this.addSql(
      `create index "webhooks_site_id_created_at_id_index" on "webhooks" ("site_id", "created_at", "id");`,
    );

    this.addSql(
      `create table "webhook_deliveries" ("id" uuid not null, "webhook_id" uuid not null, "event" varchar(32) not null, "payload" text not null, "status" varchar(16) not null default 'pending', "attempts" int not null default 0, "last_status_code" int null, "last_error" text null, "next_attempt_at" timestamptz null, "created_at" timestamptz not null default clock_timestamp(), constraint "webhook_deliveries_pkey" primary key ("id"));`,
    );
    this.addSql(
      `create index "webhook_deliveries_webhook_id_created_at_id_index" on "webhook_deliveries" ("webhook_id", "created_at", "id");`,
    );

    this.addSql(
      `alter table "notifications" add constraint "notifications_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade;`,
    );
    this.addSql(
      `alter table "notifications" add constraint "notifications_article_id_foreign" foreign key ("article_id") references "articles" ("id") on update cascade on delete cascade;`,
    );
    this.addSql(
      `alter table "notifications" add constraint "notifications_comment_id_foreign" foreign key ("comment_id") references "comments" ("id") on update cascade on delete cascade;`,
    );

    this.addSql(
      `alter table "webhooks" add constraint "webhooks_site_id_foreign" foreign key ("site_id") references "sites" ("id") on update cascade on delete cascade;`,
    );

    this.addSql(
      `alter table "webhook_deliveries" add constraint "webhook_deliveries_webhook_id_foreign" foreign key ("webhook_id") references "webhooks" ("id") on update cascade on delete cascade;`,
    );

    // The outbox is written by triggers, in the transaction of the change itself: every path that
    // changes a comment (posting, editing, moderation, pre-moderation, erasure) records it without
    // knowing about notifications or webhooks. `featured` is read through to_jsonb so the
    // trigger works before and after that column exists. Updates that change none of status,
    // featured and body (reply counters) record nothing.
    this.addSql(`create function "activity_outbox_comment"() returns trigger language plpgsql as $$
      declare
        now_state jsonb := jsonb_build_object('status', NEW.status, 'featured', coalesce((to_jsonb(NEW)->>'featured')::boolean, false));
        old_state jsonb;
      begin
        if TG_OP = 'INSERT' then
          insert into "activity_outbox" ("source", "comment_id", "after") values ('comment', NEW.id, now_state);
          return null;
        end if;
        old_state := jsonb_build_object('status', OLD.status, 'featured', coalesce((to_jsonb(OLD)->>'featured')::boolean, false));
        if old_state is distinct from now_state or OLD.body is distinct from NEW.body then
          insert into "activity_outbox" ("source", "comment_id", "before", "after")
            values ('comment', NEW.id, old_state, now_state || jsonb_build_object('edited', OLD.body is distinct from NEW.body));
        end if;
        return null;
      end $$;`);
    this.addSql(
      `create trigger "comments_activity_outbox" after insert or update on "comments" for each row execute function "activity_outbox_comment"();`,
    );
    this.addSql(`create function "activity_outbox_report"() returns trigger language plpgsql as $$
      begin
        insert into "activity_outbox" ("source", "comment_id", "after") values ('report', NEW.comment_id, jsonb_build_object('reportId', NEW.id));
        return null;
      end $$;`);
    this.addSql(
      `create trigger "comment_reports_activity_outbox" after insert on "comment_reports" for each row execute function "activity_outbox_report"();`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop trigger if exists "comments_activity_outbox" on "comments";`);
    this.addSql(`drop trigger if exists "comment_reports_activity_outbox" on "comment_reports";`);
    this.addSql(`drop function if exists "activity_outbox_comment"();`);
    this.addSql(`drop function if exists "activity_outbox_report"();`);
    this.addSql(
      `alter table "webhook_deliveries" drop constraint "webhook_deliveries_webhook_id_foreign";`,
    );

    this.addSql(`drop table if exists "activity_outbox" cascade;`);

    this.addSql(`drop table if exists "notifications" cascade;`);

    this.addSql(`drop table if exists "webhooks" cascade;`);

    this.addSql(`drop table if exists "webhook_deliveries" cascade;`);
  }
}
