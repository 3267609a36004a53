//! The Redshift Data API as users reach it: the AWS SDK for Rust (`aws-sdk-redshiftdata`)
//! against the server, on the control plane's port, over a real engine.

mod common;

use aws_sdk_redshiftdata as rd;
use common::{
    serving_workgroup as workgroup, TestServer, SQL_ADMIN as ADMIN, SQL_PASSWORD as PASSWORD,
};
use rd::types::{Field, SqlParameter, StatementStatusString as Status, StatusString as Described};

fn param(name: &str, value: &str) -> SqlParameter {
    SqlParameter::builder()
        .name(name)
        .value(value)
        .build()
        .unwrap()
}

/// Runs `sql` on `wg`/`dev` and waits for its end; its id.
async fn run(data: &rd::Client, wg: &str, sql: &str) -> String {
    let out = data
        .execute_statement()
        .workgroup_name(wg)
        .database("dev")
        .sql(sql)
        .wait_time_seconds(30)
        .send()
        .await
        .unwrap();
    let id = out.id().unwrap().to_string();
    let status = out.status().cloned();
    if status != Some(Status::Finished) {
        let described = data.describe_statement().id(&id).send().await.unwrap();
        panic!("{sql}: {status:?} {:?}", described.error());
    }
    id
}

fn error_code<E: rd::error::ProvideErrorMetadata, R>(e: &rd::error::SdkError<E, R>) -> String {
    e.as_service_error()
        .and_then(|s| s.code())
        .unwrap_or("no code")
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_statement_runs_and_its_typed_result_pages() {
    let server = TestServer::with_sql().await;
    let api = server.client();
    let data = server.data_client();
    workgroup(&api, "ns-data", "wg-data").await;
    run(
        &data,
        "wg-data",
        "create table t (id int not null, name varchar(20) default 'x', price numeric(10,2), \
         ok boolean, score float8, raw varbyte(8))",
    )
    .await;
    let id = run(
        &data,
        "wg-data",
        "insert into t values (1, 'one', 1.50, true, 0.5, 'ab'::varbyte), (2, null, null, false, null, null)",
    )
    .await;
    let described = data.describe_statement().id(&id).send().await.unwrap();
    assert_eq!(described.status(), Some(&Described::Finished));
    assert_eq!(described.result_rows(), 2, "rows inserted");
    assert_eq!(described.has_result_set(), Some(false));
    assert!(
        described.duration() > 0,
        "nanoseconds: {}",
        described.duration()
    );
    assert!(described.redshift_pid() > 0);
    assert_eq!(described.workgroup_name(), Some("wg-data"));
    assert_eq!(described.db_user(), Some("IAM:123456789012"));

    let id = run(
        &data,
        "wg-data",
        "select id, name, price, ok, score, raw, now() as at from t order by id",
    )
    .await;
    let result = data.get_statement_result().id(&id).send().await.unwrap();
    assert_eq!(result.total_num_rows(), 2);
    let records = result.records();
    assert_eq!(records[0][0], Field::LongValue(1));
    assert_eq!(records[0][1], Field::StringValue("one".into()));
    assert_eq!(
        records[0][2],
        Field::StringValue("1.50".into()),
        "DECIMAL as a string"
    );
    assert_eq!(records[0][3], Field::BooleanValue(true));
    assert_eq!(records[0][4], Field::DoubleValue(0.5));
    assert_eq!(
        records[0][5],
        Field::BlobValue(rd::primitives::Blob::new(b"ab".to_vec()))
    );
    assert_eq!(records[1][1], Field::IsNull(true));
    let meta = result.column_metadata();
    let names: Vec<_> = meta.iter().map(|c| c.name().unwrap_or("")).collect();
    assert_eq!(names, ["id", "name", "price", "ok", "score", "raw", "at"]);
    let types: Vec<_> = meta.iter().map(|c| c.type_name().unwrap_or("")).collect();
    assert_eq!(
        types,
        [
            "int4",
            "varchar",
            "numeric",
            "bool",
            "float8",
            "varbyte",
            "timestamptz"
        ]
    );
    // SUPER as Redshift writes it: compact JSON in a string.
    let id = run(
        &data,
        "wg-data",
        "select json_parse('{\"a\": [1, 2], \"b\": \"x, y\"}') as doc",
    )
    .await;
    let doc = data.get_statement_result().id(&id).send().await.unwrap();
    assert_eq!(
        doc.records()[0][0],
        Field::StringValue("{\"a\":[1,2],\"b\":\"x, y\"}".into())
    );
    assert_eq!(doc.column_metadata()[0].type_name(), Some("super"));
    assert_eq!(meta[0].table_name(), Some("t"));
    assert_eq!(meta[0].schema_name(), Some("public"));
    assert_eq!(meta[0].nullable(), 0, "not null");
    assert_eq!(meta[1].nullable(), 1);
    assert_eq!(meta[1].precision(), 20);
    assert_eq!(meta[1].column_default(), Some("'x'::character varying"));
    assert_eq!((meta[2].precision(), meta[2].scale()), (10, 2));
    assert!(meta[0].is_signed() && !meta[1].is_signed());
    assert!(meta[1].is_case_sensitive());
    assert_eq!(
        meta[6].table_name(),
        Some(""),
        "a computed column has no table"
    );

    // A result larger than a page comes in pages that add up to it.
    let id = run(
        &data,
        "wg-data",
        "select g, repeat('x', 100) from generate_series(1, 30000) g",
    )
    .await;
    let mut seen = 0;
    let mut pages = 0;
    let mut token = None;
    loop {
        let page = data
            .get_statement_result()
            .id(&id)
            .set_next_token(token)
            .send()
            .await
            .unwrap();
        assert_eq!(page.total_num_rows(), 30000);
        for record in page.records() {
            seen += 1;
            assert_eq!(record[0], Field::LongValue(seen));
        }
        pages += 1;
        token = page.next_token().map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    assert_eq!(seen, 30000);
    assert!(pages > 1, "{pages} pages");
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parameters_are_bound_by_the_engine() {
    let server = TestServer::with_sql().await;
    let api = server.client();
    let data = server.data_client();
    workgroup(&api, "ns-data", "wg-data").await;
    run(&data, "wg-data", "create table p (id int, note text)").await;
    let out = data
        .execute_statement()
        .workgroup_name("wg-data")
        .database("dev")
        .sql("insert into p values (:id, :note)")
        .parameters(param("id", "7"))
        .parameters(param("note", "it's ':id' -- not a placeholder"))
        .wait_time_seconds(30)
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), Some(&Status::Finished));
    let out = data
        .execute_statement()
        .workgroup_name("wg-data")
        .database("dev")
        .sql("select note from p where id = :id and note <> ':id'")
        .parameters(param("id", "7"))
        .wait_time_seconds(30)
        .send()
        .await
        .unwrap();
    let result = data
        .get_statement_result()
        .id(out.id().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(
        result.records()[0][0],
        Field::StringValue("it's ':id' -- not a placeholder".into())
    );
    let missing = data
        .execute_statement()
        .workgroup_name("wg-data")
        .database("dev")
        .sql("select :a, :b")
        .parameters(param("a", "1"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(error_code(&missing), "ValidationException");
    let unused = data
        .execute_statement()
        .workgroup_name("wg-data")
        .database("dev")
        .sql("select 1")
        .parameters(param("a", "1"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(error_code(&unused), "ValidationException");
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_runs_in_one_transaction_or_each_on_its_own() {
    let server = TestServer::with_sql().await;
    let api = server.client();
    let data = server.data_client();
    workgroup(&api, "ns-data", "wg-data").await;
    run(&data, "wg-data", "create table b (id int primary key)").await;
    let batch = |mode: rd::types::ExecutionMode, sqls: &[&str]| {
        data.batch_execute_statement()
            .workgroup_name("wg-data")
            .database("dev")
            .set_sqls(Some(sqls.iter().map(|s| s.to_string()).collect()))
            .execution_mode(mode)
            .wait_time_seconds(30)
            .send()
    };
    let failed = batch(
        rd::types::ExecutionMode::Transaction,
        &[
            "insert into b values (1)",
            "insert into b values (1)",
            "insert into b values (2)",
        ],
    )
    .await
    .unwrap();
    assert_eq!(failed.status(), Some(&Status::Failed));
    let described = data
        .describe_statement()
        .id(failed.id().unwrap())
        .send()
        .await
        .unwrap();
    let subs = described.sub_statements();
    assert_eq!(subs.len(), 3);
    assert_eq!(subs[0].id(), format!("{}:1", failed.id().unwrap()));
    assert_eq!(subs[0].status(), Some(&Status::Finished));
    assert_eq!(subs[1].status(), Some(&Status::Failed));
    assert!(
        subs[1].error().unwrap().contains("duplicate key"),
        "{:?}",
        subs[1].error()
    );
    assert_eq!(subs[2].status(), Some(&Status::Aborted));
    assert!(described.error().unwrap().contains("duplicate key"));

    let auto = batch(
        rd::types::ExecutionMode::AutoCommit,
        &["insert into b values (1)", "insert into b values (1)"],
    )
    .await
    .unwrap();
    assert_eq!(auto.status(), Some(&Status::Failed));
    let ok = batch(
        rd::types::ExecutionMode::Transaction,
        &["insert into b values (3)", "select id from b order by id"],
    )
    .await
    .unwrap();
    assert_eq!(ok.status(), Some(&Status::Finished));
    let parent = data
        .get_statement_result()
        .id(ok.id().unwrap())
        .send()
        .await
        .unwrap_err();
    assert_eq!(error_code(&parent), "ValidationException");
    assert!(format!("{:?}", parent).contains("sub-statement id"));
    let rows = data
        .get_statement_result()
        .id(format!("{}:2", ok.id().unwrap()))
        .send()
        .await
        .unwrap();
    // The failed transaction left nothing; auto-commit kept its first insert.
    let ids: Vec<_> = rows.records().iter().map(|r| r[0].clone()).collect();
    assert_eq!(ids, [Field::LongValue(1), Field::LongValue(3)]);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_keep_state_and_run_one_statement_at_a_time() {
    let server = TestServer::with_sql().await;
    let api = server.client();
    let data = server.data_client();
    workgroup(&api, "ns-data", "wg-data").await;
    let first = data
        .execute_statement()
        .workgroup_name("wg-data")
        .database("dev")
        .sql("create temp table scratch as select 41 as n")
        .session_keep_alive_seconds(300)
        .wait_time_seconds(30)
        .send()
        .await
        .unwrap();
    assert_eq!(first.status(), Some(&Status::Finished));
    let session = first.session_id().expect("a session").to_string();
    let next = data
        .execute_statement()
        .session_id(&session)
        .sql("select n + 1 from scratch")
        .wait_time_seconds(30)
        .send()
        .await
        .unwrap();
    assert_eq!(
        next.status(),
        Some(&Status::Finished),
        "the temp table carried over"
    );
    assert_eq!(
        next.redshift_pid(),
        first.redshift_pid(),
        "the same engine session"
    );
    let result = data
        .get_statement_result()
        .id(next.id().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(result.records()[0][0], Field::LongValue(42));
    // pg_last_query_id() in the session is the last statement's RedshiftQueryId.
    let query_id = data
        .describe_statement()
        .id(next.id().unwrap())
        .send()
        .await
        .unwrap()
        .redshift_query_id();
    assert!(query_id > 0);
    let last = data
        .execute_statement()
        .session_id(&session)
        .sql("select pg_last_query_id()")
        .wait_time_seconds(30)
        .send()
        .await
        .unwrap();
    let result = data
        .get_statement_result()
        .id(last.id().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(result.records()[0][0], Field::LongValue(query_id));

    // A second statement while one runs is refused.
    let slow = data
        .execute_statement()
        .session_id(&session)
        .sql("select pg_sleep(30)")
        .send()
        .await
        .unwrap();
    let busy = data
        .execute_statement()
        .session_id(&session)
        .sql("select 1")
        .send()
        .await
        .unwrap_err();
    assert_eq!(error_code(&busy), "ValidationException");
    let sessions = data.list_sessions().send().await.unwrap();
    let listed = sessions
        .sessions()
        .iter()
        .find(|s| s.session_id() == session)
        .unwrap();
    assert_eq!(listed.status(), &rd::types::SessionStatusString::Busy);
    assert_eq!(listed.current_statement_id(), slow.id());
    assert!(listed.session_ttl().is_some());
    // Cancelled, it ends ABORTED and the session is free again.
    let cancelled = data
        .cancel_statement()
        .id(slow.id().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(cancelled.status(), Some(true));
    let described = data
        .describe_statement()
        .id(slow.id().unwrap())
        .wait_time_seconds(30)
        .send()
        .await
        .unwrap();
    assert_eq!(
        described.status(),
        Some(&Described::Aborted),
        "{:?}",
        described.error()
    );
    let again = data
        .cancel_statement()
        .id(slow.id().unwrap())
        .send()
        .await
        .unwrap_err();
    assert_eq!(error_code(&again), "ValidationException");
    let after = data
        .execute_statement()
        .session_id(&session)
        .sql("select n from scratch")
        .wait_time_seconds(30)
        .send()
        .await
        .unwrap();
    assert_eq!(after.status(), Some(&Status::Finished));

    // On the emulator's clock, the session closes after its keep-alive.
    server.store.advance(chrono::Duration::seconds(301));
    let closed = data
        .execute_statement()
        .session_id(&session)
        .sql("select 1")
        .send()
        .await
        .unwrap_err();
    assert_eq!(error_code(&closed), "ValidationException");
    let sessions = data.list_sessions().send().await.unwrap();
    let listed = sessions
        .sessions()
        .iter()
        .find(|s| s.session_id() == session)
        .unwrap();
    assert_eq!(listed.status(), &rd::types::SessionStatusString::Closed);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_catalog_and_the_sql_endpoint_see_the_same_data() {
    let server = TestServer::with_sql().await;
    let api = server.client();
    let data = server.data_client();
    let port = workgroup(&api, "ns-data", "wg-data").await;
    run(
        &data,
        "wg-data",
        "create table orders (id int, amount decimal(8,2))",
    )
    .await;
    run(&data, "wg-data", "insert into orders values (1, 9.99)").await;

    let sql = common::sql_connect(port, ADMIN, PASSWORD, "dev")
        .await
        .unwrap();
    let row = sql
        .query_one("select amount::text from orders", &[])
        .await
        .unwrap();
    assert_eq!(
        row.get::<_, String>(0),
        "9.99",
        "written by the Data API, read by SQL"
    );
    sql.batch_execute("insert into orders values (2, 1.00)")
        .await
        .unwrap();
    let id = run(&data, "wg-data", "select count(*) from orders").await;
    let result = data.get_statement_result().id(&id).send().await.unwrap();
    assert_eq!(
        result.records()[0][0],
        Field::LongValue(2),
        "and the other way round"
    );

    let dbs = data
        .list_databases()
        .workgroup_name("wg-data")
        .database("dev")
        .send()
        .await
        .unwrap();
    assert_eq!(dbs.databases(), ["dev"]);
    let schemas = data
        .list_schemas()
        .workgroup_name("wg-data")
        .database("dev")
        .schema_pattern("pub%")
        .send()
        .await
        .unwrap();
    assert_eq!(schemas.schemas(), ["public"]);
    let tables = data
        .list_tables()
        .workgroup_name("wg-data")
        .database("dev")
        .schema_pattern("public")
        .send()
        .await
        .unwrap();
    let names: Vec<_> = tables
        .tables()
        .iter()
        .map(|t| (t.schema(), t.name(), t.r#type()))
        .collect();
    assert_eq!(names, [(Some("public"), Some("orders"), Some("TABLE"))]);
    let described = data
        .describe_table()
        .workgroup_name("wg-data")
        .database("dev")
        .schema("public")
        .table("orders")
        .send()
        .await
        .unwrap();
    assert_eq!(described.table_name(), Some("orders"));
    let columns: Vec<_> = described
        .column_list()
        .iter()
        .map(|c| (c.name().unwrap(), c.type_name().unwrap(), c.precision()))
        .collect();
    assert_eq!(columns, [("id", "int4", 10), ("amount", "numeric", 8)]);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_are_the_data_apis() {
    let server = TestServer::with_sql().await;
    let api = server.client();
    let data = server.data_client();
    workgroup(&api, "ns-data", "wg-data").await;
    let unknown = data
        .describe_statement()
        .id("00000000-0000-0000-0000-000000000000")
        .send()
        .await
        .unwrap_err();
    assert_eq!(error_code(&unknown), "ResourceNotFoundException");
    let no_workgroup = data
        .execute_statement()
        .workgroup_name("nope")
        .database("dev")
        .sql("select 1")
        .send()
        .await
        .unwrap_err();
    assert_eq!(error_code(&no_workgroup), "ValidationException");
    let cluster = data
        .execute_statement()
        .cluster_identifier("c1")
        .db_user("u")
        .database("dev")
        .sql("select 1")
        .send()
        .await
        .unwrap_err();
    assert_eq!(error_code(&cluster), "ValidationException");
    // A database that does not exist fails the statement, with the engine's error.
    let out = data
        .execute_statement()
        .workgroup_name("wg-data")
        .database("nodb")
        .sql("select 1")
        .wait_time_seconds(30)
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), Some(&Status::Failed));
    let described = data
        .describe_statement()
        .id(out.id().unwrap())
        .send()
        .await
        .unwrap();
    assert!(
        described.error().unwrap().contains("does not exist"),
        "{:?}",
        described.error()
    );
    // A failed statement has no result.
    let none = data
        .get_statement_result()
        .id(out.id().unwrap())
        .send()
        .await
        .unwrap_err();
    assert_eq!(error_code(&none), "ResourceNotFoundException");
    // Statements without a session share nothing: a temporary table is gone with its
    // statement, even though engine sessions are pooled.
    for _ in 0..3 {
        run(
            &data,
            "wg-data",
            "create temp table mine (a int); set search_path to nowhere",
        )
        .await;
        let out = data
            .execute_statement()
            .workgroup_name("wg-data")
            .database("dev")
            .sql("select current_setting('search_path'), to_regclass('pg_temp.mine') is null")
            .wait_time_seconds(30)
            .send()
            .await
            .unwrap();
        let result = data
            .get_statement_result()
            .id(out.id().unwrap())
            .send()
            .await
            .unwrap();
        assert_eq!(
            result.records()[0],
            [
                Field::StringValue("\"$user\", public".into()),
                Field::BooleanValue(true)
            ]
        );
    }
    // A DDL statement has none either.
    let id = run(&data, "wg-data", "create table r (a int)").await;
    let none = data
        .get_statement_result()
        .id(&id)
        .send()
        .await
        .unwrap_err();
    assert_eq!(error_code(&none), "ResourceNotFoundException");
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn statements_list_newest_first_and_client_tokens_are_idempotent() {
    let server = TestServer::with_sql().await;
    let api = server.client();
    let data = server.data_client();
    workgroup(&api, "ns-data", "wg-data").await;
    let mut ids = Vec::new();
    for i in 0..5 {
        let out = data
            .execute_statement()
            .workgroup_name("wg-data")
            .database("dev")
            .sql(format!("select {i}"))
            .statement_name(format!("job-{i}"))
            .wait_time_seconds(30)
            .send()
            .await
            .unwrap();
        ids.push(out.id().unwrap().to_string());
    }
    let mut listed = Vec::new();
    let mut token = None;
    loop {
        let page = data
            .list_statements()
            .max_results(2)
            .statement_name("job-")
            .set_next_token(token)
            .send()
            .await
            .unwrap();
        listed.extend(page.statements().iter().map(|s| s.id().to_string()));
        token = page.next_token().map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    ids.reverse();
    assert_eq!(listed, ids, "newest first, across pages");
    let one = data
        .list_statements()
        .statement_name("job-3")
        .status(rd::types::StatusString::Finished)
        .send()
        .await
        .unwrap();
    assert_eq!(one.statements().len(), 1);
    assert_eq!(one.statements()[0].query_string(), Some("select 3"));
    // Another caller sees none of them.
    let other = server.data_client_for("AKIDOTHER", common::REGION);
    let theirs = other.list_statements().send().await.unwrap();
    assert!(theirs.statements().is_empty());

    let token = "token-1";
    let a = data
        .execute_statement()
        .workgroup_name("wg-data")
        .database("dev")
        .sql("select 1")
        .client_token(token)
        .send()
        .await
        .unwrap();
    let b = data
        .execute_statement()
        .workgroup_name("wg-data")
        .database("dev")
        .sql("select 1")
        .client_token(token)
        .send()
        .await
        .unwrap();
    assert_eq!(a.id(), b.id());
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn csv_results_come_from_get_statement_result_v2() {
    let server = TestServer::with_sql().await;
    let api = server.client();
    let data = server.data_client();
    workgroup(&api, "ns-data", "wg-data").await;
    let out = data
        .execute_statement()
        .workgroup_name("wg-data")
        .database("dev")
        .sql("select 1 as a, 'x,y' as b, null as c, json_parse('[1, \"z\"]') as d")
        .result_format(rd::types::ResultFormatString::Csv)
        .wait_time_seconds(30)
        .send()
        .await
        .unwrap();
    let id = out.id().unwrap();
    let v2 = data.get_statement_result_v2().id(id).send().await.unwrap();
    let rd::types::QueryRecords::CsvRecords(csv) = &v2.records()[0] else {
        panic!("{:?}", v2.records());
    };
    assert_eq!(csv, "a,b,c,d\n1,\"x,y\",,\"[1,\"\"z\"\"]\"\n");
    let v1 = data.get_statement_result().id(id).send().await.unwrap_err();
    assert_eq!(error_code(&v1), "ValidationException");
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_concurrent_statements_all_finish() {
    let server = TestServer::with_sql().await;
    let api = server.client();
    let data = server.data_client();
    workgroup(&api, "ns-data", "wg-data").await;
    let mut tasks = Vec::new();
    for i in 0..200 {
        let data = data.clone();
        tasks.push(tokio::spawn(async move {
            let out = data
                .execute_statement()
                .workgroup_name("wg-data")
                .database("dev")
                .sql(format!("select {i}"))
                .send()
                .await
                .unwrap();
            let described = data
                .describe_statement()
                .id(out.id().unwrap())
                .wait_time_seconds(30)
                .send()
                .await
                .unwrap();
            (
                i,
                described.status().cloned(),
                out.id().unwrap().to_string(),
                described.error().map(str::to_string),
            )
        }));
    }
    for task in tasks {
        let (i, status, id, error) = task.await.unwrap();
        assert_eq!(
            status,
            Some(Described::Finished),
            "statement {i}: {error:?}"
        );
        let result = data.get_statement_result().id(&id).send().await.unwrap();
        assert_eq!(result.records()[0][0], Field::LongValue(i));
    }
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn finished_statements_survive_a_restart_and_running_ones_end_failed() {
    let state = common::engine_scratch_dir("data-api-restart");
    let template = common::engine_template().to_string_lossy().into_owned();
    let args = [
        "--state-dir",
        state.to_str().unwrap(),
        "--transition-delay-ms",
        "0",
        "--engine-template",
        &template,
    ];
    let log = state.with_extension("stderr");
    let mut first = common::Process::start(&args, &log).unwrap();
    let api = first.client();
    workgroup(&api, "ns-data", "wg-data").await;
    let data = first.data_client();
    let done = run(&data, "wg-data", "select 'kept' as what, 7 as n").await;
    let running = data
        .execute_statement()
        .workgroup_name("wg-data")
        .database("dev")
        .sql("select pg_sleep(600)")
        .send()
        .await
        .unwrap();
    let running = running.id().unwrap().to_string();
    common::poll_until(std::time::Duration::from_secs(30), || {
        let data = data.clone();
        let running = running.clone();
        async move {
            let d = data.describe_statement().id(running).send().await.ok()?;
            (d.status() == Some(&Described::Started)).then_some(())
        }
    })
    .await;
    first.kill();

    let second = common::Process::start(&args, &log).unwrap();
    let data = second.data_client();
    let result = data.get_statement_result().id(&done).send().await.unwrap();
    assert_eq!(
        result.records()[0],
        [Field::StringValue("kept".into()), Field::LongValue(7)]
    );
    assert_eq!(result.column_metadata()[1].type_name(), Some("int4"));
    let cut = data.describe_statement().id(&running).send().await.unwrap();
    assert_eq!(cut.status(), Some(&Described::Failed));
    assert!(
        cut.error().unwrap().contains("stopped"),
        "{:?}",
        cut.error()
    );
    let listed = data.list_statements().send().await.unwrap();
    assert_eq!(listed.statements().len(), 2);
    drop(second);
    let _ = std::fs::remove_dir_all(&state);
}
