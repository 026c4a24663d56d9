import { SetMetadata } from '@nestjs/common';

export const BAN_CHECKED_IN_WRITE = 'townhall:banCheckedInWrite';

/**
 * The route's write itself refuses banned and erased users inside its SQL transaction (403
 * or 401 as the guards would answer), so its guards may identify the caller from the
 * in-process principal cache instead of a SELECT per request: a ban committed on any
 * instance still stops the very next write, even where the cache has not heard of it yet.
 */
export const BanCheckedInWrite = (): MethodDecorator => SetMetadata(BAN_CHECKED_IN_WRITE, true);
