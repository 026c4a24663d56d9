import { randomUUID } from 'node:crypto';
import {
  Entity,
  EntityRepositoryType,
  Index,
  ManyToOne,
  type Opt,
  PrimaryKey,
  Property,
  type Ref,
} from '@mikro-orm/core';
import { User } from '../users/user.entity';
import { RefreshTokensRepository } from './refresh-tokens.repository';

/**
 * One refresh token of a rotation chain (`familyId`). Only a SHA-256 of its secret is kept.
 * Using a token marks it used and issues its successor in the same family; presenting a used
 * token again means it was copied, and the whole family is revoked.
 */
@Entity({ tableName: 'refresh_tokens', repository: () => RefreshTokensRepository })
export class RefreshToken {
  [EntityRepositoryType]?: RefreshTokensRepository;

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Index()
  @Property({ type: 'uuid' })
  familyId: string;

  @ManyToOne(() => User, { ref: true, deleteRule: 'cascade' })
  user: Ref<User>;

  @Property({ type: 'string', length: 64 })
  secretHash: string;

  @Property({ type: 'datetime' })
  expiresAt: Date;

  @Property({ type: 'datetime', nullable: true })
  usedAt: Opt<Date> | null = null;

  @Property({ type: 'datetime', nullable: true })
  revokedAt: Opt<Date> | null = null;

  @Property({ type: 'datetime' })
  createdAt: Opt<Date> = new Date();

  constructor(user: Ref<User>, familyId: string, secretHash: string, expiresAt: Date) {
    this.user = user;
    this.familyId = familyId;
    this.secretHash = secretHash;
    this.expiresAt = expiresAt;
  }
}
