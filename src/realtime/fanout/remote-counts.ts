/**
 * Other instances' reader counts, kept only for the articles this instance tracks (those with
 * local readers, and for a linger after the last one left), and when each instance was last
 * heard from. Plain data: PresenceService decides what to track and when an instance is gone.
 */
export class RemoteCounts {
  /** article → instance → readers (> 0); an entry per tracked article, empty when alone */
  private readonly byArticle = new Map<string, Map<string, number>>();
  /** instance → when last heard from, and the tracked articles it has readers of */
  private readonly instances = new Map<string, { seenAt: number; articles: Set<string> }>();

  tracks(articleId: string): boolean {
    return this.byArticle.has(articleId);
  }

  track(articleId: string): void {
    if (!this.byArticle.has(articleId)) this.byArticle.set(articleId, new Map());
  }

  /** Forgets the article and every instance's count of it. */
  untrack(articleId: string): void {
    const counts = this.byArticle.get(articleId);
    if (!counts) return;
    for (const instance of counts.keys()) this.instances.get(instance)?.articles.delete(articleId);
    this.byArticle.delete(articleId);
  }

  /** Sum of the other instances' readers of the article. */
  readers(articleId: string): number {
    let total = 0;
    for (const readers of this.byArticle.get(articleId)?.values() ?? []) total += readers;
    return total;
  }

  /** An instance's count of a tracked article; false when the article is not tracked. */
  set(articleId: string, instance: string, readers: number): boolean {
    const counts = this.byArticle.get(articleId);
    if (!counts) return false;
    const entry = this.instances.get(instance);
    if (readers > 0) {
      counts.set(instance, readers);
      if (entry) entry.articles.add(articleId);
      else this.instances.set(instance, { seenAt: Date.now(), articles: new Set([articleId]) });
    } else {
      counts.delete(instance);
      entry?.articles.delete(articleId);
    }
    return true;
  }

  /** The instance was heard from (only instances whose counts are held are remembered). */
  seen(instance: string): void {
    const entry = this.instances.get(instance);
    if (entry) entry.seenAt = Date.now();
  }

  /** Drops the instance's counts; the articles whose totals changed. */
  drop(instance: string): string[] {
    const entry = this.instances.get(instance);
    if (!entry) return [];
    this.instances.delete(instance);
    const articles = [...entry.articles];
    for (const articleId of articles) this.byArticle.get(articleId)?.delete(instance);
    return articles;
  }

  /** Instances not heard from since `before` (and holding no count: forgotten quietly). */
  silentSince(before: number): string[] {
    const silent: string[] = [];
    for (const [instance, entry] of this.instances) {
      if (entry.articles.size === 0) this.instances.delete(instance);
      else if (entry.seenAt < before) silent.push(instance);
    }
    return silent;
  }

  sizes(): Record<string, number> {
    let counts = 0;
    for (const byInstance of this.byArticle.values()) counts += byInstance.size;
    return {
      'presence.tracked': this.byArticle.size,
      'presence.remote': counts,
      'presence.instances': this.instances.size,
    };
  }
}
