//! The engine's child processes: the user they run as, the one thread that forks them, and a
//! postmaster's life from spawn to reaped exit.
//!
//! Orphan safety: every child asks the kernel (`PR_SET_PDEATHSIG`) for SIGINT, a fast
//! shutdown, when the thread that forked it dies. That is a *thread*, so all forks happen on
//! one process-wide spawner thread that never exits; a SIGKILLed emulator takes it down and
//! its postmasters shut themselves down.

use std::collections::VecDeque;
use std::ffi::CString;
use std::io;
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{mpsc, Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use tokio::runtime::Handle;

use super::locate::Binaries;
use super::EngineError;

/// The port in every socket's name (`.s.PGSQL.5432`). Each cluster has its own socket
/// directory, so one number serves them all, and no TCP listener is ever opened.
pub(super) const PORT: u16 = 5432;

/// How long a postmaster may take to say `ready`.
const READY_WITHIN: Duration = Duration::from_secs(30);
/// How long a fast shutdown (SIGINT) may take before an immediate one (SIGQUIT).
const STOP_WITHIN: Duration = Duration::from_secs(10);
/// How many of a child's last stderr lines a start-up failure quotes.
const TAIL_LINES: usize = 12;

/// The unprivileged user PostgreSQL runs as when we are root (it refuses to run as root).
#[derive(Debug, Clone)]
pub(super) struct EngineUser {
    pub uid: u32,
    pub gid: u32,
    pub name: String,
}

impl EngineUser {
    /// None when we are not root: the engine then runs as ourselves.
    pub fn lookup() -> Result<Option<EngineUser>, String> {
        // SAFETY: geteuid has no preconditions.
        if unsafe { libc::geteuid() } != 0 {
            return Ok(None);
        }
        ["postgres", "nobody"]
            .into_iter()
            .find_map(passwd_entry)
            .map(Some)
            .ok_or_else(|| {
                "running as root, and PostgreSQL refuses to, but there is no `postgres` or \
                 `nobody` user to run it as: create one (useradd --system postgres)"
                    .to_string()
            })
    }
}

fn passwd_entry(name: &str) -> Option<EngineUser> {
    let cname = CString::new(name).ok()?;
    // SAFETY: passwd is plain data; getpwnam_r fills it, pointing into `buf`, which
    // outlives every read below.
    let mut entry: libc::passwd = unsafe { std::mem::zeroed() };
    let mut buf = vec![0 as libc::c_char; 16 * 1024];
    let mut found: *mut libc::passwd = std::ptr::null_mut();
    let rc = unsafe {
        libc::getpwnam_r(
            cname.as_ptr(),
            &mut entry,
            buf.as_mut_ptr(),
            buf.len(),
            &mut found,
        )
    };
    (rc == 0 && !found.is_null()).then(|| EngineUser {
        uid: entry.pw_uid,
        gid: entry.pw_gid,
        name: name.to_string(),
    })
}

/// Gives `path` to the engine user (no-op when we are not root).
pub(super) fn give(path: &Path, user: Option<&EngineUser>) -> io::Result<()> {
    match user {
        Some(u) => std::os::unix::fs::lchown(path, Some(u.uid), Some(u.gid)),
        None => Ok(()),
    }
}

/// Creates `path` (if absent) as a 0700 directory of the engine user. Blocking.
pub(super) fn private_dir(path: &Path, user: Option<&EngineUser>) -> io::Result<()> {
    match std::fs::DirBuilder::new().mode(0o700).create(path) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists && path.is_dir() => {}
        Err(e) => return Err(e),
    }
    give(path, user)
}

/// Every directory above `path` must be searchable by the engine user, or PostgreSQL
/// cannot reach its data directory. Checked up front so the error names the directory.
/// Blocking (a few `stat`s).
pub(super) fn check_reachable(path: &Path, user: &EngineUser) -> Result<(), String> {
    use std::os::unix::fs::MetadataExt;
    for dir in path.ancestors().skip(1) {
        let Ok(meta) = std::fs::metadata(dir) else {
            continue;
        };
        let mode = meta.mode();
        let searchable = mode & 0o001 != 0
            || (meta.uid() == user.uid && mode & 0o100 != 0)
            || (meta.gid() == user.gid && mode & 0o010 != 0);
        if !searchable {
            return Err(format!(
                "{} is not searchable by the `{}` user PostgreSQL runs as: \
                 `chmod o+x {}`, or keep the state elsewhere",
                dir.display(),
                user.name,
                dir.display()
            ));
        }
    }
    Ok(())
}

