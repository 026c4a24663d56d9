/** After the commit of a site's creation or change: every instance reloads what it caches. */
export interface SiteChangedEvent {
  siteId: string;
}

declare module '../common/events/domain-event-bus' {
  interface DomainEvents {
    'site.changed': SiteChangedEvent;
  }
}
