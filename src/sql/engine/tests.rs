//! Tests against a real PostgreSQL (as root here, so through the engine user). They share
//! one template cache in the temporary directory, so initdb runs once per machine.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::cluster::ClusterDir;
use super::supervisor::Cluster;
use super::*;

fn template_cache() -> PathBuf {
    std::env::temp_dir().join("rsl-engine-test-template")
}

fn config(root: &Path) -> EngineConfig {
    EngineConfig {
        bin_dir: None,
        root: root.to_path_buf(),
        durable: false,
        temporary: false,
        idle: Duration::from_secs(600),
        template_cache: Some(template_cache()),
    }
}

/// Engines on `config`, the shared template built first (once for all tests).
async fn engines(config: EngineConfig) -> Engines {
    static WARM: tokio::sync::OnceCell<()> = tokio::sync::OnceCell::const_new();
    let engines = Engines::new(config);
    WARM.get_or_init(|| async {
        let started = Instant::now();
        engines.template().await.expect("the shared template");
        eprintln!("timing: template ready in {:?}", started.elapsed());
    })
    .await;
    engines
}

fn spec(db_name: &str) -> ClusterSpec {
    ClusterSpec {
        id: uuid::Uuid::new_v4().to_string(),
        db_name: db_name.to_string(),
    }
}

fn running(engines: &Engines) -> usize {
    match engines.status() {
        EngineStatus::Available { running, .. } => running,
        other => panic!("engine unavailable: {other:?}"),
    }
}

/// Whether `pid` is a live (not zombie) process.
fn alive(pid: i32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|stat| {
            let state = stat
                .rsplit(')')
                .next()
                .and_then(|r| r.split_whitespace().next());
            state != Some("Z") && state != Some("X")
        })
        .unwrap_or(false)
}

fn postmaster_pid(root: &Path, id: &str) -> i32 {
    let text = std::fs::read_to_string(root.join("clusters").join(id).join("data/postmaster.pid"))
        .expect("postmaster.pid");
    text.lines().next().unwrap().trim().parse().unwrap()
}

async fn until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// The value a test left in table `kept` of `database`.
async fn kept(lease: &Lease, database: &str) -> i32 {
    let client = lease.admin(database).await.unwrap();
    client
        .query_one("SELECT x FROM kept", &[])
        .await
        .unwrap()
        .get(0)
}

/// `config(root)` with fsync on, as with `--state-dir`.
fn durable(root: &Path) -> EngineConfig {
    EngineConfig {
        durable: true,
        ..config(root)
    }
}

async fn one_string(client: &tokio_postgres::Client, sql: &str) -> String {
    client.query_one(sql, &[]).await.unwrap().get(0)
}

