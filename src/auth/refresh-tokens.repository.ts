import { EntityRepository, LockMode } from '@mikro-orm/postgresql';
import type { RefreshToken } from './refresh-token.entity';

export class RefreshTokensRepository extends EntityRepository<RefreshToken> {
  /** Locks the row: two refreshes of one token are decided one after the other. */
  findForUpdate(id: string): Promise<RefreshToken | null> {
    return this.findOne({ id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
  }

  async revokeFamily(familyId: string, now = new Date()): Promise<void> {
    await this.nativeUpdate({ familyId, revokedAt: null }, { revokedAt: now });
  }
}
