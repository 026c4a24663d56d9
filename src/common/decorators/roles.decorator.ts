import { SetMetadata } from '@nestjs/common';
import type { Role } from '../auth/principal';

export const REQUIRED_ROLES = 'townhall:roles';

/** Restricts a route to the listed roles (checked after authentication). */
export const Roles = (...roles: Role[]): MethodDecorator & ClassDecorator =>
  SetMetadata(REQUIRED_ROLES, roles);