#[tokio::test]
async fn an_opened_cluster_answers_as_the_namespace_database() {
    let root = tempfile::tempdir().unwrap();
    let engines = engines(config(root.path())).await;
    let spec = spec("dev");

    let started = Instant::now();
    let lease = engines.open(&spec).await.unwrap();
    eprintln!("timing: first open end to end {:?}", started.elapsed());
    assert_eq!(running(&engines), 1);
    assert!(
        lease.socket().ends_with(".s.PGSQL.5432"),
        "{:?}",
        lease.socket()
    );
    assert!(lease.socket().as_os_str().len() <= 107);
    lease.connect().await.expect("the socket accepts");

    let client = lease.admin("dev").await.unwrap();
    assert_eq!(
        one_string(&client, "SELECT current_database()::text").await,
        "dev"
    );
    assert_eq!(
        one_string(&client, "SELECT current_user::text").await,
        "rdsdb"
    );
    assert_eq!(one_string(&client, "SHOW listen_addresses").await, "");
    assert_eq!(one_string(&client, "SHOW password_encryption").await, "md5");
    assert_eq!(one_string(&client, "SHOW fsync").await, "off");
    assert_eq!(one_string(&client, "SHOW TimeZone").await, "UTC");
    client
        .batch_execute("CREATE TABLE t (x int); INSERT INTO t VALUES (1), (2)")
        .await
        .unwrap();
    let count: i64 = client
        .query_one("SELECT count(*) FROM t", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(count, 2);
    // As in Redshift, any user may create in schema public.
    client
        .batch_execute(
            "CREATE ROLE someone LOGIN; SET ROLE someone; CREATE TABLE public.mine (y int); \
             RESET ROLE",
        )
        .await
        .unwrap();
    drop(client);
    drop(lease);

    engines.shutdown().await;
    assert_eq!(running(&engines), 0);
    assert!(matches!(
        engines.open(&spec).await,
        Err(EngineError::Unavailable(_))
    ));
}

#[tokio::test]
async fn clusters_are_isolated() {
    let root = tempfile::tempdir().unwrap();
    let engines = engines(config(root.path())).await;
    let (a, b) = (spec("dev"), spec("analytics"));
    let (lease_a, lease_b) = tokio::join!(engines.open(&a), engines.open(&b));
    let (lease_a, lease_b) = (lease_a.unwrap(), lease_b.unwrap());
    assert_ne!(lease_a.socket(), lease_b.socket());
    assert_eq!(running(&engines), 2);

    let client_a = lease_a.admin("dev").await.unwrap();
    client_a
        .batch_execute("CREATE TABLE only_a (x int)")
        .await
        .unwrap();
    let client_b = lease_b.admin("analytics").await.unwrap();
    assert_eq!(
        one_string(&client_b, "SELECT current_database()::text").await,
        "analytics"
    );
    let found: Option<String> = client_b
        .query_one("SELECT to_regclass('only_a')::text", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(found, None);
    // Each cluster knows only its own database.
    assert!(lease_b.admin("dev").await.is_err());
    engines.shutdown().await;
}

#[tokio::test]
async fn concurrent_opens_share_one_start() {
    let root = tempfile::tempdir().unwrap();
    let engines = engines(config(root.path())).await;
    let spec = spec("dev");
    let (one, two, three) = tokio::join!(
        engines.open(&spec),
        engines.open(&spec),
        engines.open(&spec)
    );
    let (one, two, three) = (one.unwrap(), two.unwrap(), three.unwrap());
    assert_eq!(one.socket(), two.socket());
    assert_eq!(two.socket(), three.socket());
    assert_eq!(running(&engines), 1);
    engines.shutdown().await;
}

#[tokio::test]
async fn a_removed_cluster_opens_empty() {
    let root = tempfile::tempdir().unwrap();
    let engines = engines(config(root.path())).await;
    let spec = spec("dev");
    let lease = engines.open(&spec).await.unwrap();
    lease
        .admin("dev")
        .await
        .unwrap()
        .batch_execute("CREATE TABLE gone (x int)")
        .await
        .unwrap();
    let pid = postmaster_pid(root.path(), &spec.id);
    drop(lease);

    engines.remove(&spec.id).await;
    assert!(!root.path().join("clusters").join(&spec.id).exists());
    assert!(!alive(pid));
    assert_eq!(running(&engines), 0);
    engines.remove(&spec.id).await; // idempotent

    let lease = engines.open(&spec).await.unwrap();
    let client = lease.admin("dev").await.unwrap();
    let found: Option<String> = client
        .query_one("SELECT to_regclass('gone')::text", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(found, None);
    engines.shutdown().await;
}

#[tokio::test]
async fn an_idle_cluster_stops_and_opens_again() {
    let root = tempfile::tempdir().unwrap();
    let engines = engines(EngineConfig {
        idle: Duration::from_millis(50),
        ..config(root.path())
    })
    .await;
    let spec = spec("dev");
    let lease = engines.open(&spec).await.unwrap();
    lease
        .admin("dev")
        .await
        .unwrap()
        .batch_execute("CREATE TABLE kept (x int); INSERT INTO kept VALUES (3)")
        .await
        .unwrap();
    let pid = postmaster_pid(root.path(), &spec.id);
    let socket = lease.socket().to_path_buf();
    drop(lease);

    until("the idle cluster stops", || running(&engines) == 0).await;
    assert!(!alive(pid));
    assert!(!socket.exists());

    let lease = engines.open(&spec).await.unwrap();
    assert_eq!(running(&engines), 1);
    assert_ne!(postmaster_pid(root.path(), &spec.id), pid);
    assert_eq!(kept(&lease, "dev").await, 3);
    engines.shutdown().await;
}

#[tokio::test]
async fn a_postmaster_left_running_is_stopped_and_replaced() {
    let root = tempfile::tempdir().unwrap();
    let spec = spec("dev");
    let first = engines(durable(root.path())).await;
    let lease = first.open(&spec).await.unwrap();
    lease
        .admin("dev")
        .await
        .unwrap()
        .batch_execute("CREATE TABLE kept (x int); INSERT INTO kept VALUES (5)")
        .await
        .unwrap();
    let old_socket = lease.socket().to_path_buf();
    drop(lease);
    // As if the emulator had been SIGKILLed: the postmaster goes on running.
    let pids = first.abandon().await;
    drop(first);
    assert_eq!(pids.len(), 1);
    assert!(alive(pids[0]));

    let second = engines(durable(root.path())).await;
    let lease = second.open(&spec).await.unwrap();
    assert!(!alive(pids[0]), "the old postmaster was stopped");
    assert_ne!(postmaster_pid(root.path(), &spec.id), pids[0]);
    assert!(
        !old_socket.parent().unwrap().exists(),
        "its socket directory was removed"
    );
    assert_eq!(kept(&lease, "dev").await, 5);
    second.shutdown().await;
}

#[tokio::test]
async fn committed_data_survives_a_restart_when_durable() {
    let root = tempfile::tempdir().unwrap();
    let spec = spec("warehouse");
    let first = engines(durable(root.path())).await;
    let lease = first.open(&spec).await.unwrap();
    let client = lease.admin("warehouse").await.unwrap();
    assert_eq!(one_string(&client, "SHOW fsync").await, "on");
    assert_eq!(one_string(&client, "SHOW synchronous_commit").await, "on");
    client
        .batch_execute("CREATE TABLE kept (x int); INSERT INTO kept VALUES (8)")
        .await
        .unwrap();
    drop((client, lease));
    first.shutdown().await;
    assert!(root.path().join("clusters").join(&spec.id).exists());

    let second = engines(durable(root.path())).await;
    let lease = second.open(&spec).await.unwrap();
    assert_eq!(kept(&lease, "warehouse").await, 8);
    second.shutdown().await;
}

#[tokio::test]
async fn a_temporary_root_is_removed_at_shutdown() {
    let parent = tempfile::tempdir().unwrap();
    // Reachable by the engine user: the tempdir itself is 0700 root's.
    std::fs::set_permissions(
        parent.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o711),
    )
    .unwrap();
    let root = parent.path().join("engine");
    let engines = engines(EngineConfig {
        temporary: true,
        ..config(&root)
    })
    .await;
    let lease = engines.open(&spec("dev")).await.unwrap();
    assert!(root.join("clusters").exists());
    drop(lease);
    engines.shutdown().await;
    assert!(!root.exists());
}

#[tokio::test]
async fn an_unreachable_root_is_named() {
    let parent = tempfile::tempdir().unwrap();
    std::fs::set_permissions(
        parent.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o700),
    )
    .unwrap();
    let engines = engines(config(&parent.path().join("engine"))).await;
    if process::EngineUser::lookup().unwrap().is_none() {
        return; // not root: nothing is unreachable
    }
    match engines.open(&spec("dev")).await {
        Err(EngineError::Start(reason)) => {
            assert!(reason.contains("chmod o+x"), "{reason}");
            assert!(
                reason.contains(&parent.path().display().to_string()),
                "{reason}"
            );
        }
        other => panic!("expected a start error, got {:?}", other.map(|_| ())),
    }
}

#[tokio::test]
async fn an_unreachable_template_cache_is_not_shared() {
    let Some(user) = process::EngineUser::lookup().unwrap() else {
        return; // not root: every cache is reachable
    };
    let parent = tempfile::tempdir().unwrap();
    std::fs::set_permissions(
        parent.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o700),
    )
    .unwrap();
    assert!(!usable_cache(&parent.path().join("cache"), Some(&user)));
    assert!(usable_cache(
        &std::env::temp_dir().join("cache"),
        Some(&user)
    ));
    // The engine still opens, building its template in its own root.
    let root = tempfile::tempdir().unwrap();
    let engines = engines(EngineConfig {
        template_cache: Some(parent.path().join("cache")),
        ..config(root.path())
    })
    .await;
    let lease = engines.open(&spec("dev")).await.unwrap();
    assert!(root.path().join("template").exists());
    drop(lease);
    engines.shutdown().await;
}

