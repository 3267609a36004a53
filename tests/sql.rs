//! The SQL endpoints, as users reach them: namespaces and workgroups made through the SDK,
//! then a real PostgreSQL client (tokio-postgres) connected where GetWorkgroup says.

mod common;

use aws_sdk_redshiftserverless as rs;
use common::{available_port, poll_until, until_gone, TestServer};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_postgres::error::SqlState;
use tokio_postgres::{Client, NoTls};

const ADMIN: &str = "admin";
const PASSWORD: &str = "Secret123";

async fn namespace(client: &rs::Client, name: &str, db: Option<&str>) {
    client
        .create_namespace()
        .namespace_name(name)
        .admin_username(ADMIN)
        .admin_user_password(PASSWORD)
        .set_db_name(db.map(str::to_string))
        .send()
        .await
        .unwrap();
}

/// Makes a workgroup on `namespace` and waits until it is AVAILABLE; its endpoint's port.
async fn workgroup(
    client: &rs::Client,
    namespace: &str,
    name: &str,
    port: Option<i32>,
    params: &[(&str, &str)],
) -> u16 {
    let params = params
        .iter()
        .map(|(k, v)| {
            rs::types::ConfigParameter::builder()
                .parameter_key(*k)
                .parameter_value(*v)
                .build()
        })
        .collect();
    client
        .create_workgroup()
        .workgroup_name(name)
        .namespace_name(namespace)
        .set_port(port)
        .set_config_parameters(Some(params))
        .send()
        .await
        .unwrap();
    available_port(client, name).await
}

async fn connect(
    port: u16,
    user: &str,
    password: &str,
    db: &str,
) -> Result<Client, tokio_postgres::Error> {
    common::sql_connect(port, user, password, db).await
}

