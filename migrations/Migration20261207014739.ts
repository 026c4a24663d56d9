import { Migration } from '@mikro-orm/migrations';

export class Migration20261207014739 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `alter table "users" add column "email_notifications" varchar(16) not null default 'off';`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "users" drop column "email_notifications";`);
  }
}