#[tokio::test]
async fn without_postgresql_open_says_how_to_get_it() {
    let engines = Engines::new(EngineConfig {
        bin_dir: Some("/nonexistent".into()),
        ..config(Path::new("/nonexistent-root"))
    });
    let reason = engines.unavailable().expect("unavailable");
    assert!(reason.contains("--postgres-bin"), "{reason}");
    let status = serde_json::to_value(engines.status()).unwrap();
    assert_eq!(status["state"], "unavailable");
    assert_eq!(status["reason"], reason.as_str());
    match engines.open(&spec("dev")).await {
        Err(e @ EngineError::Unavailable(_)) => assert!(e.to_string().contains("--postgres-bin")),
        other => panic!("expected Unavailable, got {:?}", other.map(|_| ())),
    }
}

#[tokio::test]
async fn the_status_names_version_and_binaries() {
    let root = tempfile::tempdir().unwrap();
    let engines = Engines::new(config(root.path()));
    let status = serde_json::to_value(engines.status()).unwrap();
    assert_eq!(status["state"], "available", "{status}");
    assert!(status["version"]
        .as_str()
        .unwrap()
        .starts_with(|c: char| c.is_ascii_digit()));
    assert!(Path::new(status["binDir"].as_str().unwrap())
        .join("postgres")
        .is_file());
    assert_eq!(status["running"], 0);
}

