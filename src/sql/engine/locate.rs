//! Finding the PostgreSQL binaries and the version they are.
//!
//! Runs once, synchronously, when `Engines` is made: a handful of `stat`s and one
//! `postgres --version`. A failure is kept as a one-line reason that names the fix.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The oldest major version we run: `postmaster.pid`'s status line, `--wal-segsize` and the
/// `GRANT` on schema public behave the same from 13 on.
const MIN_MAJOR: u32 = 13;

const FIX: &str = "install PostgreSQL 13 or later (e.g. `apt-get install postgresql`) \
                   or pass --postgres-bin <directory holding postgres and initdb>";

/// A directory holding `postgres` and `initdb`, and the version they are.
#[derive(Debug, Clone)]
pub(super) struct Binaries {
    pub dir: PathBuf,
    /// As `postgres --version` says it, e.g. "15.18".
    pub version: String,
    pub major: u32,
}

impl Binaries {
    pub fn postgres(&self) -> PathBuf {
        self.dir.join("postgres")
    }

    pub fn initdb(&self) -> PathBuf {
        self.dir.join("initdb")
    }

    /// One of the client tools beside them (`pg_basebackup`, `pg_dump`, `pg_restore`).
    pub fn tool(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }
}

/// `configured` (`--postgres-bin`) if given, and nothing else then; otherwise
/// `pg_config --bindir`, `postgres` on PATH, the newest `/usr/lib/postgresql/*/bin`.
pub(super) fn locate(configured: Option<&Path>) -> Result<Binaries, String> {
    let dir = match configured {
        Some(dir) if holds_both(dir) => dir.to_path_buf(),
        Some(dir) => {
            return Err(format!(
                "--postgres-bin {} holds no `postgres` and `initdb`: {FIX}",
                dir.display()
            ))
        }
        None => search().ok_or_else(|| {
            format!(
                "no PostgreSQL server found (looked at pg_config --bindir, `postgres` on PATH \
                 and /usr/lib/postgresql/*/bin): {FIX}"
            )
        })?,
    };
    let postgres = dir.join("postgres");
    let output = Command::new(&postgres)
        .arg("--version")
        .output()
        .map_err(|e| {
            format!(
                "could not run {} --version ({e}): {FIX}",
                postgres.display()
            )
        })?;
    let said = String::from_utf8_lossy(&output.stdout);
    let (version, major) = parse_version(&said).ok_or_else(|| {
        format!(
            "{} --version said {:?}, which names no version: {FIX}",
            postgres.display(),
            said.trim()
        )
    })?;
    if major < MIN_MAJOR {
        return Err(format!(
            "PostgreSQL {version} in {} is too old: {FIX}",
            dir.display()
        ));
    }
    Ok(Binaries {
        dir,
        version,
        major,
    })
}

fn holds_both(dir: &Path) -> bool {
    dir.join("postgres").is_file() && dir.join("initdb").is_file()
}

fn search() -> Option<PathBuf> {
    from_pg_config()
        .or_else(from_path)
        .or_else(|| newest_under(Path::new("/usr/lib/postgresql")))
}

fn from_pg_config() -> Option<PathBuf> {
    let output = Command::new("pg_config").arg("--bindir").output().ok()?;
    if !output.status.success() {
        return None;
    }
    let dir = PathBuf::from(String::from_utf8_lossy(&output.stdout).trim());
    holds_both(&dir).then_some(dir)
}

/// `postgres` on PATH is often a symlink into the real bin directory (Debian's
/// /usr/local/bin/postgres here), which is where `initdb` is.
fn from_path() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).find_map(|dir| {
        let postgres = dir.join("postgres");
        if !postgres.is_file() {
            return None;
        }
        let real = std::fs::canonicalize(&postgres).ok()?;
        [real.parent()?.to_path_buf(), dir]
            .into_iter()
            .find(|d| holds_both(d))
    })
}

/// The highest `<root>/<version>/bin` holding both binaries, in numeric order (16 > 9.6).
fn newest_under(root: &Path) -> Option<PathBuf> {
    let mut found: Vec<(Vec<u32>, PathBuf)> = std::fs::read_dir(root)
        .ok()?
        .filter_map(|entry| {
            let entry = entry.ok()?;
            let name = entry.file_name().into_string().ok()?;
            let key = name
                .split('.')
                .map(|part| part.parse::<u32>().ok())
                .collect::<Option<Vec<u32>>>()?;
            let bin = entry.path().join("bin");
            holds_both(&bin).then_some((key, bin))
        })
        .collect();
    found.sort();
    found.pop().map(|(_, bin)| bin)
}

/// "postgres (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)" → ("15.18", 15);
/// "postgres (PostgreSQL) 17beta1" → ("17beta1", 17).
pub(super) fn parse_version(said: &str) -> Option<(String, u32)> {
    let word = said
        .split_whitespace()
        .find(|w| w.starts_with(|c: char| c.is_ascii_digit()))?;
    let digits: String = word.chars().take_while(|c| c.is_ascii_digit()).collect();
    Some((word.to_string(), digits.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_read_from_what_postgres_says() {
        let cases = [
            (
                "postgres (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)\n",
                Some(("15.18", 15)),
            ),
            ("postgres (PostgreSQL) 13.2\n", Some(("13.2", 13))),
            ("postgres (PostgreSQL) 17beta1\n", Some(("17beta1", 17))),
            ("postgres (PostgreSQL)\n", None),
        ];
        for (said, want) in cases {
            let got = parse_version(said);
            assert_eq!(
                got.as_ref().map(|(v, m)| (v.as_str(), *m)),
                want,
                "{said:?}"
            );
        }
    }

    #[test]
    fn the_newest_version_directory_wins_in_numeric_order() {
        let root = tempfile::tempdir().unwrap();
        for version in ["9.6", "13", "15", "100x"] {
            let bin = root.path().join(version).join("bin");
            std::fs::create_dir_all(&bin).unwrap();
            std::fs::write(bin.join("postgres"), "").unwrap();
            std::fs::write(bin.join("initdb"), "").unwrap();
        }
        // Without initdb, a directory does not count.
        let lonely = root.path().join("16").join("bin");
        std::fs::create_dir_all(&lonely).unwrap();
        std::fs::write(lonely.join("postgres"), "").unwrap();
        assert_eq!(
            newest_under(root.path()),
            Some(root.path().join("15").join("bin"))
        );
    }

    #[test]
    fn a_configured_directory_without_binaries_is_refused() {
        let reason = locate(Some(Path::new("/nonexistent"))).unwrap_err();
        assert!(reason.contains("--postgres-bin /nonexistent"), "{reason}");
    }
}
