import { MikroORM, RequestContext } from '@mikro-orm/postgresql';
import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { ConflictError } from '../common/errors/domain-error';
import { UsersService } from './users.service';

/** Creates the ADMIN_USERNAME account on start when no user of that name exists. */
@Injectable()
export class AdminBootstrap implements OnApplicationBootstrap {
  private readonly logger = new Logger(AdminBootstrap.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly users: UsersService,
    private readonly orm: MikroORM,
  ) {}

  onApplicationBootstrap(): Promise<void> {
    return RequestContext.create(this.orm.em, () => this.ensureAdmin());
  }

  private async ensureAdmin(): Promise<void> {
    const admin = this.config.admin;
    if (!admin || (await this.users.findByUsername(admin.username))) return;
    try {
      await this.users.create({ ...admin, role: 'admin' });
      this.logger.log(`created admin user "${admin.username}"`);
    } catch (error) {
      // another instance starting at the same moment created it first
      if (!(error instanceof ConflictError)) throw error;
    }
  }
}
