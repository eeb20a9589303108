-- Sign-in attempts are now counted under a hash keyed by the data key (seal::Keyring::name_key):
-- a plain SHA-256 of a typed name could be reversed by hashing a list of first names. The old
-- rows can't be carried over (only the names would give their new keys); they hold lockouts of
-- minutes, so they are dropped, as if those lockouts had ended.
DELETE FROM signin_attempts;
