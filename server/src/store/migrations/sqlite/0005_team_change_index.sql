-- Only drop-in pulls walk the change feed across every young person, and they only see records
-- shared with the team: index just those. Every other record change now updates one index
-- fewer (young people and workers pull through records_by_owner_change).
DROP INDEX records_by_change;
CREATE INDEX records_team_by_change ON records(changed_seq) WHERE widest_visibility = 'team';
