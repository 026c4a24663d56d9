import { Entity, type Opt, PrimaryKey, Property } from '@mikro-orm/core';

/**
 * The one row whose `generation` an operator bumps after restoring the database onto the same
 * PostgreSQL cluster (`UPDATE stream_epoch SET generation = generation + 1`): a restore that
 * rewound the comment event log then names a new epoch (see StreamEpoch).
 */
@Entity({ tableName: 'stream_epoch' })
export class StreamEpochRow {
  @PrimaryKey({ type: 'integer', autoincrement: false })
  id: Opt<number> = 1;

  @Property({ type: 'integer', default: 1 })
  generation: Opt<number> = 1;
}
