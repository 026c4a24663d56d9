import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';

export interface MailSettings {
  email: string | null;
  emailVerified: boolean;
  emailNotifications: string;
}

type Row = Record<string, unknown>;

/** Users' mail settings and the reads of the mail jobs. */
@Injectable()
export class MailRepository {
  constructor(private readonly em: EntityManager) {}

  async settings(userId: string): Promise<MailSettings | null> {
    const rows = await this.em.execute<Row[]>(
      `SELECT email, email_verified, email_notifications FROM users
        WHERE id = ? AND erased_at IS NULL`,
      [userId],
    );
    const row = rows[0];
    return row
      ? {
          email: (row.email as string | null) ?? null,
          emailVerified: row.email_verified as boolean,
          emailNotifications: row.email_notifications as string,
        }
      : null;
  }

  async setNotifications(userId: string, value: string): Promise<void> {
    await this.em.execute('UPDATE users SET email_notifications = ? WHERE id = ?', [value, userId]);
  }

  /** A new address, unverified until its link is followed. */
  async setEmail(userId: string, email: string): Promise<void> {
    await this.em.execute('UPDATE users SET email = ?, email_verified = false WHERE id = ?', [
      email,
      userId,
    ]);
  }

  /** Verifies the address only while it is still the user's (a later change voids the link). */
  async verify(userId: string, email: string): Promise<boolean> {
    const rows = await this.em.execute<Row[]>(
      `UPDATE users SET email_verified = true
        WHERE id = ? AND email = ? AND erased_at IS NULL RETURNING id`,
      [userId, email],
    );
    return rows.length > 0;
  }

  /** Of these users, those whose verified address gets each notification at once. */
  async immediateRecipients(userIds: string[]): Promise<Set<string>> {
    if (userIds.length === 0) return new Set();
    const rows = await this.em.execute<{ id: string }[]>(
      `SELECT id FROM users WHERE id IN (SELECT jsonb_array_elements_text(?::jsonb)::uuid)
          AND email IS NOT NULL AND email_verified AND email_notifications = 'immediate'
          AND erased_at IS NULL`,
      [JSON.stringify(userIds)],
    );
    return new Set(rows.map((row) => row.id));
  }
}
