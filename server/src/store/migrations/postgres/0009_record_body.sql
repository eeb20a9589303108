-- A record's fields and kept conflicts as one sealed value (store::encode::record_body): one
-- seal and one B-tree row per record written, not one per field. The server fills it from the
-- fields and conflicts tables on start (sealing needs the data key; see store::fold), which
-- then stay, empty, until every deployment has folded them.
ALTER TABLE records ADD COLUMN body TEXT;
