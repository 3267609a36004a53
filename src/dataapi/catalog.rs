//! What the Data API reads from the engine's catalog: the databases, schemas, tables and
//! columns its List/Describe operations show, and the column metadata of a result.

use super::results::{self, oid};
use super::{DataError, DataResult};
use crate::model::data::{ColumnMetadata, TableMember};
use crate::sql::client::{self, Client, Column, EngineError};
use bytes::Bytes;
use std::collections::HashMap;

/// A page of a catalog listing: rows `offset..offset + limit`.
pub struct Page {
    pub offset: i64,
    pub limit: i64,
}

impl Page {
    /// The rows of this page (the query fetched one more than the page, to tell if a next
    /// page exists) and the next page's token.
    fn split<T>(&self, mut rows: Vec<T>) -> (Vec<T>, Option<String>) {
        let more = rows.len() as i64 > self.limit;
        rows.truncate(self.limit as usize);
        (rows, more.then(|| (self.offset + self.limit).to_string()))
    }

    fn params(&self) -> [String; 2] {
        [(self.limit + 1).to_string(), self.offset.to_string()]
    }
}

/// Rows as text.
#[derive(Default)]
struct Collect {
    rows: Vec<Vec<Option<String>>>,
}

impl client::Rows for Collect {
    fn columns(&mut self, _: Vec<Column>) {}

    async fn row(&mut self, row: Bytes) -> Result<(), EngineError> {
        self.rows.push(
            client::values(&row)
                .map(|v| v.map(|v| String::from_utf8_lossy(v).into_owned()))
                .collect(),
        );
        Ok(())
    }
}

async fn query(
    client: &mut Client,
    sql: &str,
    params: &[String],
) -> DataResult<Vec<Vec<Option<String>>>> {
    let mut rows = Collect::default();
    client
        .run(sql, Some(params), &mut rows)
        .await
        .map_err(|e| DataError::database_connection(e.to_string()))?;
    Ok(rows.rows)
}

fn text(row: &[Option<String>], i: usize) -> String {
    row.get(i).cloned().flatten().unwrap_or_default()
}

/// A LIKE pattern, `%` when none was given.
fn pattern(p: Option<&str>) -> String {
    p.unwrap_or("%").to_string()
}

pub async fn list_databases(
    client: &mut Client,
    page: Page,
) -> DataResult<(Vec<String>, Option<String>)> {
    // `postgres` is the engine's own, not one of the namespace's databases.
    let rows = query(
        client,
        "select datname from pg_database where not datistemplate and datname <> 'postgres' \
         order by datname limit $1 offset $2",
        &page.params(),
    )
    .await?;
    Ok(page.split(rows.iter().map(|r| text(r, 0)).collect()))
}

const HIDDEN_SCHEMAS: &str =
    "n.nspname not like 'pg\\_toast%' and n.nspname not like 'pg\\_temp\\_%' \
     and n.nspname <> 'redshift_catalog'";

pub async fn list_schemas(
    client: &mut Client,
    schema: Option<&str>,
    page: Page,
) -> DataResult<(Vec<String>, Option<String>)> {
    let [limit, offset] = page.params();
    let sql = format!(
        "select n.nspname from pg_namespace n where n.nspname like $1 and {HIDDEN_SCHEMAS} \
         order by n.nspname limit $2 offset $3"
    );
    let rows = query(client, &sql, &[pattern(schema), limit, offset]).await?;
    Ok(page.split(rows.iter().map(|r| text(r, 0)).collect()))
}

pub async fn list_tables(
    client: &mut Client,
    schema: Option<&str>,
    table: Option<&str>,
    page: Page,
) -> DataResult<(Vec<TableMember>, Option<String>)> {
    let [limit, offset] = page.params();
    let sql = "select n.nspname, c.relname, \
           case when n.nspname in ('pg_catalog', 'information_schema') then \
                  case when c.relkind = 'v' then 'SYSTEM VIEW' else 'SYSTEM TABLE' end \
                when n.nspname like 'pg\\_temp\\_%' then 'LOCAL TEMPORARY' \
                when c.relkind in ('v', 'm') then 'VIEW' \
                else 'TABLE' end \
         from pg_class c join pg_namespace n on n.oid = c.relnamespace \
         where c.relkind in ('r', 'p', 'v', 'm', 'f') and n.nspname like $1 and c.relname like $2 \
           and n.nspname not like 'pg\\_toast%' \
         order by n.nspname, c.relname limit $3 offset $4";
    let rows = query(
        client,
        sql,
        &[pattern(schema), pattern(table), limit, offset],
    )
    .await?;
    Ok(page.split(
        rows.iter()
            .map(|r| TableMember {
                schema: Some(text(r, 0)),
                name: Some(text(r, 1)),
                r#type: Some(text(r, 2)),
            })
            .collect(),
    ))
}

