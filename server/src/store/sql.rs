//! The storage boundary: one connection trait, two backends (SQLite, PostgreSQL).
//!
//! Every statement in `store/` is written once in the SQL both databases speak (`?1` parameters,
//! `ON CONFLICT`, `RETURNING`, `CASE`) and runs through [`Db`]. Values cross it as [`Value`]:
//! integers (booleans are 0/1), text, null, or bytes (sealed words, on SQLite only). Two
//! spellings differ, and each backend handles its own: PostgreSQL numbers parameters `$1`, and
//! SQLite drops `FOR UPDATE` (it has one writer, so a row lock would mean nothing there; on
//! PostgreSQL it is what serialises concurrent writes to one record or one device across
//! replicas).

use crate::error::{ApiError, Result};
use crate::store::seal::{Keyring, Stored};

/// A value crossing the storage boundary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Null,
    Int(i64),
    Text(String),
    Bytes(Vec<u8>),
}

impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Value::Int(v)
    }
}
impl From<bool> for Value {
    fn from(v: bool) -> Self {
        Value::Int(v.into())
    }
}
impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::Text(v.to_owned())
    }
}
impl From<String> for Value {
    fn from(v: String) -> Self {
        Value::Text(v)
    }
}
impl From<&String> for Value {
    fn from(v: &String) -> Self {
        Value::Text(v.clone())
    }
}
impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Self {
        v.map_or(Value::Null, Into::into)
    }
}

/// One result row.
#[derive(Debug, Clone)]
pub struct Row(pub Vec<Value>);

fn bad_column(i: usize, wanted: &str) -> ApiError {
    ApiError::Internal(format!("column {i} is not {wanted}"))
}

impl Row {
    pub fn int(&self, i: usize) -> Result<i64> {
        self.opt_int(i)?.ok_or_else(|| bad_column(i, "an integer"))
    }

    pub fn opt_int(&self, i: usize) -> Result<Option<i64>> {
        match self.0.get(i) {
            Some(Value::Int(v)) => Ok(Some(*v)),
            Some(Value::Null) => Ok(None),
            _ => Err(bad_column(i, "an integer")),
        }
    }

    pub fn bool(&self, i: usize) -> Result<bool> {
        Ok(self.int(i)? != 0)
    }

    pub fn text(&self, i: usize) -> Result<&str> {
        self.opt_text(i)?.ok_or_else(|| bad_column(i, "text"))
    }

    pub fn opt_text(&self, i: usize) -> Result<Option<&str>> {
        match self.0.get(i) {
            Some(Value::Text(v)) => Ok(Some(v)),
            Some(Value::Null) => Ok(None),
            _ => Err(bad_column(i, "text")),
        }
    }

    pub fn string(&self, i: usize) -> Result<String> {
        self.text(i).map(str::to_owned)
    }

    /// A sealed value, in whichever form the database keeps it.
    pub fn opt_stored(&self, i: usize) -> Result<Option<Stored<'_>>> {
        match self.0.get(i) {
            Some(Value::Text(v)) => Ok(Some(Stored::Text(v))),
            Some(Value::Bytes(v)) => Ok(Some(Stored::Bytes(v))),
            Some(Value::Null) => Ok(None),
            _ => Err(bad_column(i, "a sealed value")),
        }
    }

    pub fn stored(&self, i: usize) -> Result<Stored<'_>> {
        self.opt_stored(i)?.ok_or_else(|| bad_column(i, "a sealed value"))
    }
}

/// A connection, or a transaction on one: what every storage function takes.
pub trait Db {
    fn query(&self, sql: &str, params: &[Value]) -> Result<Vec<Row>>;
    /// Runs a statement; the number of rows it changed.
    fn execute(&self, sql: &str, params: &[Value]) -> Result<u64>;
    /// The data keys that seal and open words at rest.
    fn keyring(&self) -> &Keyring;
    /// Whether other transactions may write at the same time (PostgreSQL; SQLite has one writer).
    fn has_concurrent_writers(&self) -> bool {
        false
    }
    /// Whether sealed values are kept as bytes (SQLite) rather than text (PostgreSQL's columns).
    fn keeps_bytes(&self) -> bool {
        false
    }
}

impl dyn Db + '_ {
    /// The first row, if any.
    pub fn query_opt(&self, sql: &str, params: &[Value]) -> Result<Option<Row>> {
        Ok(self.query(sql, params)?.into_iter().next())
    }

    /// `plain` sealed for the record `context`, as this database keeps sealed values.
    pub fn seal(&self, plain: &str, context: &str) -> Result<Value> {
        let sealed = self.keyring().seal(plain, context)?;
        Ok(if self.keeps_bytes() { Value::Bytes(sealed.into_bytes()) } else { Value::Text(sealed.into_text()) })
    }

    /// Exactly one row is expected (a count, a singleton table).
    pub fn query_one(&self, sql: &str, params: &[Value]) -> Result<Row> {
        self.query_opt(sql, params)?.ok_or_else(|| ApiError::Internal("a query found no row".into()))
    }
}

/// `?N` parameters as PostgreSQL's `$N`.
pub fn numbered_dollar(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '?' && chars.peek().is_some_and(char::is_ascii_digit) {
            out.push('$');
        } else {
            out.push(c);
        }
    }
    out
}

/// The statement as SQLite runs it: without `FOR UPDATE`, which Tandem's statements only ever
/// end with (one placed elsewhere stays, and SQLite refuses the statement). Looked at the end
/// only: every statement SQLite runs passes through here, several for each operation a push
/// applies, and a scan of the whole text was 2% of the writer's time.
pub fn without_row_locks(sql: &str) -> &str {
    sql.strip_suffix(" FOR UPDATE").unwrap_or(sql)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_are_renumbered_for_postgres_and_row_locks_dropped_for_sqlite() {
        assert_eq!(
            numbered_dollar("SELECT a FROM t WHERE b = ?1 AND c = ?12 AND d = '?'"),
            "SELECT a FROM t WHERE b = $1 AND c = $12 AND d = '?'"
        );
        assert_eq!(without_row_locks("SELECT a FROM t WHERE b = ?1 FOR UPDATE"), "SELECT a FROM t WHERE b = ?1");
        assert_eq!(without_row_locks("SELECT 1"), "SELECT 1");
    }
}