#[tokio::test]
async fn ids_other_than_uuid_characters_are_refused() {
    let root = tempfile::tempdir().unwrap();
    let engines = Engines::new(config(root.path()));
    for id in ["", "../etc", "a/b", "a b", "a.b"] {
        let refused = engines
            .open(&ClusterSpec {
                id: id.to_string(),
                db_name: "dev".into(),
            })
            .await;
        assert!(matches!(refused, Err(EngineError::InvalidId(_))), "{id:?}");
        engines.remove(id).await; // and nothing happens
    }
    assert!(!root.path().join("clusters").exists());
}

#[tokio::test]
async fn racing_template_builds_leave_one_template() {
    let cache = tempfile::tempdir().unwrap();
    let (root_a, root_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let with_cache = |root: &Path| EngineConfig {
        template_cache: Some(cache.path().to_path_buf()),
        ..config(root)
    };
    let (a, b) = (
        Engines::new(with_cache(root_a.path())),
        Engines::new(with_cache(root_b.path())),
    );
    let started = Instant::now();
    let (built_a, built_b) = tokio::join!(a.template(), b.template());
    eprintln!("timing: two racing template builds {:?}", started.elapsed());
    let (built_a, built_b) = (built_a.unwrap(), built_b.unwrap());
    assert_eq!(built_a, built_b);
    assert!(built_a.join("PG_VERSION").is_file());
    assert!(
        !built_a.join("postmaster.pid").exists(),
        "the template was stopped"
    );
    let names: Vec<String> = std::fs::read_dir(cache.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(names.len(), 1, "no half-built leftovers: {names:?}");
    assert!(names[0].starts_with("pg"), "{names:?}");
}

/// The steps of a first open, timed one by one.
#[tokio::test]
async fn a_copied_template_starts() {
    let root = tempfile::tempdir().unwrap();
    let engines = engines(config(root.path())).await;
    let template = engines.template().await.unwrap();
    let engine = engines.shared.engine().unwrap();
    let dir = ClusterDir(root.path().join("clusters").join("by-hand"));

    let started = Instant::now();
    dir.create(&template, engine.user.as_ref(), false)
        .await
        .unwrap();
    eprintln!("timing: cluster copy {:?}", started.elapsed());
    assert!(dir.data().join("PG_VERSION").is_file());
    assert!(!dir.0.join("data.tmp").exists());
    let mode = std::fs::metadata(dir.data()).unwrap().permissions();
    assert_eq!(
        std::os::unix::fs::PermissionsExt::mode(&mode) & 0o777,
        0o700
    );

    let started = Instant::now();
    let postmaster = Postmaster::start(
        &engine.bins,
        engine.user.as_ref(),
        &dir.data(),
        false,
        "by-hand",
    )
    .await
    .unwrap();
    eprintln!("timing: start to ready {:?}", started.elapsed());
    let started = Instant::now();
    dir.bootstrap(postmaster.socket_dir(), "dev").await.unwrap();
    eprintln!("timing: bootstrap {:?}", started.elapsed());
    let client = admin::connect(postmaster.socket_dir(), "dev")
        .await
        .unwrap();
    assert_eq!(
        one_string(&client, "SELECT current_database()::text").await,
        "dev"
    );
    drop(client);
    let socket_dir = postmaster.socket_dir().to_path_buf();
    let started = Instant::now();
    postmaster.stop().await;
    eprintln!("timing: stop {:?}", started.elapsed());
    assert!(!socket_dir.exists());
    assert!(!dir.data().join("postmaster.pid").exists(), "a clean stop");
}

#[test]
fn one_idle_watcher_a_cluster_and_a_new_lease_resets_the_idle_time() {
    use std::time::{Duration, Instant};
    let cluster = Cluster::new("c", PathBuf::from("/nonexistent"));
    let idle = Duration::from_secs(10);
    let t0 = Instant::now();
    cluster.acquire();
    cluster.acquire();
    assert!(!cluster.release(t0), "a lease is still held");
    assert!(cluster.release(t0), "idle now: start a watcher");
    assert_eq!(cluster.idle_until(idle), Some(t0 + idle));
    // A lease taken and dropped again while the watcher sleeps: no second watcher, and the
    // idle time counts from the last release.
    cluster.acquire();
    let t1 = t0 + Duration::from_secs(5);
    assert!(!cluster.release(t1), "the watcher already runs");
    assert!(!cluster.idle_for(idle, t0 + idle), "idle for only 5 s");
    assert_eq!(cluster.idle_until(idle), Some(t1 + idle));
    assert!(cluster.idle_for(idle, t1 + idle));
    // The watcher ended with that: the next idle time starts another.
    cluster.acquire();
    assert!(cluster.release(t1));
    // A watcher that finds a lease held ends too.
    cluster.acquire();
    assert_eq!(cluster.idle_until(idle), None);
    assert!(cluster.release(t1), "so the next release starts one");
}

/// Runs this test binary again as an emulator that opens a cluster, SIGKILLs it, and
/// watches its postmaster go (the parent-death signal asks it for a fast shutdown).
#[tokio::test]
async fn a_killed_emulator_leaves_no_postmaster() {
    const ROOT: &str = "RSL_ENGINE_TEST_KILLED_ROOT";
    if let Ok(root) = std::env::var(ROOT) {
        // The emulator to be killed.
        let engines = engines(config(Path::new(&root))).await;
        let spec = spec("dev");
        let _lease = engines.open(&spec).await.unwrap();
        println!("postmaster {}", postmaster_pid(Path::new(&root), &spec.id));
        std::future::pending::<()>().await;
    }
    let root = tempfile::tempdir().unwrap();
    let mut emulator = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "sql::engine::tests::a_killed_emulator_leaves_no_postmaster",
            "--nocapture",
        ])
        .env(ROOT, root.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let stdout = emulator.stdout.take().unwrap();
    let said = tokio::task::spawn_blocking(move || {
        use std::io::BufRead;
        std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
            .find_map(|line| line.strip_prefix("postmaster ")?.trim().parse::<i32>().ok())
    });
    let pid = tokio::time::timeout(Duration::from_secs(60), said)
        .await
        .expect("the emulator opened a cluster in time")
        .unwrap()
        .expect("the emulator said its postmaster's pid");
    assert!(alive(pid));

    let pid_file = std::fs::read_to_string(
        std::fs::read_dir(root.path().join("clusters"))
            .unwrap()
            .next()
            .unwrap()
            .unwrap()
            .path()
            .join("data/postmaster.pid"),
    )
    .unwrap();
    let socket_dir = PathBuf::from(pid_file.lines().nth(4).unwrap().trim());
    assert!(socket_dir.exists());

    emulator.kill().unwrap(); // SIGKILL
    emulator.wait().unwrap();
    until("the orphaned postmaster exits", || !alive(pid)).await;
    // Its socket is gone with it; the directory would go at the cluster's next start.
    assert!(!socket_dir.join(".s.PGSQL.5432").exists());
    std::fs::remove_dir(&socket_dir).unwrap();
}

#[tokio::test]
async fn a_failed_start_says_what_postgres_said_and_leaves_nothing_running() {
    let root = tempfile::tempdir().unwrap();
    let engines = engines(config(root.path())).await;
    let spec = spec("dev");
    drop(engines.open(&spec).await.unwrap());
    engines.shutdown().await;
    let data = root.path().join("clusters").join(&spec.id).join("data");
    std::fs::remove_file(data.join("PG_VERSION")).unwrap();

    let engines = Engines::new(config(root.path()));
    match engines.open(&spec).await {
        Err(EngineError::Start(reason)) => {
            assert!(reason.contains("not a valid data directory"), "{reason}");
        }
        other => panic!("expected a start error, got {:?}", other.map(|_| ())),
    }
    assert_eq!(running(&engines), 0);
    assert!(!data.join("postmaster.pid").exists());
}