/// The columns of `schema.table` (exact names; `public` and every table when not given).
pub async fn describe_table(
    client: &mut Client,
    schema: Option<&str>,
    table: Option<&str>,
    page: Page,
) -> DataResult<(Option<String>, Vec<ColumnMetadata>, Option<String>)> {
    let [limit, offset] = page.params();
    let sql = "select n.nspname, c.relname, a.attname, a.atttypid, a.atttypmod, a.attnotnull, \
           pg_get_expr(d.adbin, d.adrelid), t.typname \
         from pg_attribute a join pg_class c on c.oid = a.attrelid \
           join pg_namespace n on n.oid = c.relnamespace \
           join pg_type t on t.oid = a.atttypid \
           left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum \
         where a.attnum > 0 and not a.attisdropped and c.relkind in ('r', 'p', 'v', 'm', 'f') \
           and ($1 = '' or n.nspname = $1) and ($2 = '' or c.relname = $2) \
         order by n.nspname, c.relname, a.attnum limit $3 offset $4";
    let params = [
        schema.unwrap_or("").to_string(),
        table.unwrap_or("").to_string(),
        limit,
        offset,
    ];
    let rows = query(client, sql, &params).await?;
    let columns = rows
        .iter()
        .map(|r| {
            let type_oid = text(r, 3).parse().unwrap_or(0);
            let modifier = text(r, 4).parse().unwrap_or(-1);
            let mut meta = metadata_of(&text(r, 2), type_oid, modifier, &text(r, 7));
            meta.schema_name = Some(text(r, 0));
            meta.table_name = Some(text(r, 1));
            meta.nullable = Some(if text(r, 5) == "t" { 0 } else { 1 });
            meta.column_default = r.get(6).cloned().flatten();
            meta
        })
        .collect();
    let (columns, next) = page.split(columns);
    let name = table.map(str::to_string);
    Ok((name, columns, next))
}

/// The metadata of a column of type `type_oid` (modifier `modifier`) named `name`.
fn metadata_of(name: &str, type_oid: u32, modifier: i32, engine_name: &str) -> ColumnMetadata {
    let known = results::redshift_type(type_oid);
    let type_name = known.map_or(engine_name, |(n, _, _)| n).to_string();
    let (precision, scale) = match type_oid {
        oid::VARCHAR | oid::BPCHAR if modifier >= 4 => (modifier - 4, 0),
        oid::NUMERIC if modifier >= 4 => (((modifier - 4) >> 16) & 0xffff, (modifier - 4) & 0xffff),
        _ => (known.map_or(0, |(_, _, p)| p), 0),
    };
    let signed = matches!(
        type_oid,
        oid::INT2 | oid::INT4 | oid::INT8 | oid::FLOAT4 | oid::FLOAT8 | oid::NUMERIC
    );
    let case_sensitive = matches!(
        type_oid,
        oid::TEXT | oid::VARCHAR | oid::BPCHAR | oid::CHAR | oid::NAME | oid::JSON | oid::JSONB
    );
    ColumnMetadata {
        is_case_sensitive: Some(case_sensitive),
        is_currency: Some(false),
        is_signed: Some(signed),
        label: Some(name.to_string()),
        name: Some(name.to_string()),
        nullable: Some(1),
        precision: Some(precision),
        scale: Some(scale),
        schema_name: Some(String::new()),
        table_name: Some(String::new()),
        type_name: Some(type_name),
        length: Some(0),
        column_default: None,
    }
}

/// The metadata of a result's columns: their types as Redshift names them, and for columns
/// of a table its schema, name, nullability and default (read from the catalog, once).
pub async fn result_metadata(client: &mut Client, columns: &[Column]) -> Vec<ColumnMetadata> {
    let tables: Vec<String> = {
        let mut t: Vec<u32> = columns
            .iter()
            .map(|c| c.table)
            .filter(|&t| t != 0)
            .collect();
        t.sort_unstable();
        t.dedup();
        t.iter().map(u32::to_string).collect()
    };
    let unknown_types: Vec<String> = {
        let mut t: Vec<u32> = columns
            .iter()
            .map(|c| c.type_oid)
            .filter(|&t| results::redshift_type(t).is_none())
            .collect();
        t.sort_unstable();
        t.dedup();
        t.iter().map(u32::to_string).collect()
    };
    let mut attributes: HashMap<(u32, i16), Vec<Option<String>>> = HashMap::new();
    if !tables.is_empty() {
        let sql = "select a.attrelid, a.attnum, n.nspname, c.relname, a.attnotnull, \
               pg_get_expr(d.adbin, d.adrelid) \
             from pg_attribute a join pg_class c on c.oid = a.attrelid \
               join pg_namespace n on n.oid = c.relnamespace \
               left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum \
             where a.attrelid = any(string_to_array($1, ',')::oid[]) and a.attnum > 0";
        if let Ok(rows) = query(client, sql, &[tables.join(",")]).await {
            for row in rows {
                let key = (
                    text(&row, 0).parse().unwrap_or(0),
                    text(&row, 1).parse().unwrap_or(0),
                );
                attributes.insert(key, row);
            }
        }
    }
    let mut type_names: HashMap<u32, String> = HashMap::new();
    if !unknown_types.is_empty() {
        let sql =
            "select oid, typname from pg_type where oid = any(string_to_array($1, ',')::oid[])";
        if let Ok(rows) = query(client, sql, &[unknown_types.join(",")]).await {
            for row in rows {
                type_names.insert(text(&row, 0).parse().unwrap_or(0), text(&row, 1));
            }
        }
    }
    columns
        .iter()
        .map(|c| {
            let engine_name = type_names
                .get(&c.type_oid)
                .map_or("unknown", String::as_str);
            let mut meta = metadata_of(&c.name, c.type_oid, c.type_modifier, engine_name);
            if let Some(row) = attributes.get(&(c.table, c.attribute)) {
                meta.schema_name = Some(text(row, 2));
                meta.table_name = Some(text(row, 3));
                meta.nullable = Some(if text(row, 4) == "t" { 0 } else { 1 });
                meta.column_default = row.get(5).cloned().flatten();
            }
            meta
        })
        .collect()
}
