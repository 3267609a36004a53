//! The query history: statements run through a workgroup's endpoint (simple and extended
//! protocol) and through the Data API, as STL_QUERY, SVL_QLOG, SYS_QUERY_HISTORY,
//! STV_RECENTS and PG_LAST_QUERY_ID() show them.

mod common;

use common::TestServer;
use tokio_postgres::{Client, SimpleQueryMessage};

async fn rows(client: &Client, sql: &str) -> Vec<Vec<String>> {
    client
        .simple_query(sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e:?}"))
        .into_iter()
        .filter_map(|m| match m {
            SimpleQueryMessage::Row(row) => Some(
                (0..row.len())
                    .map(|i| row.get(i).unwrap_or("NULL").to_string())
                    .collect(),
            ),
            _ => None,
        })
        .collect()
}

async fn one(client: &Client, sql: &str) -> String {
    rows(client, sql)
        .await
        .into_iter()
        .next()
        .and_then(|r| r.into_iter().next())
        .unwrap_or_else(|| panic!("{sql}: no row"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn statements_of_the_endpoint_are_in_the_history() {
    let server = TestServer::with_sql().await;
    let port = common::serving_workgroup(&server.client(), "history-ns", "history-wg").await;
    let sql = common::sql_connect(port, common::SQL_ADMIN, common::SQL_PASSWORD, "dev")
        .await
        .unwrap();
    assert_eq!(one(&sql, "select pg_last_query_id()").await, "-1");
    sql.batch_execute("create table h (a int); insert into h values (1), (2), (3)")
        .await
        .unwrap();
    let inserted = one(&sql, "select pg_last_query_id()").await;
    // The insert is the last query that ended before this one.
    let text = one(
        &sql,
        "select trim(querytxt) from stl_query where query = pg_last_query_id()",
    )
    .await;
    assert_eq!(text, "insert into h values (1), (2), (3)");
    let history = rows(
        &sql,
        &format!(
            "select query_type, status, returned_rows, trim(database_name), trim(username)
             from sys_query_history where query_id = {inserted}"
        ),
    )
    .await;
    // Redshift's CHAR columns, padded.
    assert_eq!(
        history,
        vec![vec![
            format!("INSERT{}", " ".repeat(26)),
            "success   ".into(),
            "0".into(),
            "dev".into(),
            "admin".into()
        ]]
    );
    // The DDL statement is in SYS_QUERY_HISTORY, not in STL_QUERY.
    assert_eq!(
        one(
            &sql,
            "select trim(query_type) from sys_query_history where query_text = 'create table h (a int)'"
        )
        .await,
        "DDL"
    );
    assert_eq!(
        one(
            &sql,
            "select count(*) from stl_query where querytxt like 'create table h%'"
        )
        .await,
        "0"
    );
    // A failing statement, with the engine's error; rows returned by a select.
    assert!(sql
        .simple_query("select * from no_such_table")
        .await
        .is_err());
    one(&sql, "select a from h order by a").await;
    let failed = rows(
        &sql,
        "select trim(status), trim(error_message) from sys_query_history
         where query_text = 'select * from no_such_table'",
    )
    .await;
    assert_eq!(
        failed,
        vec![vec!["failed", "relation \"no_such_table\" does not exist"]]
    );
    assert_eq!(
        one(
            &sql,
            "select returned_rows from sys_query_history where query_text = 'select a from h order by a'"
        )
        .await,
        "3"
    );
    assert_eq!(
        one(
            &sql,
            "select aborted from stl_query where querytxt = 'select * from no_such_table'"
        )
        .await,
        "1"
    );
    // The statement reading the history sees itself running.
    let running = rows(
        &sql,
        "select trim(status), pid = pg_backend_pid() from stv_recents where query like 'select trim(status), pid%'",
    )
    .await;
    assert_eq!(running, vec![vec!["Running", "t"]]);
    // The extended protocol's statements, by their prepared text.
    let prepared = sql.prepare("select a from h where a > $1").await.unwrap();
    let got = sql.query(&prepared, &[&1i32]).await.unwrap();
    assert_eq!(got.len(), 2);
    assert_eq!(
        one(
            &sql,
            "select count(*) || ' ' || max(returned_rows) from sys_query_history
             where query_text = 'select a from h where a > $1' and status = 'success'"
        )
        .await,
        "1 2"
    );
    // SVL_QLOG and SVL_STATEMENTTEXT read the same statements.
    assert_eq!(
        one(
            &sql,
            "select trim(substring) from svl_qlog where query = (select max(query) from stl_query
             where querytxt like 'insert into h%')"
        )
        .await,
        "insert into h values (1), (2), (3)"
    );
    assert_eq!(
        one(
            &sql,
            "select type from svl_statementtext where text like 'create table h%'"
        )
        .await,
        "DDL"
    );
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn statements_carry_their_transaction_and_query_group() {
    let server = TestServer::with_sql().await;
    let port = common::serving_workgroup(&server.client(), "xid-ns", "xid-wg").await;
    let sql = common::sql_connect(port, common::SQL_ADMIN, common::SQL_PASSWORD, "dev")
        .await
        .unwrap();
    one(&sql, "select 'alone' from pg_class limit 1").await;
    sql.batch_execute(
        "begin; set query_group to 'nightly etl'; create table x (a int); insert into x values (1); commit",
    )
    .await
    .unwrap();
    one(&sql, "select 'after' from x").await;
    let history = rows(
        &sql,
        "select query_text, transaction_id, trim(query_label) from sys_query_history
         where query_text in ('select ''alone'' from pg_class limit 1', 'begin',
                              'create table x (a int)', 'insert into x values (1)',
                              'select ''after'' from x')
         order by query_id",
    )
    .await;
    assert_eq!(history.len(), 5, "{history:?}");
    let xid = |i: usize| history[i][1].parse::<i64>().unwrap();
    // BEGIN ... COMMIT is one transaction; the statements before and after have their own.
    assert_eq!(xid(1), xid(2));
    assert_eq!(xid(2), xid(3));
    assert!(xid(0) < xid(1) && xid(3) < xid(4), "{history:?}");
    let labels: Vec<&str> = history.iter().map(|r| r[2].as_str()).collect();
    assert_eq!(
        labels,
        [
            "default",
            "default",
            "nightly etl",
            "nightly etl",
            "nightly etl"
        ]
    );
    // STL_QUERY shows the same transaction and label.
    assert_eq!(
        rows(
            &sql,
            "select xid, trim(label) from stl_query where querytxt like 'insert into x%'"
        )
        .await,
        vec![vec![xid(3).to_string(), "nightly etl".to_string()]]
    );
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_see_their_own_statements_and_the_admin_everyones() {
    let server = TestServer::with_sql().await;
    let port = common::serving_workgroup(&server.client(), "seen-ns", "seen-wg").await;
    let admin = common::sql_connect(port, common::SQL_ADMIN, common::SQL_PASSWORD, "dev")
        .await
        .unwrap();
    admin
        .batch_execute("create user alice password 'Alice1234'; select 'admin was here'")
        .await
        .unwrap();
    let alice = common::sql_connect(port, "alice", "Alice1234", "dev")
        .await
        .unwrap();
    one(&alice, "select 'alice was here'").await;
    assert_eq!(
        one(
            &alice,
            "select count(*) from sys_query_history where query_text like 'select ''%was here''%'"
        )
        .await,
        "1"
    );
    assert_eq!(
        one(
            &admin,
            "select count(*) from sys_query_history where query_text like 'select ''%was here''%'"
        )
        .await,
        "2"
    );
    // A second namespace keeps a history of its own.
    let other = common::serving_workgroup(&server.client(), "other-ns", "other-wg").await;
    let other = common::sql_connect(other, common::SQL_ADMIN, common::SQL_PASSWORD, "dev")
        .await
        .unwrap();
    assert_eq!(
        one(
            &other,
            "select count(*) from sys_query_history where query_text like '%was here%'"
        )
        .await,
        "1"
    );
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn data_api_statements_share_the_history_and_its_ids() {
    let server = TestServer::with_sql().await;
    let port = common::serving_workgroup(&server.client(), "dh-ns", "dh-wg").await;
    let data = server.data_client();
    let described = common::data_api_run(&data, "dh-wg", "select 42 as answer").await;
    assert_eq!(
        described.status(),
        Some(&aws_sdk_redshiftdata::types::StatusString::Finished)
    );
    let query_id = described.redshift_query_id;
    assert!(query_id > 0);
    let sql = common::sql_connect(port, common::SQL_ADMIN, common::SQL_PASSWORD, "dev")
        .await
        .unwrap();
    let seen = rows(
        &sql,
        &format!(
            "select trim(query_text), status, returned_rows, trim(username) like 'IAM%'
             from sys_query_history where query_id = {query_id}"
        ),
    )
    .await;
    assert_eq!(
        seen,
        vec![vec!["select 42 as answer", "success   ", "1", "t"]]
    );
    server.shutdown().await;
}
