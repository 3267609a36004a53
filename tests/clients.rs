//! Real clients against the built binary: psql, psycopg2, redshift_connector and boto3, run by
//! pytest from `tests/clients/` in a virtualenv with the pinned `tests/clients/requirements.txt`.
//!
//! The virtualenv lives at `target/clients-venv` and is rebuilt when the requirements change
//! (its stamp file holds their SHA-256; `.ci/run` builds the same one ahead of time). Every
//! emulator the suite starts shares one engine template, in the system's temporary directory, so initdb
//! runs once per checkout rather than once per server.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const STAMP: &str = ".requirements-sha256";
const SUITE_LIMIT: Duration = Duration::from_secs(20 * 60);

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn python3() -> PathBuf {
    let found = Command::new("python3")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    assert!(
        found,
        "python3 is required for the client tests (tests/clients): install Python 3.9+ with venv \
         (Debian: apt-get install python3 python3-venv); .ci/run does this"
    );
    PathBuf::from("python3")
}

/// SHA-256 of `path`, hex, computed by Python (the same digest `sha256sum` prints).
fn sha256(python: &Path, path: &Path) -> String {
    let out = Command::new(python)
        .args([
            "-c",
            "import hashlib, sys; print(hashlib.sha256(open(sys.argv[1], 'rb').read()).hexdigest())",
        ])
        .arg(path)
        .output()
        .expect("running python3");
    assert!(
        out.status.success(),
        "hashing {}: {:?}",
        path.display(),
        out
    );
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

fn run(cmd: &mut Command, what: &str) {
    let status = cmd.status().unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(status.success(), "{what} failed: {status}");
}

/// The virtualenv with the pinned requirements, made or remade when its stamp disagrees.
fn ensure_venv(python: &Path) -> PathBuf {
    let root = root();
    let requirements = root.join("tests/clients/requirements.txt");
    let venv = root.join("target/clients-venv");
    let venv_python = venv.join("bin/python");
    let want = sha256(python, &requirements);
    let stamp = venv.join(STAMP);
    let have = std::fs::read_to_string(&stamp).unwrap_or_default();
    if have.trim() == want && venv_python.exists() {
        return venv_python;
    }
    eprintln!("clients: building {} for {}", venv.display(), want);
    let _ = std::fs::remove_dir_all(&venv);
    run(
        Command::new(python).args(["-m", "venv"]).arg(&venv),
        "python3 -m venv target/clients-venv (Debian needs python3-venv)",
    );
    run(
        Command::new(&venv_python)
            .args([
                "-m",
                "pip",
                "install",
                "--disable-pip-version-check",
                "--no-input",
                "-q",
                "-r",
            ])
            .arg(&requirements),
        "pip install -r tests/clients/requirements.txt",
    );
    std::fs::write(&stamp, format!("{want}\n")).unwrap();
    venv_python
}

#[test]
fn real_clients_against_the_built_binary() {
    let python = python3();
    let venv_python = ensure_venv(&python);
    let root = root();
    // In the system's temporary directory, which the engine's unprivileged user can reach
    // whatever the checkout's permissions (see tests/common's engine_template).
    let template = std::env::temp_dir().join("redshift-local-engine-template");
    std::fs::create_dir_all(template.parent().unwrap()).unwrap();

    let mut child = Command::new(&venv_python)
        .args([
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "tests/clients",
        ])
        .current_dir(&root)
        .env("RSL_BIN", env!("CARGO_BIN_EXE_redshift-serverless-local"))
        .env("RSL_ENGINE_TEMPLATE", &template)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .env("PYTHONUNBUFFERED", "1")
        .stdin(Stdio::null())
        .spawn()
        .expect("starting pytest");
    let deadline = Instant::now() + SUITE_LIMIT;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the client suite ran past {SUITE_LIMIT:?} and was stopped");
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    // pytest: 0 all passed, 1 some failed, 5 none collected (also a failure here).
    assert!(
        status.success(),
        "pytest tests/clients failed ({status}); its output is above"
    );
}
