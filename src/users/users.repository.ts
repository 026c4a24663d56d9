import { EntityRepository } from '@mikro-orm/postgresql';
import type { Principal } from '../common/auth/principal';
import type { User } from './user.entity';

export class UsersRepository extends EntityRepository<User> {
  findByUsername(username: string): Promise<User | null> {
    return this.findOne({ usernameKey: username.toLowerCase() });
  }

  findById(id: string): Promise<User | null> {
    return this.findOne({ id });
  }

  /**
   * The caller as guards see it, read on every authenticated request: one plain statement,
   * no entity hydrated (what `User.isBanned()` says, on the database's clock).
   */
  async findPrincipal(id: string): Promise<Principal | null> {
    // the request's own context: the repository's EntityManager may be another app's where
    // several run in one process (tests), and `execute` uses its EntityManager's connection
    const rows = await this.getEntityManager()
      .getContext(false)
      .execute<Principal[]>(
        `SELECT id, username, role,
              banned_at IS NOT NULL AND (banned_until IS NULL OR banned_until > now()) AS banned
         FROM users WHERE id = ?`,
        [id],
      );
    return rows[0] ?? null;
  }
}
