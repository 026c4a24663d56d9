export const ROLES = ['reader', 'moderator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/**
 * The signed-in caller as guards and controllers see it; read from the database on every
 * request, except on routes whose write re-checks bans itself (see BanCheckedInWrite).
 */
export interface Principal {
  id: string;
  username: string;
  role: Role;
  /** Banned users may read but not write. */
  banned: boolean;
}

/** A site's API key, as guards see a request that presents one (see SiteWriter). */
export interface ApiKeyPrincipal {
  keyId: string;
  siteId: string;
}
