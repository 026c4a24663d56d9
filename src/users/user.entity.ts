import { randomUUID } from 'node:crypto';
import {
  Entity,
  EntityRepositoryType,
  Enum,
  type Opt,
  PrimaryKey,
  Property,
} from '@mikro-orm/core';
import { ROLES, type Role } from '../common/auth/principal';
import { UsersRepository } from './users.repository';

@Entity({ tableName: 'users', repository: () => UsersRepository })
export class User {
  [EntityRepositoryType]?: UsersRepository;

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  /** As the user typed it; shown to others. */
  @Property({ type: 'string', length: 32 })
  username: string;

  /** Lower-cased username: makes names unique regardless of case. */
  @Property({ type: 'string', length: 32, unique: true })
  usernameKey: string;

  @Property({ type: 'string', length: 64 })
  displayName: string;

  @Property({ type: 'string', length: 255, hidden: true })
  passwordHash: string;

  @Enum({ items: () => ROLES, type: 'string', length: 16 })
  role: Opt<Role> = 'reader';

  @Property({ type: 'datetime', nullable: true })
  bannedAt: Opt<Date> | null = null;

  /** null with `bannedAt` set: banned until unbanned. */
  @Property({ type: 'datetime', nullable: true })
  bannedUntil: Opt<Date> | null = null;

  @Property({ type: 'text', nullable: true })
  banReason: Opt<string> | null = null;

  @Property({ type: 'datetime' })
  createdAt: Opt<Date> = new Date();

  constructor(username: string, displayName: string, passwordHash: string) {
    this.username = username;
    this.usernameKey = User.keyOf(username);
    this.displayName = displayName;
    this.passwordHash = passwordHash;
  }

  static keyOf(username: string): string {
    return username.toLowerCase();
  }

  isBanned(now = new Date()): boolean {
    return this.bannedAt !== null && (this.bannedUntil === null || this.bannedUntil > now);
  }
}
