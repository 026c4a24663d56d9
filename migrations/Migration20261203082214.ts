import { Migration } from '@mikro-orm/migrations';

export class Migration20261203082214 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "sites" ("id" uuid not null, "name" varchar(100) not null, "origins" text[] not null, "auto_create_articles" boolean not null default false, "sso_jwks_url" text null, "moderation" jsonb null, "sso_secret" varchar(100) not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, constraint "sites_pkey" primary key ("id"));`,
    );

    this.addSql(
      `create table "site_api_keys" ("id" uuid not null, "site_id" uuid not null, "name" varchar(100) not null, "secret_hash" varchar(64) not null, "created_at" timestamptz not null, "last_used_at" timestamptz null, "revoked_at" timestamptz null, constraint "site_api_keys_pkey" primary key ("id"));`,
    );
    this.addSql(
      `create index "site_api_keys_site_id_created_at_index" on "site_api_keys" ("site_id", "created_at");`,
    );

    this.addSql(
      `alter table "site_api_keys" add constraint "site_api_keys_site_id_foreign" foreign key ("site_id") references "sites" ("id") on update cascade on delete cascade;`,
    );

    this.addSql(
      `alter table "articles" add column "site_id" uuid null, add column "external_id" varchar(128) null, add column "url" text null, add column "comments_closed" boolean not null default false;`,
    );
    this.addSql(
      `alter table "articles" add constraint "articles_site_id_foreign" foreign key ("site_id") references "sites" ("id") on update cascade on delete set null;`,
    );
    this.addSql(
      `alter table "articles" add constraint "articles_site_id_external_id_unique" unique ("site_id", "external_id");`,
    );

    this.addSql(
      `alter table "users" add column "email" varchar(254) null, add column "email_verified" boolean not null default false, add column "sso_site_id" uuid null, add column "sso_subject" varchar(255) null;`,
    );
    this.addSql(
      `alter table "users" alter column "password_hash" type varchar(255) using ("password_hash"::varchar(255));`,
    );
    this.addSql(`alter table "users" alter column "password_hash" drop not null;`);
    this.addSql(
      `alter table "users" add constraint "users_sso_site_id_foreign" foreign key ("sso_site_id") references "sites" ("id") on update cascade on delete set null;`,
    );
    this.addSql(
      `alter table "users" add constraint "users_sso_site_id_sso_subject_unique" unique ("sso_site_id", "sso_subject");`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "articles" drop constraint "articles_site_id_foreign";`);

    this.addSql(`alter table "site_api_keys" drop constraint "site_api_keys_site_id_foreign";`);

    this.addSql(`alter table "users" drop constraint "users_sso_site_id_foreign";`);

    this.addSql(`drop table if exists "sites" cascade;`);

    this.addSql(`drop table if exists "site_api_keys" cascade;`);

    this.addSql(`alter table "articles" drop constraint "articles_site_id_external_id_unique";`);
    this.addSql(
      `alter table "articles" drop column "site_id", drop column "external_id", drop column "url", drop column "comments_closed";`,
    );

    this.addSql(`alter table "users" drop constraint "users_sso_site_id_sso_subject_unique";`);
    this.addSql(
      `alter table "users" drop column "email", drop column "email_verified", drop column "sso_site_id", drop column "sso_subject";`,
    );

    this.addSql(
      `alter table "users" alter column "password_hash" type varchar(255) using ("password_hash"::varchar(255));`,
    );
    this.addSql(`alter table "users" alter column "password_hash" set not null;`);
  }
}
