import { Body, Controller, Get, HttpCode, Post, Req, UseGuards } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { Request } from 'express';
import type { Principal } from '../common/auth/principal';
import { CurrentUser } from '../common/decorators/current-user.decorator';
import { Public } from '../common/decorators/public.decorator';
import { NotFoundError } from '../common/errors/domain-error';
import { ApiErrors } from '../common/openapi/api-errors.decorator';
import { RateLimit } from '../common/rate-limit/rate-limit.decorator';
import { UserDto } from '../users/dto/user.dto';
import type { User } from '../users/user.entity';
import { UsersService } from '../users/users.service';
import { AuthService } from './auth.service';
import { LoginDto, RefreshTokenDto, RegisterDto, SsoDto } from './dto/credentials.dto';
import { SessionDto, TokensDto } from './dto/session.dto';
import { LocalAuthGuard } from './guards/local-auth.guard';

@ApiTags('auth')
@Controller('api/auth')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly users: UsersService,
  ) {}

  @Public()
  @Post('register')
  @ApiCreatedResponse({ type: SessionDto })
  @ApiErrors(400, 409, 429)
  @RateLimit('register')
  async register(@Body() dto: RegisterDto): Promise<SessionDto> {
    return SessionDto.from(await this.auth.register(dto));
  }

  @Public()
  @UseGuards(LocalAuthGuard)
  @Post('login')
  @HttpCode(200)
  @ApiBody({ type: LoginDto })
  @ApiOkResponse({ type: SessionDto })
  @ApiErrors(400, 401, 429)
  // below @UseGuards(LocalAuthGuard) so it runs first: failed attempts count too
  @RateLimit('login-ip', 'login-user', 'login-user-total')
  async login(@Req() request: Request & { user: User }): Promise<SessionDto> {
    return SessionDto.from(await this.auth.startSession(request.user));
  }

  /** Single sign-on from a publisher's site: its server signed the token for its user. */
  @Public()
  @Post('sso')
  @HttpCode(200)
  @ApiOkResponse({ type: SessionDto })
  @ApiErrors(400, 401, 429)
  @RateLimit('login-ip')
  async sso(@Body() dto: SsoDto): Promise<SessionDto> {
    return SessionDto.from(await this.auth.signInSso(dto.siteId, dto.token));
  }

  @Public()
  @Post('refresh')
  @HttpCode(200)
  @ApiOkResponse({ type: TokensDto })
  @ApiErrors(400, 401)
  async refresh(@Body() dto: RefreshTokenDto): Promise<TokensDto> {
    return TokensDto.from(await this.auth.refresh(dto.refreshToken));
  }

  @Public()
  @Post('logout')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'The refresh token chain is revoked' })
  @ApiErrors(400)
  async logout(@Body() dto: RefreshTokenDto): Promise<void> {
    await this.auth.logout(dto.refreshToken);
  }

  @ApiBearerAuth()
  @Get('me')
  @ApiOkResponse({ type: UserDto })
  @ApiErrors(401)
  async me(@CurrentUser() principal: Principal): Promise<UserDto> {
    const user = await this.users.findById(principal.id);
    if (!user) throw new NotFoundError('user');
    return UserDto.from(user);
  }
}
