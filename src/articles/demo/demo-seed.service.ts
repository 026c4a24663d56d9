import { MikroORM, UniqueConstraintViolationException } from '@mikro-orm/postgresql';
import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { DemoArticleSeeder } from './demo-article.seeder';

/** With SEED_DEMO=true, loads the demo article once (after migrations ran in onModuleInit). */
@Injectable()
export class DemoSeed implements OnApplicationBootstrap {
  private readonly logger = new Logger(DemoSeed.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly orm: MikroORM,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.seedDemo) return;
    const seeder = new DemoArticleSeeder();
    try {
      await seeder.run(this.orm.em.fork());
    } catch (error) {
      // another instance starting at the same moment seeded it first
      if (!(error instanceof UniqueConstraintViolationException)) throw error;
    }
    if (seeder.created) this.logger.log('loaded the demo article');
  }
}
