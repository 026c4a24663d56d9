import { SetMetadata } from '@nestjs/common';

export const SITE_WRITER = 'townhall:siteWriter';

export interface SiteWriterMetadata {
  /** The path parameter that names the site. */
  param: string;
}

/**
 * A route for an admin, or for an API key of the site its `param` names (another site's key:
 * 403). API keys are refused on every route without this mark (403).
 */
export const SiteWriter = (param = 'id'): MethodDecorator =>
  SetMetadata<string, SiteWriterMetadata>(SITE_WRITER, { param });
