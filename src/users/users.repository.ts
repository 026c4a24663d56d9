import { EntityRepository } from '@mikro-orm/postgresql';
import type { Principal } from '../common/auth/principal';
import type { User } from './user.entity';

/** What a publisher's SSO token says about its user. */
export interface SsoProfile {
  siteId: string;
  subject: string;
  displayName: string;
  email: string | null;
  emailVerified: boolean;
}

export class UsersRepository extends EntityRepository<User> {
  /**
   * The site's user `subject`, created with `username` if new, its name and e-mail updated from
   * the token either way: one statement on the (site, subject) unique constraint, so two first
   * sign-ins at once make one user. Throws a unique violation when `username` is taken.
   */
  async upsertSso(profile: SsoProfile, username: string): Promise<string> {
    const rows = await this.getEntityManager()
      .getContext(false)
      .execute<{ id: string }[]>(
        `INSERT INTO users AS u (id, username, username_key, display_name, password_hash, role,
                                 created_at, email, email_verified, sso_site_id, sso_subject)
         VALUES (gen_random_uuid(), ?, ?, ?, NULL, 'reader', now(), ?, ?, ?, ?)
         ON CONFLICT (sso_site_id, sso_subject) DO UPDATE
           SET display_name = excluded.display_name, email = excluded.email,
               email_verified = excluded.email_verified
         RETURNING u.id`,
        [
          username,
          username.toLowerCase(),
          profile.displayName,
          profile.email,
          profile.emailVerified,
          profile.siteId,
          profile.subject,
        ],
      );
    return rows[0]!.id;
  }

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
         FROM users WHERE id = ? AND erased_at IS NULL`,
        [id],
      );
    return rows[0] ?? null;
  }
}
