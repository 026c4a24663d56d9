import { Migration } from '@mikro-orm/migrations';

export class Migration20261207141918 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "mail_digests" ("id" uuid not null, "user_id" uuid not null, "kind" varchar(16) not null, "period" varchar(16) null, "created_at" timestamptz not null default clock_timestamp(), "sent_at" timestamptz null, "lease_until" timestamptz null, constraint "mail_digests_pkey" primary key ("id"));`,
    );
    this.addSql(
      `alter table "mail_digests" add constraint "mail_digests_user_id_kind_period_unique" unique ("user_id", "kind", "period");`,
    );

    this.addSql(
      `alter table "mail_digests" add constraint "mail_digests_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade;`,
    );

    this.addSql(
      `alter table "notifications" add column "mail_via" varchar(16) null, add column "mail_digest_id" uuid null;`,
    );
    this.addSql(
      `create index "notifications_mail_digest_id_index" on "notifications" ("mail_digest_id");`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "mail_digests" cascade;`);

    this.addSql(`drop index "notifications_mail_digest_id_index";`);
    this.addSql(
      `alter table "notifications" drop column "mail_via", drop column "mail_digest_id";`,
    );
  }
}
