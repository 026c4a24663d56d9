import { Migration } from '@mikro-orm/migrations';

export class Migration20261203131848 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "stream_epoch" ("id" int not null default 1, "generation" int not null default 1, constraint "stream_epoch_pkey" primary key ("id"));`,
    );
    // the one row, generation 1: see StreamEpochRow
    this.addSql(`insert into "stream_epoch" ("id", "generation") values (1, 1);`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "stream_epoch" cascade;`);
  }
}
