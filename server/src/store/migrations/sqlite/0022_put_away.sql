-- Notices of collided words that someone has read and put away ("OK, got it"), so that their
-- other devices, and a shared tablet at their next visit, don't show them again. Ids, a field's
-- name and a time: no words. `notice` is the rest of the notice's key after the record id:
-- `field/ms.count/device`, naming one kept version of one field. Goes with the young person
-- whose record it is (erased), and with a key worker's assignment to them (ended).
CREATE TABLE put_away (
    person_id       TEXT NOT NULL REFERENCES people(id),
    record_id       TEXT NOT NULL REFERENCES records(id),
    notice          TEXT NOT NULL,
    PRIMARY KEY (person_id, record_id, notice)
) WITHOUT ROWID;
CREATE INDEX put_away_by_record ON put_away(record_id);
