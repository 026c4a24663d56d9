import { EntityRepository } from '@mikro-orm/postgresql';
import type { User } from './user.entity';

export class UsersRepository extends EntityRepository<User> {
  findByUsername(username: string): Promise<User | null> {
    return this.findOne({ usernameKey: username.toLowerCase() });
  }

  findById(id: string): Promise<User | null> {
    return this.findOne({ id });
  }
}
