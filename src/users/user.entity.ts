import { randomUUID } from 'node:crypto';
import {
  Entity,
  EntityRepositoryType,
  Enum,
  ManyToOne,
  type Opt,
  PrimaryKey,
  Property,
  type Ref,
  Unique,
} from '@mikro-orm/core';
import { ROLES, type Role } from '../common/auth/principal';
import { Site } from '../sites/site.entity';
import { UsersRepository } from './users.repository';

@Entity({ tableName: 'users', repository: () => UsersRepository })
// a publisher's user is one Townhall user, however many times they sign in at once
@Unique({ properties: ['ssoSite', 'ssoSubject'] })
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

  /** null for users of a publisher's single sign-on: they have no Townhall password. */
  @Property({ type: 'string', length: 255, hidden: true, nullable: true })
  passwordHash: string | null;

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

  @Property({ type: 'string', length: 254, nullable: true })
  email: Opt<string> | null = null;

  @Property({ type: 'boolean', default: false })
  emailVerified: Opt<boolean> = false;

  /** For single sign-on users: the site that vouches for them, and its id of the user. */
  @ManyToOne(() => Site, { ref: true, nullable: true, deleteRule: 'set null' })
  ssoSite: Opt<Ref<Site>> | null = null;

  @Property({ type: 'string', length: 255, nullable: true })
  ssoSubject: Opt<string> | null = null;

  /** `off`, `immediate` or `daily`: which notifications also come by mail (verified addresses only). */
  @Property({ type: 'string', length: 16, default: 'off' })
  emailNotifications: Opt<string> = 'off';

  /** Set when the user erased the account: no token of it works, its username stays taken. */
  @Property({ type: 'datetime', nullable: true })
  erasedAt: Opt<Date> | null = null;

  constructor(username: string, displayName: string, passwordHash: string | null) {
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
