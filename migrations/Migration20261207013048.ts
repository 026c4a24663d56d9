import { Migration } from '@mikro-orm/migrations';

export class Migration20261207013048 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "users" add column "erased_at" timestamptz null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "users" drop column "erased_at";`);
  }
}
