//! Plain SQL on either backend, for the server's small tables (accounts, sessions, tokens,
//! rulebooks, settings). One SQL text serves both backends: parameters are written `$1, $2, …`
//! in order of first use (SQLite reads `$1` as a named parameter and numbers parameters by first
//! appearance, which then agrees with PostgreSQL's positions).

use crate::{Backend, Store, StoreError};

/// A value bound to or read from a statement.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Val {
    Int(i64),
    Text(String),
    Null,
}

impl Val {
    pub fn int(&self) -> Option<i64> {
        match self {
            Val::Int(i) => Some(*i),
            _ => None,
        }
    }

    pub fn text(&self) -> Option<&str> {
        match self {
            Val::Text(s) => Some(s),
            _ => None,
        }
    }
}

impl From<i64> for Val {
    fn from(v: i64) -> Val {
        Val::Int(v)
    }
}

impl From<&str> for Val {
    fn from(v: &str) -> Val {
        Val::Text(v.to_string())
    }
}

impl From<String> for Val {
    fn from(v: String) -> Val {
        Val::Text(v)
    }
}

impl From<Option<String>> for Val {
    fn from(v: Option<String>) -> Val {
        v.map(Val::Text).unwrap_or(Val::Null)
    }
}

impl rusqlite::ToSql for Val {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, ValueRef};
        Ok(match self {
            Val::Int(x) => ToSqlOutput::Borrowed(ValueRef::Integer(*x)),
            Val::Text(x) => ToSqlOutput::Borrowed(ValueRef::Text(x.as_bytes())),
            Val::Null => ToSqlOutput::Borrowed(ValueRef::Null),
        })
    }
}

pub type SqlRow = Vec<Val>;

/// The first column of the first row: a query's single value.
pub fn scalar(rows: &[SqlRow]) -> Option<&Val> {
    rows.first().and_then(|r| r.first())
}

pub(crate) fn sqlite_rows(
    c: &mut rusqlite::Connection,
    sql: &str,
    params: &[Val],
) -> Result<(Vec<SqlRow>, usize), StoreError> {
    use rusqlite::types::ValueRef;
    let mut st = c.prepare_cached(sql)?;
    for (i, v) in params.iter().enumerate() {
        st.raw_bind_parameter(i + 1, v)?;
    }
    let n = st.column_count();
    let mut out = Vec::new();
    let mut rows = st.raw_query();
    while let Some(r) = rows.next()? {
        let mut row = Vec::with_capacity(n);
        for i in 0..n {
            row.push(match r.get_ref(i)? {
                ValueRef::Integer(x) => Val::Int(x),
                ValueRef::Text(t) => Val::Text(String::from_utf8_lossy(t).into_owned()),
                ValueRef::Null => Val::Null,
                ValueRef::Real(x) => Val::Int(x as i64),
                ValueRef::Blob(b) => Val::Text(String::from_utf8_lossy(b).into_owned()),
            });
        }
        out.push(row);
    }
    drop(rows);
    let changed = c.changes() as usize;
    Ok((out, changed))
}

pub(crate) fn pg_bind<'q>(
    sql: &'q str,
    params: &[Val],
) -> sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments> {
    let mut q = sqlx::query(sql);
    for v in params {
        q = match v {
            Val::Int(x) => q.bind(*x),
            Val::Text(x) => q.bind(x.clone()),
            Val::Null => q.bind(None::<String>),
        };
    }
    q
}

async fn pg_query(
    pool: &sqlx::PgPool,
    sql: &str,
    params: &[Val],
) -> Result<Vec<SqlRow>, StoreError> {
    use sqlx::{Column, Row, TypeInfo};
    let rows = pg_bind(sql, params).fetch_all(pool).await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let mut row = Vec::with_capacity(r.len());
        for (i, col) in r.columns().iter().enumerate() {
            row.push(match col.type_info().name() {
                "INT8" => r.try_get::<Option<i64>, _>(i)?.map_or(Val::Null, Val::Int),
                "INT4" => r
                    .try_get::<Option<i32>, _>(i)?
                    .map_or(Val::Null, |v| Val::Int(v.into())),
                "INT2" => r
                    .try_get::<Option<i16>, _>(i)?
                    .map_or(Val::Null, |v| Val::Int(v.into())),
                "BOOL" => r
                    .try_get::<Option<bool>, _>(i)?
                    .map_or(Val::Null, |v| Val::Int(v.into())),
                _ => r
                    .try_get::<Option<String>, _>(i)?
                    .map_or(Val::Null, Val::Text),
            });
        }
        out.push(row);
    }
    Ok(out)
}

impl Store {
    /// The rows of a query (also of `INSERT … RETURNING`).
    pub async fn query(&self, sql: &str, params: Vec<Val>) -> Result<Vec<SqlRow>, StoreError> {
        match &self.backend {
            Backend::Sqlite(db) => {
                let sql = sql.to_string();
                Ok(db.run(move |c| sqlite_rows(c, &sql, &params)).await?.0)
            }
            Backend::Postgres(p) => pg_query(p, sql, &params).await,
        }
    }

    /// Runs a statement; the number of rows it changed.
    pub async fn exec(&self, sql: &str, params: Vec<Val>) -> Result<usize, StoreError> {
        match &self.backend {
            Backend::Sqlite(db) => {
                let sql = sql.to_string();
                Ok(db.run(move |c| sqlite_rows(c, &sql, &params)).await?.1)
            }
            Backend::Postgres(p) => Ok(pg_bind(sql, &params)
                .execute(&p.pool)
                .await?
                .rows_affected() as usize),
        }
    }
}