/// A command for one of the engine's binaries: a clean environment, the engine user, and
/// the parent-death signal.
pub(super) fn command(program: &Path, user: Option<&EngineUser>) -> Command {
    let mut cmd = Command::new(program);
    cmd.env_clear()
        .env("PATH", "/usr/local/bin:/usr/bin:/bin")
        .env("LC_ALL", "C")
        .current_dir("/")
        .stdin(Stdio::null());
    if let Some(u) = user {
        // std drops the supplementary groups itself (setgroups(0)) when root sets a uid.
        cmd.uid(u.uid).gid(u.gid);
    }
    let spawner = std::process::id() as libc::pid_t;
    // SAFETY: the closure runs between fork and exec and only makes async-signal-safe
    // calls (prctl, getppid) and allocates nothing. It runs after setuid, which would
    // otherwise clear the death signal.
    unsafe {
        cmd.pre_exec(move || {
            if libc::prctl(
                libc::PR_SET_PDEATHSIG,
                libc::SIGINT as libc::c_ulong,
                0,
                0,
                0,
            ) != 0
            {
                return Err(io::Error::last_os_error());
            }
            // The spawner died between fork and prctl: no signal will come, so don't start.
            if libc::getppid() != spawner {
                return Err(io::Error::from_raw_os_error(libc::ESRCH));
            }
            Ok(())
        });
    }
    cmd
}

/// Runs one of the engine's client tools to its end; a failure quotes what it said.
pub(super) async fn run(mut cmd: Command, what: &str) -> Result<(), EngineError> {
    cmd.stdout(Stdio::null()).stderr(Stdio::piped());
    let output = spawn(cmd)
        .await
        .map_err(|e| EngineError::Io(format!("run {what}"), e))?
        .wait_with_output()
        .await
        .map_err(|e| EngineError::Io(format!("wait for {what}"), e))?;
    if output.status.success() {
        return Ok(());
    }
    Err(EngineError::Start(format!(
        "{what} failed ({}): {}",
        output.status,
        String::from_utf8_lossy(&output.stderr).trim()
    )))
}

type Job = Box<dyn FnOnce() + Send>;

/// Spawns `cmd` on the spawner thread, registered with the caller's runtime.
pub(super) async fn spawn(mut cmd: Command) -> io::Result<Child> {
    static SPAWNER: OnceLock<mpsc::Sender<Job>> = OnceLock::new();
    let handle = Handle::current();
    let (tx, rx) = tokio::sync::oneshot::channel();
    let job: Job = Box::new(move || {
        let _runtime = handle.enter();
        let _ = tx.send(cmd.spawn());
    });
    SPAWNER
        .get_or_init(|| {
            let (tx, rx) = mpsc::channel::<Job>();
            // The sender lives in a static, so this loop (and the thread) lasts as long as
            // the process: the parent-death signal must not fire before then.
            std::thread::Builder::new()
                .name("rsl-engine-spawner".into())
                .spawn(move || rx.into_iter().for_each(|job| job()))
                .expect("start the engine's spawner thread");
            tx
        })
        .send(job)
        .map_err(|_| io::Error::other("the engine's spawner thread is gone"))?;
    rx.await
        .map_err(|_| io::Error::other("the engine's spawner thread dropped a spawn"))?
}

/// The last lines a child wrote to stderr, for error messages.
#[derive(Clone, Default)]
pub(super) struct Tail(Arc<Mutex<VecDeque<String>>>);

impl Tail {
    fn push(&self, line: String) {
        let mut lines = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if lines.len() == TAIL_LINES {
            lines.pop_front();
        }
        lines.push_back(line);
    }