fn code(e: &tokio_postgres::Error) -> String {
    e.code()
        .map(|c| c.code().to_string())
        .unwrap_or_else(|| format!("no SQLSTATE: {e}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_workgroup_runs_sql_where_get_workgroup_says() {
    let server = TestServer::with_sql().await;
    let api = server.client();
    namespace(&api, "ns-one", None).await;
    let port = workgroup(&api, "ns-one", "wg-one", None, &[]).await;
    let began = Instant::now();
    let sql = connect(port, ADMIN, PASSWORD, "dev").await.unwrap();
    eprintln!(
        "first session (cluster made and started) in {:?}",
        began.elapsed()
    );
    let row = sql
        .query_one("select current_database(), current_user", &[])
        .await
        .unwrap();
    assert_eq!(row.get::<_, String>(0), "dev");
    assert_eq!(row.get::<_, String>(1), ADMIN);
    sql.batch_execute("create table t (id int primary key, name text); insert into t values (1, 'one'), (2, 'two')")
        .await
        .unwrap();
    let rows = sql
        .query("select name from t where id >= $1 order by id", &[&1i32])
        .await
        .unwrap();
    let names: Vec<String> = rows.iter().map(|r| r.get(0)).collect();
    assert_eq!(names, ["one", "two"]);
    // The admin is a superuser, as in Redshift, and may create databases.
    sql.batch_execute("create database sales").await.unwrap();
    let other = connect(port, ADMIN, PASSWORD, "sales").await.unwrap();
    let db: String = other
        .query_one("select current_database()", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(db, "sales");
    // An error keeps the session usable.
    let e = sql
        .batch_execute("select * from missing")
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some(&SqlState::UNDEFINED_TABLE));
    let n: i64 = sql
        .query_one("select count(*) from t", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(n, 2);
    // The health check reports the engine.
    let health = common::get_text(&format!("{}/_emulator/health", server.url)).await;
    let health: serde_json::Value = serde_json::from_str(&health).unwrap();
    assert_eq!(health["engine"]["state"], "available", "{health}");
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn namespaces_are_isolated_even_with_the_same_database_name() {
    let server = TestServer::with_sql().await;
    let api = server.client();
    namespace(&api, "ns-a", None).await;
    namespace(&api, "ns-b", None).await;
    let port_a = workgroup(&api, "ns-a", "wg-a", None, &[]).await;
    let port_b = workgroup(&api, "ns-b", "wg-b", None, &[]).await;
    assert_ne!(port_a, port_b);
    let a = connect(port_a, ADMIN, PASSWORD, "dev").await.unwrap();
    let b = connect(port_b, ADMIN, PASSWORD, "dev").await.unwrap();
    a.batch_execute("create table only_in_a (x int)")
        .await
        .unwrap();
    let e = b
        .batch_execute("select * from only_in_a")
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some(&SqlState::UNDEFINED_TABLE));
    let in_a: i64 = a
        .query_one(
            "select count(*) from pg_tables where tablename = 'only_in_a'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(in_a, 1);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_name_of_the_namespace_and_wrong_logins() {
    let server = TestServer::with_sql().await;
    let api = server.client();
    namespace(&api, "ns-one", Some("analytics")).await;
    let port = workgroup(&api, "ns-one", "wg-one", None, &[]).await;
    let sql = connect(port, ADMIN, PASSWORD, "analytics").await.unwrap();
    let db: String = sql
        .query_one("select current_database()", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(db, "analytics");
    let e = connect(port, ADMIN, "wrong", "analytics")
        .await
        .unwrap_err();
    assert_eq!(code(&e), "28P01");
    let message = e.as_db_error().unwrap().message();
    assert_eq!(message, "password authentication failed for user \"admin\"");
    let e = connect(port, "nobody", PASSWORD, "analytics")
        .await
        .unwrap_err();
    assert_eq!(code(&e), "28P01");
    let e = connect(port, ADMIN, PASSWORD, "nosuchdb")
        .await
        .unwrap_err();
    assert_eq!(code(&e), "3D000");
    // Users made by SQL log in with their passwords.
    sql.batch_execute("create user bob password 'Bobs1234'")
        .await
        .unwrap();
    let bob = connect(port, "bob", "Bobs1234", "analytics").await.unwrap();
    let who: String = bob
        .query_one("select current_user", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(who, "bob");
    assert_eq!(
        code(&connect(port, "bob", "nope", "analytics").await.unwrap_err()),
        "28P01"
    );
    // A password stored as a SCRAM verifier is checked from a cleartext answer.
    sql.batch_execute(
        "set password_encryption = 'scram-sha-256'; create user carol password 'Carol1234'",
    )
    .await
    .unwrap();
    let carol = connect(port, "carol", "Carol1234", "analytics")
        .await
        .unwrap();
    let who: String = carol
        .query_one("select current_user", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(who, "carol");
    let e = connect(port, "carol", "Carol12345", "analytics")
        .await
        .unwrap_err();
    assert_eq!(code(&e), "28P01");
    // A changed admin password takes effect for new sessions.
    api.update_namespace()
        .namespace_name("ns-one")
        .admin_username(ADMIN)
        .admin_user_password("Changed123")
        .send()
        .await
        .unwrap();
    connect(port, ADMIN, "Changed123", "analytics")
        .await
        .unwrap();
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn iam_logins_are_distinct_users_and_expire_on_the_clock() {
    let server = TestServer::with_sql().await;
    let api = server.client();
    namespace(&api, "ns-one", None).await;
    let port = workgroup(&api, "ns-one", "wg-one", None, &[]).await;
    let creds = api
        .get_credentials()
        .workgroup_name("wg-one")
        .send()
        .await
        .unwrap();
    let user = creds.db_user.unwrap();
    let password = creds.db_password.unwrap();
    assert_eq!(user, format!("IAM:{}", common::ACCOUNT));
    let iam = connect(port, &user, &password, "dev").await.unwrap();
    let row = iam
        .query_one(
            "select current_user::text, usesuper from pg_user where usename = current_user",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(row.get::<_, String>(0), user);
    assert!(!row.get::<_, bool>(1), "an IAM user is not the admin");
    iam.batch_execute("create table public.mine (x int); insert into mine values (1)")
        .await
        .unwrap();
    let n: i64 = iam
        .query_one("select count(*) from mine", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(n, 1);
    // The password is the issued one, for this user only.
    assert_eq!(
        code(&connect(port, ADMIN, &password, "dev").await.unwrap_err()),
        "28P01"
    );
    // Credentials issued for one database do not open another.
    let scoped = api
        .get_credentials()
        .workgroup_name("wg-one")
        .db_name("other")
        .send()
        .await
        .unwrap();
    let e = connect(port, &user, scoped.db_password.as_deref().unwrap(), "dev")
        .await
        .unwrap_err();
    assert_eq!(code(&e), "28P01");
    // After the expiry on the emulator's clock, the password is refused.
    server.store.advance(chrono::Duration::seconds(901));
    let e = connect(port, &user, &password, "dev").await.unwrap_err();
    assert_eq!(code(&e), "28P01");
    // The session opened before goes on.
    iam.query_one("select 1", &[]).await.unwrap();
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listeners_follow_the_lifecycle() {
    let server = TestServer::with_sql().await;
    let api = server.client();
    namespace(&api, "ns-one", None).await;
    // A taken port is skipped: the endpoint reports where it really listens.
    let taken = std::net::TcpListener::bind("127.0.0.1:8201").ok();
    let port = workgroup(&api, "ns-one", "wg-one", Some(8201), &[]).await;
    if taken.is_some() {
        assert_ne!(port, 8201);
    }
    let session = connect(port, ADMIN, PASSWORD, "dev").await.unwrap();
    // A new port moves the listener; the session made before keeps working.
    api.update_workgroup()
        .workgroup_name("wg-one")
        .port(8211)
        .send()
        .await
        .unwrap();
    let moved = available_port(&api, "wg-one").await;
    assert_ne!(moved, port);
    session.query_one("select 1", &[]).await.unwrap();
    connect(moved, ADMIN, PASSWORD, "dev").await.unwrap();
    assert!(tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_err());
    let port = moved;
    // An endpoint access gets a listener of its own.
    api.create_endpoint_access()
        .endpoint_name("ep-one")
        .workgroup_name("wg-one")
        .subnet_ids("subnet-1")
        .send()
        .await
        .unwrap();
    let ep_port = poll_until(Duration::from_secs(10), || async {
        let ep = api
            .get_endpoint_access()
            .endpoint_name("ep-one")
            .send()
            .await
            .ok()?
            .endpoint?;
        (ep.endpoint_status.as_deref() == Some("ACTIVE")).then_some(ep.port? as u16)
    })
    .await;
    assert_ne!(ep_port, port);
    let via_endpoint = connect(ep_port, ADMIN, PASSWORD, "dev").await.unwrap();
    via_endpoint.query_one("select 1", &[]).await.unwrap();
    api.delete_endpoint_access()
        .endpoint_name("ep-one")
        .send()
        .await
        .unwrap();
    until_gone(|| api.get_endpoint_access().endpoint_name("ep-one").send()).await;
    assert!(via_endpoint.query_one("select 1", &[]).await.is_err());
    // DeleteWorkgroup closes the listener and ends its sessions.
    let session = connect(port, ADMIN, PASSWORD, "dev").await.unwrap();
    api.delete_workgroup()
        .workgroup_name("wg-one")
        .send()
        .await
        .unwrap();
    until_gone(|| api.get_workgroup().workgroup_name("wg-one").send()).await;
    let e = session.query_one("select 1", &[]).await.unwrap_err();
    assert!(
        e.is_closed() || e.code() == Some(&SqlState::ADMIN_SHUTDOWN),
        "{e}"
    );
    assert!(tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_err());
    drop(taken);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_workgroup_not_yet_available_has_no_listener() {
    let server = TestServer::serving(chrono::Duration::hours(1), true).await;
    let api = server.client();
    namespace(&api, "ns-one", None).await;
    server.store.settle_all();
    let wg = api
        .create_workgroup()
        .workgroup_name("wg-one")
        .namespace_name("ns-one")
        .port(8207)
        .send()
        .await
        .unwrap()
        .workgroup
        .unwrap();
    assert_eq!(wg.status, Some(rs::types::WorkgroupStatus::Creating));
    assert!(tokio::net::TcpStream::connect(("127.0.0.1", 8207))
        .await
        .is_err());
    let settled = common::http()
        .post(format!("{}/_emulator/settle", server.url))
        .send()
        .await
        .unwrap();
    assert!(settled.status().is_success());
    // Once settle answers, the endpoint listens.
    let port = available_port(&api, "wg-one").await;
    connect(port, ADMIN, PASSWORD, "dev").await.unwrap();
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn require_ssl_and_verified_tls() {
    let server = TestServer::with_sql().await;
    let api = server.client();
    namespace(&api, "ns-one", None).await;
    let port = workgroup(&api, "ns-one", "wg-one", None, &[("require_ssl", "true")]).await;
    let e = connect(port, ADMIN, PASSWORD, "dev").await.unwrap_err();
    assert_eq!(code(&e), "28000");
    let message = e.as_db_error().unwrap().message();
    assert!(message.ends_with("database \"dev\", SSL off"), "{message}");
    let ca = common::get_text(&format!("{}/_emulator/ca.pem", server.url)).await;
    let mut roots = rustls::RootCertStore::empty();
    for cert in rustls_pemfile::certs(&mut ca.as_bytes()) {
        roots.add(cert.unwrap()).unwrap();
    }
    let tls = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    let connector = tokio_postgres_rustls::MakeRustlsConnect::new(tls);
    let (client, connection) = tokio_postgres::Config::new()
        .host("localhost")
        .port(port)
        .user(ADMIN)
        .password(PASSWORD)
        .dbname("dev")
        .ssl_mode(tokio_postgres::config::SslMode::Require)
        .connect(connector)
        .await
        .unwrap();
    tokio::spawn(connection);
    let ssl: bool = client.query_one("select 1 = 1", &[]).await.unwrap().get(0);
    assert!(ssl);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_reaches_the_engine_through_the_front() {
    let server = TestServer::with_sql().await;
    let api = server.client();
    namespace(&api, "ns-one", None).await;
    let port = workgroup(&api, "ns-one", "wg-one", None, &[]).await;
    let sql = connect(port, ADMIN, PASSWORD, "dev").await.unwrap();
    let token = sql.cancel_token();
    let began = Instant::now();
    let sleeping = tokio::spawn(async move { sql.batch_execute("select pg_sleep(30)").await });
    // Cancel once the query runs: poll the engine for it rather than sleep.
    let watcher = connect(port, ADMIN, PASSWORD, "dev").await.unwrap();
    until_running(&watcher, "select pg_sleep%", 1).await;
    token.cancel_query(NoTls).await.unwrap();
    let e = sleeping.await.unwrap().unwrap_err();
    assert_eq!(e.code(), Some(&SqlState::QUERY_CANCELED));
    assert!(began.elapsed() < Duration::from_secs(20));
    // A client that leaves mid-query has its query cancelled too.
    let mut leaving = raw_login(port).await;
    let query = b"select pg_sleep(60) /* leaving */\0";
    let mut message = vec![b'Q'];
    message.extend(((query.len() + 4) as i32).to_be_bytes());
    message.extend(query);
    leaving.write_all(&message).await.unwrap();
    until_running(&watcher, "%leaving%", 1).await;
    drop(leaving);
    until_running(&watcher, "%leaving%", 0).await;
    server.shutdown().await;
}

/// Waits until `n` queries whose text matches `pattern` run in the engine (not counting the
/// watcher's own).
async fn until_running(watcher: &Client, pattern: &str, n: i64) {
    poll_until(Duration::from_secs(10), || async {
        let running: i64 = watcher
            .query_one(
                "select count(*) from pg_stat_activity where query like $1 \
                 and state = 'active' and pid <> pg_backend_pid()",
                &[&pattern],
            )
            .await
            .ok()?
            .get(0);
        (running == n).then_some(())
    })
    .await
}

/// A session logged in as the admin by hand: start-up, MD5, and the greeting read.
async fn raw_login(port: u16) -> tokio::net::TcpStream {
    use redshift_serverless_local::sql::wire;
    let mut raw = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    raw.write_all(&wire::startup_packet(&[
        ("user", ADMIN),
        ("database", "dev"),
    ]))
    .await
    .unwrap();
    let mut head = [0u8; 13];
    raw.read_exact(&mut head).await.unwrap();
    assert_eq!(head[0], b'R');
    assert_eq!(
        i32::from_be_bytes(head[5..9].try_into().unwrap()),
        5,
        "MD5 is asked for"
    );
    let salt: [u8; 4] = head[9..13].try_into().unwrap();
    let response = wire::md5_response(&wire::md5_stored(PASSWORD, ADMIN), salt);
    let mut password = vec![b'p'];
    password.extend(((response.len() + 5) as i32).to_be_bytes());
    password.extend(response.as_bytes());
    password.push(0);
    raw.write_all(&password).await.unwrap();
    // Read up to ReadyForQuery: 'Z', length 5, status.
    let mut seen = Vec::new();
    let mut byte = [0u8; 1];
    while !seen.ends_with(&[b'Z', 0, 0, 0, 5]) {
        raw.read_exact(&mut byte).await.unwrap();
        seen.push(byte[0]);
    }
    raw.read_exact(&mut byte).await.unwrap();
    raw
}

/// Reads what the front answers to `bytes` until it closes the connection.
async fn answer_to(port: u16, bytes: &[u8]) -> Vec<u8> {
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    let _ = stream.write_all(bytes).await;
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut answer)).await;
    answer
}

fn error_code(answer: &[u8]) -> Option<String> {
    if answer.first() != Some(&b'E') {
        return None;
    }
    let body = &answer[5..];
    let at = body.windows(1).position(|w| w[0] == b'C')?;
    let rest = &body[at + 1..];
    let end = rest.iter().position(|&b| b == 0)?;
    Some(String::from_utf8_lossy(&rest[..end]).into_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_ends_only_that_connection() {
    let server = TestServer::with_sql().await;
    let api = server.client();
    namespace(&api, "ns-one", None).await;
    let port = workgroup(&api, "ns-one", "wg-one", None, &[]).await;
    let survivor = connect(port, ADMIN, PASSWORD, "dev").await.unwrap();
    // Garbage.
    let answer = answer_to(port, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").await;
    assert!(
        error_code(&answer).is_some() || answer.is_empty(),
        "{answer:?}"
    );
    // A start-up packet longer than PostgreSQL allows.
    let answer = answer_to(port, &[0, 1, 0, 0, 0, 3, 0, 0]).await;
    assert_eq!(error_code(&answer).as_deref(), Some("08P01"));
    // An unknown protocol version.
    let answer = answer_to(port, &[0, 0, 0, 8, 0, 2, 0, 0]).await;
    assert_eq!(error_code(&answer).as_deref(), Some("0A000"));
    // No user.
    let answer = answer_to(port, &[0, 0, 0, 9, 0, 3, 0, 0, 0]).await;
    assert_eq!(error_code(&answer).as_deref(), Some("28000"));
    // A start-up that never finishes is timed out.
    let began = Instant::now();
    let answer = answer_to(port, &[0, 0, 0, 40, 0, 3, 0, 0]).await;
    assert!(answer.is_empty());
    assert!(
        began.elapsed() < Duration::from_secs(8),
        "{:?}",
        began.elapsed()
    );
    // A bad message length after login.
    let mut raw = raw_login(port).await;
    raw.write_all(&[b'Q', 0, 0, 0, 1]).await.unwrap();
    let mut rest = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), raw.read_to_end(&mut rest)).await;
    let at = rest
        .iter()
        .rposition(|&b| b == b'E')
        .expect("an ErrorResponse");
    assert!(String::from_utf8_lossy(&rest[at..]).contains("08P01"));
    // The other session never noticed.
    survivor.query_one("select 1", &[]).await.unwrap();
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workgroup_config_parameters_are_every_sessions_defaults() {
    let server = TestServer::with_sql().await;
    let api = server.client();
    namespace(&api, "ns-config", None).await;
    let port = workgroup(
        &api,
        "ns-config",
        "wg-config",
        None,
        &[
            ("datestyle", "ISO, DMY"),
            ("search_path", "$user, public, extra"),
            ("max_query_execution_time", "1"),
            ("enable_case_sensitive_identifier", "true"),
        ],
    )
    .await;
    let sql = connect(port, ADMIN, PASSWORD, "dev").await.unwrap();
    let show = |name: &'static str| {
        let sql = &sql;
        async move {
            let rows = sql.simple_query(&format!("show {name}")).await.unwrap();
            first_value(&rows)
        }
    };
    assert_eq!(show("datestyle").await, "ISO, DMY");
    assert_eq!(show("search_path").await, "$user, public, extra");
    assert_eq!(show("enable_case_sensitive_identifier").await, "true");
    // max_query_execution_time is in seconds: a longer query is cancelled.
    let slow = sql.simple_query("select pg_sleep(5)").await.unwrap_err();
    assert_eq!(code(&slow), "57014");
    // A session's own settings override the workgroup's.
    sql.batch_execute("set datestyle to 'ISO, MDY'")
        .await
        .unwrap();
    assert_eq!(show("datestyle").await, "ISO, MDY");

    // UpdateWorkgroup changes the defaults of the sessions that start after it.
    api.update_workgroup()
        .workgroup_name("wg-config")
        .config_parameters(
            rs::types::ConfigParameter::builder()
                .parameter_key("datestyle")
                .parameter_value("SQL, DMY")
                .build(),
        )
        .send()
        .await
        .unwrap();
    let port = available_port(&api, "wg-config").await;
    let fresh = connect(port, ADMIN, PASSWORD, "dev").await.unwrap();
    let rows = fresh.simple_query("show datestyle").await.unwrap();
    assert_eq!(first_value(&rows), "SQL, DMY");
    server.shutdown().await;
}

/// The first value of the first row of a simple query's answer.
fn first_value(messages: &[tokio_postgres::SimpleQueryMessage]) -> String {
    messages
        .iter()
        .find_map(|m| match m {
            tokio_postgres::SimpleQueryMessage::Row(row) => row.get(0).map(str::to_string),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no row in {messages:?}"))
}
