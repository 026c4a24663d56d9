import { EntityManager, LockMode, UniqueConstraintViolationException } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import type { Principal, Role } from '../common/auth/principal';
import { ConflictError, ForbiddenError, NotFoundError } from '../common/errors/domain-error';
import { DomainEventBus } from '../common/events/domain-event-bus';
import { PasswordHasher } from './password-hasher';
import { User } from './user.entity';
import './user.events';
import { type SsoProfile, UsersRepository } from './users.repository';
import { ssoUsername } from './sso-username';

export interface NewUser {
  username: string;
  password: string;
  displayName?: string;
  role?: Role;
}

@Injectable()
export class UsersService {
  constructor(
    private readonly users: UsersRepository,
    private readonly passwords: PasswordHasher,
    private readonly em: EntityManager,
    private readonly events: DomainEventBus,
    private readonly audit: AuditService,
  ) {}

  async create(input: NewUser): Promise<User> {
    const hash = await this.passwords.hash(input.password);
    const user = new User(input.username, input.displayName ?? input.username, hash);
    if (input.role) user.role = input.role;
    try {
      await this.em.persistAndFlush(user);
    } catch (error) {
      if (error instanceof UniqueConstraintViolationException) {
        throw new ConflictError('username is already taken');
      }
      throw error;
    }
    return user;
  }

  /** The user with these credentials, or null; as slow for unknown users as for known ones. */
  async authenticate(username: string, password: string): Promise<User | null> {
    const user = await this.users.findByUsername(username);
    const valid = await this.passwords.verify(password, user?.passwordHash ?? undefined);
    return valid ? user : null;
  }

  /**
   * The Townhall user of a publisher's user (found or created by site and subject), with
   * the display name and e-mail of the token. A generated username that is taken is retried.
   */
  async signInSso(profile: SsoProfile): Promise<User> {
    for (let attempt = 0; ; attempt++) {
      try {
        const id = await this.users.upsertSso(profile, ssoUsername(profile.displayName));
        const user = await this.users.findOne({ id }, { refresh: true });
        return user!;
      } catch (error) {
        if (!(error instanceof UniqueConstraintViolationException) || attempt >= 4) throw error;
      }
    }
  }

  findById(id: string): Promise<User | null> {
    return this.users.findById(id);
  }

  findPrincipal(id: string): Promise<Principal | null> {
    return this.users.findPrincipal(id);
  }

  findByUsername(username: string): Promise<User | null> {
    return this.users.findByUsername(username);
  }

  async changeRole(actor: Principal, id: string, role: Role): Promise<User> {
    return this.changed(
      await this.em.transactional(async (em) => {
        const user = await this.lockTarget(em, id);
        // compared after loading: the path may spell the same UUID in upper case
        if (user.id === actor.id) throw new ForbiddenError('you cannot change your own role');
        if (user.role !== role) {
          const from = user.role;
          user.role = role;
          this.audit.record('user.role', actor.id, { type: 'user', id }, `${from} -> ${role}`);
        }
        return user;
      }),
    );
  }

  async ban(actor: Principal, id: string, reason: string, until: Date | null): Promise<User> {
    return this.changed(
      await this.em.transactional(async (em) => {
        const user = await this.lockTarget(em, id);
        this.assertMayModerate(actor, user);
        user.bannedAt = new Date();
        user.bannedUntil = until;
        user.banReason = reason;
        this.audit.record(
          'user.ban',
          actor.id,
          { type: 'user', id },
          until ? `${reason} (until ${until.toISOString()})` : reason,
        );
        return user;
      }),
    );
  }

  async unban(actor: Principal, id: string): Promise<User> {
    return this.changed(
      await this.em.transactional(async (em) => {
        const user = await this.lockTarget(em, id);
        this.assertMayModerate(actor, user);
        user.bannedAt = null;
        user.bannedUntil = null;
        user.banReason = null;
        this.audit.record('user.unban', actor.id, { type: 'user', id });
        return user;
      }),
    );
  }

  /** After COMMIT: live sessions of this user pick up the new role or ban. */
  private changed(user: User): User {
    this.events.publish('user.changed', {
      userId: user.id,
      role: user.role,
      banned: user.isBanned(),
    });
    return user;
  }

  /** Row lock: concurrent moderation of one user is applied (and logged) one at a time. */
  private async lockTarget(em: EntityManager, id: string): Promise<User> {
    const user = await em.findOne(User, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
    if (!user) throw new NotFoundError('user');
    return user;
  }

  /** Moderators act on readers; admins on anyone but themselves. */
  private assertMayModerate(actor: Principal, target: User): void {
    if (actor.id === target.id) throw new ForbiddenError('you cannot ban or unban yourself');
    if (actor.role !== 'admin' && target.role !== 'reader') {
      throw new ForbiddenError('only admins can ban moderators and admins');
    }
  }
}