    pub fn text(&self) -> String {
        let lines = self.0.lock().unwrap_or_else(|e| e.into_inner());
        lines.iter().cloned().collect::<Vec<_>>().join(" | ")
    }
}

/// Logs a child's stderr line by line (warnings and worse at warn, the rest at debug),
/// keeping the tail.
fn drain(child: &mut Child, label: String, tail: Tail) -> Option<tokio::task::JoinHandle<()>> {
    let stderr = child.stderr.take()?;
    Some(tokio::spawn(async move {
        let mut lines = BufReader::new(stderr).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            if ["WARNING:", "FATAL:", "PANIC:"]
                .iter()
                .any(|level| line.contains(level))
            {
                tracing::warn!(target: "engine", cluster = %label, "{line}");
            } else {
                tracing::debug!(target: "engine", cluster = %label, "{line}");
            }
            tail.push(line);
        }
    }))
}

fn signal(pid: i32, sig: libc::c_int) {
    // SAFETY: kill has no memory preconditions; the pid is a child we have not reaped, so
    // it cannot have been reused.
    unsafe { libc::kill(pid, sig) };
}

/// How a postmaster's durability is set, on its command line: the template is shared by
/// durable and memory-mode runs, so it cannot carry these.
pub(super) fn durability(durable: bool) -> &'static [&'static str] {
    if durable {
        &["fsync=on", "synchronous_commit=on", "full_page_writes=on"]
    } else {
        &[
            "fsync=off",
            "synchronous_commit=off",
            "full_page_writes=off",
        ]
    }
}

/// A running postmaster, our child. Dropping it leaves it running (its death signal and
/// the next start's recovery deal with it); `stop` is the way to end it.
pub(super) struct Postmaster {
    child: Child,
    pid: i32,
    socket_dir: PathBuf,
    label: String,
}

impl Postmaster {
    /// Starts `postgres -D data` and waits until it is ready. A postmaster left running on
    /// `data` by an earlier emulator is stopped first.
    pub async fn start(
        bins: &Binaries,
        user: Option<&EngineUser>,
        data: &Path,
        durable: bool,
        label: &str,
    ) -> Result<Postmaster, EngineError> {
        let data_owned = data.to_path_buf();
        let user_owned = user.cloned();
        let socket_dir = tokio::task::spawn_blocking(move || {
            recover(&data_owned).map_err(EngineError::Start)?;
            socket_dir(user_owned.as_ref())
                .map_err(|e| EngineError::Io("create the engine's socket directory".into(), e))
        })
        .await
        .map_err(|e| EngineError::Start(e.to_string()))??;

        let mut cmd = command(&bins.postgres(), user);
        cmd.arg("-D")
            .arg(data)
            .arg("-p")
            .arg(PORT.to_string())
            .arg("-c")
            .arg(format!("unix_socket_directories={}", socket_dir.display()))
            .arg("-c")
            .arg("listen_addresses=");
        for setting in durability(durable) {
            cmd.arg("-c").arg(setting);
        }
        cmd.stdout(Stdio::null()).stderr(Stdio::piped());
        let mut child = match spawn(cmd).await {
            Ok(child) => child,
            Err(e) => {
                let _ = tokio::fs::remove_dir_all(&socket_dir).await;
                return Err(EngineError::Io(
                    format!("run {}", bins.postgres().display()),
                    e,
                ));
            }
        };
        let pid = child.id().map(|p| p as i32).unwrap_or(0);
        let tail = Tail::default();
        let drained = drain(&mut child, label.to_string(), tail.clone());
        let mut starting = Starting(Some(Postmaster {
            child,
            pid,
            socket_dir,
            label: label.to_string(),
        }));
        let started = Instant::now();
        let ready = starting.get().wait_ready(data).await;
        let postmaster = starting.0.take().expect("held until here");
        match ready {
            Ok(()) => {
                tracing::debug!(target: "engine", cluster = %label, pid,
                    elapsed_ms = started.elapsed().as_millis() as u64, "postmaster ready");
                Ok(postmaster)
            }
            Err(reason) => {
                postmaster.terminate().await;
                // The pipe closes once it and its children are gone: its last words are read.
                if let Some(drained) = drained {
                    let _ = tokio::time::timeout(Duration::from_secs(1), drained).await;
                }
                Err(EngineError::Start(format!(
                    "postgres on {}: {reason}; it said: {}",
                    data.display(),
                    tail.text()
                )))
            }
        }
    }

