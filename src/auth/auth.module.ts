import { createSecretKey } from 'node:crypto';
import { MikroOrmModule } from '@mikro-orm/nestjs';
import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { JwtModule } from '@nestjs/jwt';
import { PassportModule } from '@nestjs/passport';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { SitesModule } from '../sites/sites.module';
import { UsersModule } from '../users/users.module';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { JwtAuthGuard } from './guards/jwt-auth.guard';
import { RolesGuard } from './guards/roles.guard';
import { PrincipalsService } from './principals/principals.service';
import { RefreshToken } from './refresh-token.entity';
import { LocalStrategy } from './strategies/local.strategy';
import { SsoService } from './sso.service';
import { TokenService } from './token.service';

@Module({
  imports: [
    UsersModule,
    SitesModule,
    PassportModule,
    JwtModule.registerAsync({
      inject: [APP_CONFIG],
      // a KeyObject made once: given a string, jsonwebtoken re-parses it on every call
      useFactory: (config: AppConfig) => ({
        secret: createSecretKey(Buffer.from(config.jwtSecret, 'utf8')),
      }),
    }),
    MikroOrmModule.forFeature([RefreshToken]),
  ],
  controllers: [AuthController],
  providers: [
    AuthService,
    SsoService,
    TokenService,
    LocalStrategy,
    PrincipalsService,
    // order matters: authenticate first, then check roles and bans
    { provide: APP_GUARD, useClass: JwtAuthGuard },
    { provide: APP_GUARD, useClass: RolesGuard },
  ],
  exports: [TokenService],
})
export class AuthModule {}
