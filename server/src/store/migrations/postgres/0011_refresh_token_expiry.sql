-- Expired refresh tokens are forgotten (one is added at every renewal): found by their expiry.
CREATE INDEX refresh_tokens_by_expiry ON refresh_tokens(expires_at);