    pub fn socket_dir(&self) -> &Path {
        &self.socket_dir
    }

    /// Whether the postmaster has exited on its own (it crashed, or someone killed it).
    pub fn exited(&mut self) -> bool {
        !matches!(self.child.try_wait(), Ok(None))
    }

    async fn wait_ready(&mut self, data: &Path) -> Result<(), String> {
        let pid_file = data.join("postmaster.pid");
        let socket = self.socket_dir.join(format!(".s.PGSQL.{PORT}"));
        let deadline = Instant::now() + READY_WITHIN;
        loop {
            match self.child.try_wait() {
                Ok(Some(status)) => {
                    return Err(format!("it exited ({status}) before it was ready"))
                }
                Ok(None) => {}
                Err(e) => return Err(format!("could not watch it: {e}")),
            }
            // PostgreSQL 10 and later write the postmaster's status on line 8.
            if let Ok(text) = tokio::fs::read_to_string(&pid_file).await {
                let lines: Vec<&str> = text.lines().collect();
                let ours = lines.first().map(|l| l.trim()) == Some(self.pid.to_string().as_str());
                if ours
                    && lines.get(7).map(|l| l.trim()) == Some("ready")
                    && tokio::fs::try_exists(&socket).await.unwrap_or(false)
                {
                    return Ok(());
                }
            }
            if Instant::now() > deadline {
                return Err(format!("not ready after {} s", READY_WITHIN.as_secs()));
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    /// A fast shutdown (SIGINT: sessions are ended, a checkpoint is written), falling back
    /// to an immediate one (SIGQUIT) and then SIGKILL. Waits until the child is reaped.
    pub async fn stop(mut self) {
        let started = Instant::now();
        for (sig, within) in [
            (libc::SIGINT, STOP_WITHIN),
            (libc::SIGQUIT, STOP_WITHIN),
            (libc::SIGKILL, STOP_WITHIN),
        ] {
            if !matches!(self.child.try_wait(), Ok(None)) {
                break;
            }
            signal(self.pid, sig);
            match tokio::time::timeout(within, self.child.wait()).await {
                Ok(_) => break,
                Err(_) => tracing::warn!(target: "engine", cluster = %self.label, pid = self.pid,
                    "postmaster still running {} s after signal {sig}", within.as_secs()),
            }
        }
        tracing::debug!(target: "engine", cluster = %self.label, pid = self.pid,
            elapsed_ms = started.elapsed().as_millis() as u64, "postmaster stopped");
        let _ = tokio::fs::remove_dir_all(&self.socket_dir).await;
    }

    /// Ends a postmaster that never became ready.
    async fn terminate(mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            signal(self.pid, libc::SIGQUIT);
            if tokio::time::timeout(STOP_WITHIN, self.child.wait())
                .await
                .is_err()
            {
                let _ = self.child.kill().await;
            }
        }
        let _ = tokio::fs::remove_dir_all(&self.socket_dir).await;
    }

    /// Tests: lose the handle without stopping, as a SIGKILLed emulator would.
    #[cfg(test)]
    pub fn abandon(self) -> i32 {
        let pid = self.pid;
        std::mem::forget(self);
        pid
    }
}

/// Kills and reaps a postmaster whose start was abandoned (the opening future dropped).
struct Starting(Option<Postmaster>);

impl Starting {
    fn get(&mut self) -> &mut Postmaster {
        self.0.as_mut().expect("held until start ends")
    }
}

impl Drop for Starting {
    fn drop(&mut self) {
        if let Some(mut postmaster) = self.0.take() {
            if matches!(postmaster.child.try_wait(), Ok(None)) {
                signal(postmaster.pid, libc::SIGQUIT);
            }
            // tokio reaps a dropped child in the background.
            let _ = std::fs::remove_dir_all(&postmaster.socket_dir);
        }
    }
}

/// A fresh private socket directory with a short path: sun_path holds 107 bytes.
fn socket_dir(user: Option<&EngineUser>) -> io::Result<PathBuf> {
    loop {
        let dir = std::env::temp_dir().join(format!("rsl-{:012x}", rand::random::<u64>() >> 16));
        match private_dir_new(&dir) {
            Ok(()) => {
                give(&dir, user)?;
                return Ok(dir);
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
}

fn private_dir_new(dir: &Path) -> io::Result<()> {
    std::fs::DirBuilder::new().mode(0o700).create(dir)
}

/// What `postmaster.pid`'s pid is now.
enum Holder {
    /// A postmaster on this data directory: left running by an emulator that died, or
    /// half-stopped.
    Postmaster,
    /// Some other process that got the number since (after a reboot, in a container).
    Stranger,
    Gone,
}

/// Before starting on `data`: stop a postmaster still running on it, and clear a pid
/// file whose number now belongs to a stranger (postgres would refuse to start). Blocking.
fn recover(data: &Path) -> Result<(), String> {
    let pid_file = data.join("postmaster.pid");
    let Ok(text) = std::fs::read_to_string(&pid_file) else {
        return Ok(());
    };
    let lines: Vec<&str> = text.lines().collect();
    let Some(pid) = lines
        .first()
        .and_then(|l| l.trim().parse::<i32>().ok())
        .filter(|pid| *pid > 0)
    else {
        // Garbage: postgres itself deals with it.
        return Ok(());
    };
    match holder(pid, data) {
        Holder::Postmaster => {
            tracing::warn!(target: "engine", pid, data = %data.display(),
                "a postmaster left running on this data directory: stopping it (SIGQUIT)");
            signal(pid, libc::SIGQUIT);
            if !wait_gone(pid, data, STOP_WITHIN) {
                signal(pid, libc::SIGKILL);
                if !wait_gone(pid, data, STOP_WITHIN) {
                    return Err(format!(
                        "a postmaster (pid {pid}) left running on {} does not stop",
                        data.display()
                    ));
                }
            }
        }
        Holder::Stranger => {
            let _ = std::fs::remove_file(&pid_file);
        }
        Holder::Gone => {}
    }
    // Line 5 is the old socket directory: remove it if it is one of ours.
    if let Some(dir) = lines.get(4).map(|l| Path::new(l.trim())) {
        let ours = dir.parent() == Some(std::env::temp_dir().as_path())
            && dir
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("rsl-"));
        if ours {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
    Ok(())
}

fn holder(pid: i32, data: &Path) -> Holder {
    let proc = PathBuf::from(format!("/proc/{pid}"));
    let Ok(stat) = std::fs::read_to_string(proc.join("stat")) else {
        return Holder::Gone;
    };
    // The state follows the command name, which is in parentheses and may hold spaces.
    let state = stat
        .rsplit(')')
        .next()
        .and_then(|rest| rest.split_whitespace().next());
    if state == Some("Z") || state == Some("X") {
        // A zombie: if it is our own child, reap it, or postgres counts it as alive.
        let mut status = 0;
        // SAFETY: waitpid only writes `status`.
        unsafe { libc::waitpid(pid, &mut status, libc::WNOHANG) };
        return Holder::Gone;
    }
    let cmdline = std::fs::read(proc.join("cmdline")).unwrap_or_default();
    let program = cmdline.split(|b| *b == 0).next().unwrap_or_default();
    let is_postgres = Path::new(std::str::from_utf8(program).unwrap_or(""))
        .file_name()
        .is_some_and(|n| n == "postgres");
    // A postmaster works in its data directory.
    let cwd = std::fs::read_link(proc.join("cwd")).ok();
    let here = std::fs::canonicalize(data).ok();
    if is_postgres && cwd.is_some() && cwd == here {
        Holder::Postmaster
    } else {
        Holder::Stranger
    }
}

fn wait_gone(pid: i32, data: &Path, within: Duration) -> bool {
    let deadline = Instant::now() + within;
    loop {
        if matches!(holder(pid, data), Holder::Gone) {
            return true;
        }
        if Instant::now() > deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}
