import { Migration } from '@mikro-orm/migrations';

/**
 * A batch of votes in one round trip (issue 19): `townhall_write_votes(batch)` does what
 * VotesService did in five (BEGIN, lock the articles, read the stored votes and the refused
 * voters, apply, COMMIT). Called as a single statement, it is one transaction. Inside it the
 * articles are locked first, in id order; every statement after the lock takes a new snapshot
 * (READ COMMITTED, a volatile function), so the votes it reads stay as read until COMMIT and
 * the counters move by exactly what is written.
 *
 * `batch`: [{articleId, userId, dimension, value}], one entry per article, user and dimension
 * (`value` null: retracted). Rows out: one `article` row per article of the batch that exists
 * (its counters after the batch, `changed` when the batch moved them) and one `refused` row per
 * voter who may not vote now, on the database's clock: `banned` (a ban without end or ending
 * later) or `gone` (erased, or no such user); nothing of theirs is written.
 */
const WRITE_VOTES = `
create or replace function townhall_write_votes(batch jsonb)
returns table (kind text, id uuid, interesting_up int, interesting_down int, support_up int,
               support_down int, version int, changed boolean, reason text)
language plpgsql volatile as $$
#variable_conflict use_column
begin
  perform 1 from articles a
   where a.id in (select distinct (e->>'articleId')::uuid from jsonb_array_elements(batch) e)
   order by a.id for update;

  return query
  with input as (
    select * from jsonb_to_recordset(batch)
      as t("articleId" uuid, "userId" uuid, dimension text, value text)
  ), refused as (
    select d.id,
           case when u.id is null or u.erased_at is not null then 'gone' else 'banned' end
             as reason
      from (select distinct "userId" as id from input) d
      left join users u on u.id = d.id
     where u.id is null or u.erased_at is not null
        or (u.banned_at is not null and (u.banned_until is null or u.banned_until > now()))
  ), changes as (
    -- LATERAL: one primary-key lookup per vote (a plain join is planned as a scan of votes)
    select i.*, v.value as previous
      from input i
      join articles a on a.id = i."articleId"
      left join lateral (
        select value from votes
         where article_id = i."articleId" and dimension = i.dimension and user_id = i."userId"
      ) v on true
     where not exists (select 1 from refused r where r.id = i."userId")
       and v.value is distinct from i.value
  ), upserted as (
    insert into votes (article_id, dimension, user_id, value, created_at, updated_at)
    select "articleId", dimension, "userId", value, now(), now() from changes
     where value is not null
    on conflict (article_id, dimension, user_id)
      do update set value = excluded.value, updated_at = excluded.updated_at
    returning 1
  ), deleted as (
    delete from votes v using changes c
     where c.value is null and v.article_id = c."articleId" and v.dimension = c.dimension
       and v.user_id = c."userId"
    returning 1
  ), deltas as (
    select "articleId" as id,
           count(*) filter (where dimension = 'interesting' and value = 'up')
             - count(*) filter (where dimension = 'interesting' and previous = 'up') as iu,
           count(*) filter (where dimension = 'interesting' and value = 'down')
             - count(*) filter (where dimension = 'interesting' and previous = 'down') as id_,
           count(*) filter (where dimension = 'support' and value = 'up')
             - count(*) filter (where dimension = 'support' and previous = 'up') as su,
           count(*) filter (where dimension = 'support' and value = 'down')
             - count(*) filter (where dimension = 'support' and previous = 'down') as sd
      from changes group by "articleId"
  ), updated as (
    update articles a
       set interesting_up = a.interesting_up + d.iu,
           interesting_down = a.interesting_down + d.id_,
           support_up = a.support_up + d.su,
           support_down = a.support_down + d.sd,
           tallies_version = a.tallies_version + 1
      from deltas d
     where a.id = d.id
    returning a.id, a.interesting_up, a.interesting_down, a.support_up, a.support_down,
              a.tallies_version
  )
  select 'article'::text, a.id,
         coalesce(u.interesting_up, a.interesting_up), coalesce(u.interesting_down, a.interesting_down),
         coalesce(u.support_up, a.support_up), coalesce(u.support_down, a.support_down),
         coalesce(u.tallies_version, a.tallies_version), u.id is not null, null::text
    from articles a left join updated u on u.id = a.id
   where a.id in (select "articleId" from input)
  union all
  select 'refused'::text, r.id, null::int, null::int, null::int, null::int, null::int, null::boolean,
         r.reason
    from refused r;
end
$$;`;

export class Migration20261208031500 extends Migration {
  override async up(): Promise<void> {
    this.addSql(WRITE_VOTES);
  }

  override async down(): Promise<void> {
    this.addSql(`drop function if exists townhall_write_votes(jsonb);`);
  }
}
