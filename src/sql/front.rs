//! The PostgreSQL-wire front of a workgroup endpoint: one session per client connection.
//!
//! A session is a handshake (SSLRequest at most once, GSSENCRequest declined, CancelRequest
//! forwarded), a login checked here, once (MD5: the namespace admin, GetCredentials
//! passwords, users made by SQL as the engine stores them), a start-up of its own on the
//! engine's Unix socket as the logged-in user, and then a splice: client messages are
//! framed so that `Query` and `Parse` pass through the dialect seam, everything else is
//! forwarded as it came, and the engine's answers are copied back as bytes.

use crate::control::dataplane::LoginTarget;
use crate::control::store::Scope;
use crate::sql::engine::{ClusterSpec, Lease};
use crate::sql::password::{Challenge, Proof};
use crate::sql::wire::{self, BackendKey, PgError, Startup, WireError};
use crate::sql::DataPlane;
use bytes::{BufMut, BytesMut};
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::{TcpStream, UnixStream};
use tokio_util::sync::CancellationToken;

/// The largest `Query` or `Parse` message read whole (to pass it through the dialect); other
/// messages stream through in pieces, so a session's memory stays bounded.
pub const MAX_STATEMENT_BYTES: usize = 64 * 1024 * 1024;

/// Start-up parameters passed on to the engine; the rest (Redshift drivers' own, such as
/// `client_protocol_version` or `driver_version`) stay here.
const FORWARDED_PARAMETERS: &[&str] = &[
    "application_name",
    "client_encoding",
    "DateStyle",
    "datestyle",
    "TimeZone",
    "timezone",
    "extra_float_digits",
    "search_path",
    "options",
    "IntervalStyle",
    "statement_timeout",
    "redshift.enable_case_sensitive_identifier",
    "standard_conforming_strings",
    "escape_string_warning",
];

/// What every session starts with, as in Redshift: a backslash in a string literal is an
/// escape (`'\\.'` is `\.`), without a warning for each.
const REDSHIFT_SESSION: &[(&str, &str)] = &[
    ("standard_conforming_strings", "off"),
    ("escape_string_warning", "off"),
];

/// The workgroup config parameters that are every session's defaults (a client's own start-up
/// parameters override them), the engine setting each becomes, and how its value converts.
const WORKGROUP_DEFAULTS: &[(&str, &str, Convert)] = &[
    ("search_path", "search_path", as_given),
    ("datestyle", "DateStyle", as_given),
    (
        "enable_case_sensitive_identifier",
        "redshift.enable_case_sensitive_identifier",
        as_given,
    ),
    // Seconds in Redshift, milliseconds in the engine; 0 is no limit in both.
    (
        "max_query_execution_time",
        "statement_timeout",
        seconds_as_ms,
    ),
];

/// How a config parameter's value becomes the engine setting's, if it can.
type Convert = fn(&str) -> Option<String>;

fn as_given(value: &str) -> Option<String> {
    Some(value.to_string())
}

fn seconds_as_ms(value: &str) -> Option<String> {
    value
        .trim()
        .parse::<u64>()
        .ok()
        .map(|s| (s.saturating_mul(1000)).to_string())
}

/// The start-up parameters a session on `target`'s workgroup gets from its config.
fn session_defaults(target: &LoginTarget) -> Vec<(String, String)> {
    let redshift = REDSHIFT_SESSION
        .iter()
        .map(|(name, value)| (name.to_string(), value.to_string()));
    let workgroup = target.config.iter().filter_map(|(key, value)| {
        let (_, setting, convert) = WORKGROUP_DEFAULTS
            .iter()
            .find(|(k, _, _)| k.eq_ignore_ascii_case(key))?;
        Some((setting.to_string(), convert(value)?))
    });
    redshift.chain(workgroup).collect()
}

/// Start-up parameters only Redshift's own drivers (redshift_connector, the Redshift JDBC and
/// ODBC drivers) send.
const REDSHIFT_DRIVER_PARAMETERS: &[&str] =
    &["client_protocol_version", "driver_version", "plugin_name"];

/// Whether the client is one of Redshift's drivers. They are told `server_version` 8.0.2, as
/// Redshift tells them (redshift_connector parses it as a version number); other clients
/// (libpq's psql, say, which picks its catalog queries by it) are told the engine's.
fn redshift_driver(params: &[(String, String)]) -> bool {
    params
        .iter()
        .any(|(name, _)| REDSHIFT_DRIVER_PARAMETERS.contains(&name.as_str()))
}

fn parameter_name(body: &[u8]) -> &[u8] {
    wire::take_cstr(body).map_or(body, |(name, _)| name)
}

/// Where a listener's sessions go: a workgroup of an account and region.
#[derive(Clone, Debug)]
pub struct Destination {
    pub scope: Scope,
    pub workgroup: String,
}

/// A client connection, plain or TLS.
pub enum ClientStream {
    Plain(TcpStream),
    Tls(Box<tokio_rustls::server::TlsStream<TcpStream>>),
}

impl AsyncRead for ClientStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            ClientStream::Plain(s) => Pin::new(s).poll_read(cx, buf),
            ClientStream::Tls(s) => Pin::new(s).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for ClientStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            ClientStream::Plain(s) => Pin::new(s).poll_write(cx, buf),
            ClientStream::Tls(s) => Pin::new(s).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            ClientStream::Plain(s) => Pin::new(s).poll_flush(cx),
            ClientStream::Tls(s) => Pin::new(s).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            ClientStream::Plain(s) => Pin::new(s).poll_shutdown(cx),
            ClientStream::Tls(s) => Pin::new(s).poll_shutdown(cx),
        }
    }
}

impl ClientStream {
    fn is_tls(&self) -> bool {
        matches!(self, ClientStream::Tls(_))
    }
}

/// What the handshake ends in.
enum Handshake {
    Session {
        client: ClientStream,
        params: Vec<(String, String)>,
    },
    /// A CancelRequest, already passed on; the connection ends.
    Cancelled,
}

/// Serves one client connection to its end.
pub async fn serve(
    plane: Arc<DataPlane>,
    stream: TcpStream,
    destination: Arc<Destination>,
    stop: CancellationToken,
) {
    let _ = stream.set_nodelay(true);
    let peer = stream
        .peer_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_default();
    let logged_in = async {
        // A start-up that never finishes ends without a word: the client is not listening.
        let handshake = tokio::time::timeout(plane.handshake_timeout, handshake(&plane, stream));
        let (client, params) = match handshake.await.map_err(|_| Failed::gone())?? {
            Handshake::Cancelled => return Ok(None),
            Handshake::Session { client, params } => (client, params),
        };
        login(&plane, client, &params, &destination, &peer)
            .await
            .map(Some)
    };
    match logged_in.await {
        Ok(Some(started)) => splice(&plane, started, stop).await,
        Ok(None) => {}
        Err(Failed { client, error }) => {
            if let (Some(mut client), Some(error)) = (client, error) {
                let _ = client.write_all(&error.to_bytes()).await;
                let _ = client.shutdown().await;
            }
        }
    }
}

/// A login that did not become a session: what to tell the client, if it can be told.
struct Failed {
    client: Option<ClientStream>,
    error: Option<PgError>,
}

impl Failed {
    fn gone() -> Failed {
        Failed {
            client: None,
            error: None,
        }
    }

    fn tell(client: ClientStream, error: PgError) -> Failed {
        Failed {
            client: Some(client),
            error: Some(error),
        }
    }
}

/// Reads start-up packets until one starts a session: TLS at most once, GSS declined.
async fn handshake(plane: &DataPlane, stream: TcpStream) -> Result<Handshake, Failed> {
    let mut client = ClientStream::Plain(stream);
    loop {
        let startup = match wire::read_startup(&mut client).await {
            Ok(startup) => startup,
            Err(WireError::Gone) => return Err(Failed::gone()),
            Err(WireError::Refused(error)) => return Err(Failed::tell(client, error)),
        };
        match startup {
            Startup::Ssl if !client.is_tls() => {
                let ClientStream::Plain(mut tcp) = client else {
                    unreachable!("checked above")
                };
                let Ok(tls) = plane.tls().await else {
                    tcp.write_all(b"N").await.map_err(|_| Failed::gone())?;
                    client = ClientStream::Plain(tcp);
                    continue;
                };
                tcp.write_all(b"S").await.map_err(|_| Failed::gone())?;
                let tls = tls.acceptor.accept(tcp).await.map_err(|_| Failed::gone())?;
                client = ClientStream::Tls(Box::new(tls));
            }
            Startup::Gss if !client.is_tls() => {
                client.write_all(b"N").await.map_err(|_| Failed::gone())?;
            }
            Startup::Ssl | Startup::Gss => {
                let error = PgError::protocol_violation("SSL negotiation requested twice");
                return Err(Failed::tell(client, error));
            }
            Startup::Cancel(key) => {
                plane.cancel(key).await;
                return Ok(Handshake::Cancelled);
            }
            Startup::Start(params) => return Ok(Handshake::Session { client, params }),
        }
    }
}

fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

/// A logged-in session, its engine connection started.
struct Started {
    client: ClientStream,
    engine: UnixStream,
    engine_key: BackendKey,
    /// The key the client was given, which maps to `engine_key` for CancelRequests.
    our_key: BackendKey,
    lease: Lease,
    database: String,
    user: String,
}

/// Checks who the client is, opens the namespace's engine, and starts a session on it.
async fn login(
    plane: &DataPlane,
    mut client: ClientStream,
    params: &[(String, String)],
    destination: &Destination,
    peer: &str,
) -> Result<Started, Failed> {
    let Some(user) = param(params, "user").filter(|u| !u.is_empty()) else {
        return Err(Failed::tell(client, PgError::no_user()));
    };
    let database = param(params, "database")
        .filter(|d| !d.is_empty())
        .unwrap_or(user);
    let Some(target) = plane
        .store
        .login_target(&destination.scope, &destination.workgroup)
    else {
        let error = PgError::cannot_connect(format!(
            "workgroup \"{}\" is not available",
            destination.workgroup
        ));
        return Err(Failed::tell(client, error));
    };
    if target.require_ssl && !client.is_tls() {
        return Err(Failed::tell(
            client,
            PgError::ssl_required(peer, user, database),
        ));
    }
    let spec = ClusterSpec {
        id: target.namespace_id.clone(),
        db_name: target.db_name.clone(),
    };
    let lease = match plane.open(destination, &target, &spec).await {
        Ok(lease) => lease,
        Err(error) => return Err(Failed::tell(client, error)),
    };
    // The admin's and issued passwords are known here; another role's secret is what the
    // engine stores, which decides the challenge.
    let known = target.admin_username.as_deref() == Some(user)
        || user.starts_with("IAM:")
        || user.starts_with("IAMR:");
    let stored = match known {
        true => None,
        false => stored_password(&lease, &target.db_name, user).await,
    };
    let challenge = Challenge::for_stored(stored.as_deref());
    let mut out = BytesMut::new();
    match challenge {
        Challenge::Md5(salt) => wire::authentication(&mut out, wire::AUTH_MD5, Some(salt)),
        Challenge::Cleartext => wire::authentication(&mut out, wire::AUTH_CLEARTEXT, None),
    }
    client.write_all(&out).await.map_err(|_| Failed::gone())?;
    let answered = tokio::time::timeout(
        plane.handshake_timeout,
        wire::read_message(&mut client, wire::MAX_LOGIN_MESSAGE_BYTES),
    );
    let (tag, body) = match answered.await {
        Ok(Ok(message)) => message,
        Ok(Err(WireError::Gone)) | Err(_) => return Err(Failed::gone()),
        Ok(Err(WireError::Refused(error))) => return Err(Failed::tell(client, error)),
    };
    let answer = match wire::password_of(tag, &body) {
        Ok(answer) => String::from_utf8_lossy(answer).into_owned(),
        Err(error) => return Err(Failed::tell(client, error)),
    };
    let proof = Proof {
        challenge,
        answer: &answer,
        user,
    };
    let who = match identify(
        plane,
        destination,
        &target,
        &lease,
        database,
        &proof,
        stored,
    )
    .await
    {
        Some(who) => who,
        None => return Err(Failed::tell(client, PgError::invalid_password(user))),
    };
    let mut with_defaults = session_defaults(&target);
    with_defaults.extend(params.iter().cloned());
    match start_engine(&lease, &with_defaults, user, database, who).await {
        Ok((engine, greeting, engine_key)) => {
            let mut out = BytesMut::new();
            wire::authentication(&mut out, wire::AUTH_OK, None);
            out.extend_from_slice(&greeting.parameters);
            let our_key = plane.register(engine_key, lease.socket());
            wire::backend_key_data(&mut out, our_key);
            out.extend_from_slice(&greeting.ready);
            if client.write_all(&out).await.is_err() {
                plane.unregister(our_key);
                return Err(Failed::gone());
            }
            Ok(Started {
                client,
                engine,
                engine_key,
                our_key,
                lease,
                database: database.to_string(),
                user: user.to_string(),
            })
        }
        Err(error) => Err(Failed::tell(client, error)),
    }
}

/// A session on a namespace's engine for the emulator's own use (the Data API), as an
/// issued user (`IAM:`/`IAMR:`), whose role is made on first use as on a first login.
pub struct EngineSession {
    pub stream: UnixStream,
    /// The engine's key for this session, for cancelling its query.
    pub key: BackendKey,
    /// Holds the cluster running while the session lives.
    pub lease: Lease,
}

/// Opens an [`EngineSession`] on the namespace of `target` as `user`, in `database`.
pub async fn engine_session(
    plane: &DataPlane,
    destination: &Destination,
    target: &LoginTarget,
    user: &str,
    database: &str,
) -> Result<EngineSession, PgError> {
    let spec = ClusterSpec {
        id: target.namespace_id.clone(),
        db_name: target.db_name.clone(),
    };
    let lease = plane.open(destination, target, &spec).await?;
    let who = match target.admin_username.as_deref() == Some(user) {
        true => Identity::Admin,
        false => Identity::Issued,
    };
    let defaults = session_defaults(target);
    let (stream, _, key) = start_engine(&lease, &defaults, user, database, who).await?;
    Ok(EngineSession { stream, key, lease })
}

/// Who a login turned out to be, which decides the engine role made on first login.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Identity {
    /// The namespace's admin user: a superuser, as in Redshift.
    Admin,
    /// A GetCredentials user (`IAM:`/`IAMR:`): an ordinary user, made on first login.
    Issued,
    /// A user made by SQL, checked against the password the engine stores.
    Sql,
}

/// Checks the client's answer against every secret that may log the user in: the admin's
/// password, GetCredentials passwords, and what the engine stores (fetched now unless given).
async fn identify(
    plane: &DataPlane,
    destination: &Destination,
    target: &LoginTarget,
    lease: &Lease,
    database: &str,
    proof: &Proof<'_>,
    stored: Option<String>,
) -> Option<Identity> {
    let user = proof.user;
    let admin = target.admin_username.as_deref() == Some(user);
    if admin
        && target
            .admin_password
            .as_deref()
            .is_some_and(|p| proof.proves(p))
    {
        return Some(Identity::Admin);
    }
    let issued = plane
        .store
        .issued_logins(&destination.scope, &destination.workgroup, user);
    let valid_here = |db: &Option<String>| db.as_deref().is_none_or(|db| db == database);
    if issued
        .iter()
        .any(|i| valid_here(&i.db_name) && proof.proves(&i.password))
    {
        return Some(Identity::Issued);
    }
    let stored = match stored {
        Some(stored) => stored,
        None => stored_password(lease, &target.db_name, user).await?,
    };
    proof.matches_stored(&stored).then_some(if admin {
        Identity::Admin
    } else {
        Identity::Sql
    })
}

/// The secret the engine stores for a role that may log in now, if any.
async fn stored_password(lease: &Lease, database: &str, user: &str) -> Option<String> {
    let admin = lease.admin(database).await.ok()?;
    let row = admin
        .query_opt(
            "select rolpassword from pg_authid where rolname = $1 and rolcanlogin \
             and (rolvaliduntil is null or rolvaliduntil > now())",
            &[&user],
        )
        .await
        .ok()??;
    row.get::<_, Option<String>>(0)
}

/// What the engine said on start-up that the client is told.
struct Greeting {
    /// ParameterStatus (and NoticeResponse) messages, as sent.
    parameters: BytesMut,
    /// ReadyForQuery, as sent.
    ready: BytesMut,
}

/// Starts a session on the engine as `user`, making the role on first login when it is the
/// admin or an issued user.
async fn start_engine(
    lease: &Lease,
    params: &[(String, String)],
    user: &str,
    database: &str,
    who: Identity,
) -> Result<(UnixStream, Greeting, BackendKey), PgError> {
    let mut made_role = false;
    loop {
        match engine_startup(lease, params, user, database).await? {
            Ok(started) => return Ok(started),
            Err(error) if error.code == "28000" && !made_role && who != Identity::Sql => {
                make_role(lease, database, user, who).await?;
                made_role = true;
            }
            Err(error) => return Err(error),
        }
    }
}

fn engine_unreachable(e: impl std::fmt::Display) -> PgError {
    PgError::cannot_connect(format!("the database engine cannot be reached: {e}"))
}

/// One start-up on the engine: the session, or the engine's refusal.
async fn engine_startup(
    lease: &Lease,
    params: &[(String, String)],
    user: &str,
    database: &str,
) -> Result<Result<(UnixStream, Greeting, BackendKey), PgError>, PgError> {
    let mut engine = lease.connect().await.map_err(engine_unreachable)?;
    let mut forwarded: Vec<(&str, &str)> = vec![("user", user), ("database", database)];
    forwarded.extend(
        params
            .iter()
            .filter(|(n, _)| FORWARDED_PARAMETERS.contains(&n.as_str()))
            .map(|(n, v)| (n.as_str(), v.as_str())),
    );
    engine
        .write_all(&wire::startup_packet(&forwarded))
        .await
        .map_err(engine_unreachable)?;
    let mut greeting = Greeting {
        parameters: BytesMut::new(),
        ready: BytesMut::new(),
    };
    let mut key = None;
    loop {
        let (tag, body) = match wire::read_message(&mut engine, wire::MAX_STARTUP_BYTES).await {
            Ok(message) => message,
            Err(_) => return Err(engine_unreachable("the engine closed the connection")),
        };
        match tag {
            b'R' if body.get(0..4) == Some(&0i32.to_be_bytes()) => {}
            b'R' => return Err(PgError::internal("the engine asked for a password")),
            b'S' if redshift_driver(params) && parameter_name(&body) == b"server_version" => {
                put_message(&mut greeting.parameters, tag, b"server_version\08.0.2\0")
            }
            b'S' | b'N' => put_message(&mut greeting.parameters, tag, &body),
            b'K' if body.len() == 8 => {
                key = Some(BackendKey {
                    pid: i32::from_be_bytes(body[0..4].try_into().expect("8 bytes")),
                    secret: i32::from_be_bytes(body[4..8].try_into().expect("8 bytes")),
                })
            }
            b'Z' => {
                put_message(&mut greeting.ready, tag, &body);
                let key =
                    key.ok_or_else(|| PgError::internal("the engine sent no BackendKeyData"))?;
                return Ok(Ok((engine, greeting, key)));
            }
            b'E' => {
                let (code, message) = wire::error_fields(&body);
                return Ok(Err(PgError {
                    severity: "FATAL",
                    code: code.into(),
                    message,
                }));
            }
            _ => return Err(PgError::internal("the engine sent an unexpected message")),
        }
    }
}

fn put_message(out: &mut BytesMut, tag: u8, body: &[u8]) {
    out.put_u8(tag);
    out.put_i32(body.len() as i32 + 4);
    out.put_slice(body);
}

/// Makes the engine role of a login that has none yet.
async fn make_role(
    lease: &Lease,
    database: &str,
    user: &str,
    who: Identity,
) -> Result<(), PgError> {
    let admin = lease.admin(database).await.map_err(engine_unreachable)?;
    let name = quote_ident(user);
    let sql = match who {
        Identity::Admin => format!("create role {name} login superuser createdb createrole"),
        _ => format!("create role {name} login"),
    };
    match admin.batch_execute(&sql).await {
        Ok(()) => Ok(()),
        // Another session made it first: before this one looked (duplicate object), or at
        // the same moment (the catalog's unique index refuses the second row).
        Err(e)
            if e.code() == Some(&tokio_postgres::error::SqlState::DUPLICATE_OBJECT)
                || e.code() == Some(&tokio_postgres::error::SqlState::UNIQUE_VIOLATION) =>
        {
            Ok(())
        }
        Err(e) => Err(PgError::internal(format!(
            "the role for \"{user}\" could not be made: {}",
            e.as_db_error()
                .map_or_else(|| e.to_string(), |db| db.message().to_string())
        ))),
    }
}

/// A quoted SQL identifier.
pub fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Relays the session until either side ends or the endpoint goes away.
async fn splice(plane: &DataPlane, started: Started, stop: CancellationToken) {
    let Started {
        client,
        engine,
        engine_key,
        our_key,
        lease,
        database,
        user,
    } = started;
    let (mut client_read, mut client_write) = tokio::io::split(client);
    let (mut engine_read, engine_write) = engine.into_split();
    let engine_write = tokio::sync::Mutex::new(engine_write);
    let (jobs, mut queued) = tokio::sync::mpsc::channel(1);
    let context = S3Context {
        config: plane.s3(),
        lease: &lease,
        database: &database,
        user: &user,
        key: engine_key,
    };
    let history = history::Session::new(
        lease.history().clone(),
        history::Origin {
            pid: engine_key.pid,
            user: user.as_str().into(),
            database: database.as_str().into(),
            tracked: true,
        },
    );
    let up = forward_frontend(&mut client_read, &engine_write, &jobs, &history);
    let down = relay_backend(
        &mut engine_read,
        &mut client_write,
        &engine_write,
        &mut queued,
        JobContext {
            s3: &context,
            history: &history,
        },
    );
    let ended = tokio::select! {
        up = up => up,
        down = down => down,
        _ = stop.cancelled() => Ending::Stopped,
    };
    match ended {
        Ending::Terminated | Ending::EngineClosed => {}
        Ending::ClientGone => plane.cancel_engine(lease.socket(), engine_key).await,
        Ending::Refused(error) => {
            plane.cancel_engine(lease.socket(), engine_key).await;
            let _ = client_write.write_all(&error.to_bytes()).await;
        }
        Ending::Stopped => {
            plane.cancel_engine(lease.socket(), engine_key).await;
            let error =
                PgError::admin_shutdown("terminating connection due to administrator command");
            let _ = client_write.write_all(&error.to_bytes()).await;
        }
    }
    let _ = client_write.shutdown().await;
    plane.unregister(our_key);
    drop(lease);
}

use crate::sql::history;
use crate::sql::s3::command::{Command, Piece, Refusal};
use crate::sql::s3::Context as S3Context;

/// A COPY or UNLOAD of S3 the front runs itself, handed from the client's direction to the
/// engine's: it runs once the engine has answered the `syncs` messages sent before it.
struct Job {
    pieces: Vec<Piece>,
    /// Each piece's text, for the history.
    texts: Vec<String>,
    syncs: u64,
    /// Sent by the extended protocol: what the client asked besides executing it.
    extended: Option<Extended>,
    done: tokio::sync::oneshot::Sender<()>,
}

/// What the engine's direction of a session works with: the S3 jobs' context, and the
/// session's part in the query history.
#[derive(Clone, Copy)]
struct JobContext<'a> {
    s3: &'a S3Context<'a>,
    history: &'a history::Session,
}

/// The messages of an extended-protocol COPY or UNLOAD, up to its Sync.
#[derive(Clone, Copy, Debug, Default)]
struct Extended {
    parsed: bool,
    bound: bool,
    described_statement: bool,
    described_portal: bool,
    executed: bool,
}

/// Copies the engine's answers to the client a buffer at a time, reading just enough of
/// each message's header to count ReadyForQuery messages; between two of them it runs the
/// COPY and UNLOAD jobs the client's direction hands over, on the same engine session.
async fn relay_backend<R, W, E>(
    engine: &mut R,
    client: &mut W,
    engine_write: &tokio::sync::Mutex<E>,
    jobs: &mut tokio::sync::mpsc::Receiver<Job>,
    context: JobContext<'_>,
) -> Ending
where
    R: AsyncRead + Unpin + Send,
    W: AsyncWrite + Unpin + Send,
    E: AsyncWrite + Unpin + Send,
{
    let mut buffer = BytesMut::with_capacity(64 * 1024);
    // Bytes of the buffer already scanned; bytes of a message past the buffer's end.
    let mut scanned = 0usize;
    let mut beyond = 0usize;
    let mut ready_seen = 0u64;
    let mut status = b'I';
    let mut job: Option<Job> = None;
    loop {
        if let Some(waiting) = job.take_if(|j| ready_seen >= j.syncs) {
            let leftover = buffer.split_off(scanned);
            if !buffer.is_empty() && client.write_all(&buffer).await.is_err() {
                return Ending::ClientGone;
            }
            buffer = leftover;
            scanned = 0;
            match run_job(
                waiting,
                engine,
                client,
                engine_write,
                &mut buffer,
                &mut status,
                context,
            )
            .await
            {
                Ok(()) => {}
                Err(ending) => return ending,
            }
            continue;
        }
        if buffer.capacity() - buffer.len() < 8 * 1024 {
            buffer.reserve(64 * 1024);
        }
        tokio::select! {
            biased;
            queued = jobs.recv(), if job.is_none() => match queued {
                Some(queued) => job = Some(queued),
                None => return Ending::Terminated,
            },
            read = engine.read_buf(&mut buffer) => match read {
                Ok(0) | Err(_) => return Ending::EngineClosed,
                Ok(_) => {}
            },
        }
        // Walk the headers of the messages now in the buffer, stopping after the
        // ReadyForQuery a waiting job waits for.
        let target = job.as_ref().map(|j| j.syncs);
        while scanned < buffer.len() {
            if beyond > 0 {
                let n = beyond.min(buffer.len() - scanned);
                scanned += n;
                beyond -= n;
                continue;
            }
            let rest = &buffer[scanned..];
            if rest.len() < 5 || (rest[0] == b'Z' && rest.len() < 6) {
                break;
            }
            let len = i32::from_be_bytes(rest[1..5].try_into().expect("5 bytes")).max(4) as usize;
            let whole = 1 + len;
            // The history reads how each statement ended: a CommandComplete's tag, an
            // ErrorResponse's fields; a RowDescription names SUPER columns as Redshift does
            // (all small: read whole, unless one is not).
            let read_whole = matches!(rest[0], b'C' | b'E' | b'T') && whole <= MAX_ANSWER_READ;
            if read_whole && whole > rest.len() {
                break;
            }
            if read_whole && rest[0] == b'T' {
                wire::rename_super_columns(&mut buffer[scanned + 5..scanned + whole]);
            }
            let rest = &buffer[scanned..];
            let is_ready = rest[0] == b'Z';
            match rest[0] {
                b'Z' => {
                    status = rest[5];
                    ready_seen += 1;
                    context.history.ready();
                }
                b'C' => context
                    .history
                    .complete(Some(&rest[5..whole.min(rest.len())])),
                b'I' => context.history.complete(None),
                b'E' => context.history.error(&rest[5..whole.min(rest.len())]),
                _ => {}
            }
            if whole <= rest.len() {
                scanned += whole;
            } else {
                beyond = whole - rest.len();
                scanned = buffer.len();
            }
            if is_ready && target.is_some_and(|t| ready_seen >= t) {
                break;
            }
        }
        if job.as_ref().is_some_and(|j| ready_seen >= j.syncs) {
            continue;
        }
        if scanned > 0 {
            let sent = buffer.split_to(scanned);
            scanned = 0;
            if client.write_all(&sent).await.is_err() {
                return Ending::ClientGone;
            }
        }
        if buffer.is_empty() && buffer.capacity() > 1024 * 1024 {
            buffer = BytesMut::with_capacity(64 * 1024);
        }
    }
}

/// The longest CommandComplete, ErrorResponse or RowDescription the relay reads whole.
const MAX_ANSWER_READ: usize = 16 * 1024;

/// Joins what the relay had read past the last ReadyForQuery with the engine's two halves.
struct Joined<'a, R, E> {
    leftover: &'a mut BytesMut,
    read: &'a mut R,
    write: &'a mut E,
}

impl<R: AsyncRead + Unpin, E: Unpin> AsyncRead for Joined<'_, R, E> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if !this.leftover.is_empty() {
            let n = this.leftover.len().min(buf.remaining());
            buf.put_slice(&this.leftover.split_to(n));
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut *this.read).poll_read(cx, buf)
    }
}

impl<R: Unpin, E: AsyncWrite + Unpin> AsyncWrite for Joined<'_, R, E> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut *self.get_mut().write).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut *self.get_mut().write).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut *self.get_mut().write).poll_shutdown(cx)
    }
}

/// Runs one job on the engine session and answers the client as Redshift would.
async fn run_job<R, W, E>(
    job: Job,
    engine: &mut R,
    client: &mut W,
    engine_write: &tokio::sync::Mutex<E>,
    buffer: &mut BytesMut,
    status: &mut u8,
    context: JobContext<'_>,
) -> Result<(), Ending>
where
    R: AsyncRead + Unpin + Send,
    W: AsyncWrite + Unpin + Send,
    E: AsyncWrite + Unpin + Send,
{
    let mut writer = engine_write.lock().await;
    let joined = Joined {
        leftover: buffer,
        read: engine,
        write: &mut *writer,
    };
    let mut session = crate::sql::s3::session::Session::new(joined, *status);
    let ran = run_pieces(&job, &mut session, client, context).await;
    context.history.end_implicit();
    *status = session.status();
    let (joined, unread) = session.into_parts();
    let mut rest = BytesMut::from(&unread[..]);
    rest.extend_from_slice(joined.leftover);
    *joined.leftover = rest;
    drop(writer);
    let mut out = BytesMut::new();
    put_message(&mut out, b'Z', &[*status]);
    let written = match ran {
        Ok(()) => client.write_all(&out).await.map_err(|_| Ending::ClientGone),
        Err(ending) => Err(ending),
    };
    let _ = job.done.send(());
    written
}

/// The job's statements as the engine runs a query's: outside a transaction block, several
/// statements (none of them one of transaction control) run in one implicit transaction,
/// committed when all succeed and rolled back at the first failure.
async fn run_pieces<S, W>(
    job: &Job,
    session: &mut crate::sql::s3::session::Session<S>,
    client: &mut W,
    context: JobContext<'_>,
) -> Result<(), Ending>
where
    S: AsyncRead + AsyncWrite + Unpin + Send,
    W: AsyncWrite + Unpin + Send,
{
    const CONTROL: &[&str] = &["begin", "start", "commit", "end", "rollback", "abort"];
    let implicit = job.pieces.len() > 1
        && session.status() == b'I'
        && !job.pieces.iter().any(|p| match p {
            Piece::Engine(sql) => {
                let word = sql.split(|c: char| !c.is_ascii_alphabetic()).next();
                word.is_some_and(|w| CONTROL.iter().any(|c| w.eq_ignore_ascii_case(c)))
            }
            Piece::S3(_) => false,
        });
    if implicit && session.query("BEGIN").await.is_err() {
        return Err(Ending::EngineClosed);
    }
    let all = run_each(job, session, client, context).await?;
    if implicit {
        let end = if all { "COMMIT" } else { "ROLLBACK" };
        if let Err(e) = session.query(end).await {
            if e.is_lost() {
                return Err(Ending::EngineClosed);
            }
            let mut out = BytesMut::new();
            error_response(&mut out, &e.code, &e.message);
            client
                .write_all(&out)
                .await
                .map_err(|_| Ending::ClientGone)?;
        }
    }
    Ok(())
}

/// The job's statements in order, up to the first that fails; each one's answers are
/// written to the client as it ends (the closing ReadyForQuery is the caller's). Whether all
/// of them succeeded.
async fn run_each<S, W>(
    job: &Job,
    session: &mut crate::sql::s3::session::Session<S>,
    client: &mut W,
    context: JobContext<'_>,
) -> Result<bool, Ending>
where
    S: AsyncRead + AsyncWrite + Unpin + Send,
    W: AsyncWrite + Unpin + Send,
{
    let extended = job.extended.unwrap_or_default();
    let log = context.history.log();
    for (n, piece) in job.pieces.iter().enumerate() {
        let mut out = BytesMut::new();
        let text = job.texts.get(n).map_or("", String::as_str);
        let id = (job.extended.is_none() || extended.executed).then(|| context.history.begin(text));
        let ended = |outcome| {
            if let Some(id) = id {
                log.finish(id, outcome);
            }
        };
        let command = match piece {
            Piece::Engine(sql) => {
                let sql = crate::sql::dialect::translate(sql);
                let ran = session.relay(&sql, client).await;
                ended(match ran {
                    Ok(true) => history::Outcome::Done { rows: 0 },
                    _ => history::Outcome::Failed {
                        code: String::new(),
                        message: String::new(),
                    },
                });
                match ran {
                    Ok(true) => continue,
                    Ok(false) => return Ok(false),
                    Err(_) => return Err(Ending::EngineClosed),
                }
            }
            Piece::S3(command) => match &**command {
                Err(refusal) => {
                    ended(history::Outcome::Failed {
                        code: refusal.code.to_string(),
                        message: refusal.message.clone(),
                    });
                    error_response(&mut out, refusal.code, &refusal.message);
                    client
                        .write_all(&out)
                        .await
                        .map_err(|_| Ending::ClientGone)?;
                    return Ok(false);
                }
                Ok(command) => command,
            },
        };
        if job.extended.is_some() {
            extended_replies(&mut out, extended);
            if !extended.executed {
                client
                    .write_all(&out)
                    .await
                    .map_err(|_| Ending::ClientGone)?;
                continue;
            }
        }
        let failed = match crate::sql::s3::run(command, session, context.s3).await {
            Ok(done) => {
                ended(history::Outcome::Done {
                    rows: wire::tag_rows(done.tag.as_bytes()).unwrap_or(0),
                });
                for notice in &done.notices {
                    info_notice(&mut out, notice);
                }
                let mut tag = done.tag.into_bytes();
                tag.push(0);
                put_message(&mut out, b'C', &tag);
                None
            }
            Err(error) => {
                ended(history::Outcome::Failed {
                    code: error.code.to_string(),
                    message: error.message.clone(),
                });
                error_response(&mut out, &error.code, &error.message);
                Some(error.code.starts_with("08"))
            }
        };
        client
            .write_all(&out)
            .await
            .map_err(|_| Ending::ClientGone)?;
        match failed {
            None => {}
            Some(false) => return Ok(false),
            Some(true) => return Err(Ending::EngineClosed),
        }
    }
    Ok(true)
}

/// What the extended protocol's messages before Execute are answered with.
fn extended_replies(out: &mut BytesMut, extended: Extended) {
    if extended.parsed {
        put_message(out, b'1', b"");
    }
    if extended.bound {
        put_message(out, b'2', b"");
    }
    if extended.described_statement {
        put_message(out, b't', &0i16.to_be_bytes());
    }
    if extended.described_statement || extended.described_portal {
        put_message(out, b'n', b"");
    }
}

fn error_response(out: &mut BytesMut, code: &str, message: &str) {
    let mut body = BytesMut::new();
    for (field, value) in [
        (b'S', "ERROR"),
        (b'V', "ERROR"),
        (b'C', code),
        (b'M', message),
    ] {
        body.put_u8(field);
        body.put_slice(value.as_bytes());
        body.put_u8(0);
    }
    body.put_u8(0);
    put_message(out, b'E', &body);
}

fn info_notice(out: &mut BytesMut, message: &str) {
    let mut body = BytesMut::new();
    for (field, value) in [
        (b'S', "INFO"),
        (b'V', "INFO"),
        (b'C', "00000"),
        (b'M', message),
    ] {
        body.put_u8(field);
        body.put_slice(value.as_bytes());
        body.put_u8(0);
    }
    body.put_u8(0);
    put_message(out, b'N', &body);
}

enum Ending {
    /// The client said Terminate.
    Terminated,
    /// The client went away without a word: its query, if one runs, is cancelled.
    ClientGone,
    EngineClosed,
    /// The client broke the protocol.
    Refused(PgError),
    /// The endpoint was deleted.
    Stopped,
}

/// Forwards the client's messages to the engine: `Query` and `Parse` whole, through the
/// dialect; the rest as they come, a large one in pieces. A COPY or UNLOAD of S3 is not
/// forwarded: it becomes a [`Job`] for the engine's direction, and the client's next
/// messages wait until it is done.
async fn forward_frontend<R, W>(
    client: &mut R,
    engine: &tokio::sync::Mutex<W>,
    jobs: &tokio::sync::mpsc::Sender<Job>,
    history: &history::Session,
) -> Ending
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let mut input = BytesMut::with_capacity(16 * 1024);
    let mut out = BytesMut::with_capacity(16 * 1024);
    // Bytes of a passed-through message not yet seen.
    let mut streaming = 0usize;
    let mut terminated = false;
    // Messages sent that the engine ends its answer to with a ReadyForQuery.
    let mut syncs = 0u64;
    // Syncs sent since the last Query or Execute, which a COPY FROM STDIN it started ignores.
    let mut syncs_in_copy = 0u64;
    // An extended-protocol COPY or UNLOAD read up to its Sync (its messages kept here), and
    // its text.
    let mut held: Option<(Result<Command, Refusal>, Extended, String)> = None;
    // Statements prepared from a COPY or UNLOAD of S3, by name: the engine has none of them.
    let mut prepared: Vec<(Vec<u8>, Result<Command, Refusal>, String)> = Vec::new();
    loop {
        if input.capacity() - input.len() < 4096 {
            input.reserve(16 * 1024);
        }
        match client.read_buf(&mut input).await {
            Ok(0) | Err(_) => {
                return if terminated {
                    Ending::Terminated
                } else {
                    Ending::ClientGone
                }
            }
            Ok(_) => {}
        }
        loop {
            if streaming > 0 {
                let n = streaming.min(input.len());
                if n == 0 {
                    break;
                }
                let piece = input.split_to(n);
                if held.is_none() {
                    out.extend_from_slice(&piece);
                }
                streaming -= n;
                continue;
            }
            if input.len() < 5 {
                break;
            }
            let tag = input[0];
            let len = i32::from_be_bytes(input[1..5].try_into().expect("5 bytes"));
            if len < 4 {
                return Ending::Refused(PgError::protocol_violation(format!(
                    "invalid message length {len}"
                )));
            }
            let whole = 1 + len as usize;
            if matches!(tag, b'Q' | b'P') {
                if whole - 5 > MAX_STATEMENT_BYTES {
                    return Ending::Refused(PgError::protocol_violation(format!(
                        "statement of {} bytes is longer than the {MAX_STATEMENT_BYTES} bytes allowed",
                        whole - 5
                    )));
                }
                if input.len() < whole {
                    input.reserve(whole - input.len());
                    break;
                }
                let message = input.split_to(whole);
                let pieces = match tag {
                    b'Q' => sql_of(&message).and_then(crate::sql::s3::command::pieces),
                    _ => None,
                };
                if let Some(pieces) = pieces {
                    if let Err(ending) = flush(engine, &mut out).await {
                        return ending;
                    }
                    let texts = sql_of(&message)
                        .map(history::statements)
                        .unwrap_or_default()
                        .into_iter()
                        .map(String::from)
                        .collect();
                    if let Err(ending) = hand_over(jobs, pieces, texts, syncs, None).await {
                        return ending;
                    }
                    continue;
                }
                let command = match tag {
                    b'P' => sql_of(&message).and_then(crate::sql::s3::command::classify),
                    _ => None,
                };
                match command {
                    Some(command) => {
                        let name = statement_name(&message).to_vec();
                        let text = sql_of(&message).unwrap_or_default().to_string();
                        prepared.retain(|(n, _, _)| *n != name);
                        prepared.push((name, command.clone(), text.clone()));
                        let parsed = Extended {
                            parsed: true,
                            ..Extended::default()
                        };
                        held = Some((command, parsed, text));
                    }
                    None if held.is_some() => {}
                    None => {
                        if let Some(sql) = sql_of(&message) {
                            match tag {
                                b'Q' => history.query(sql),
                                _ => history.parse(statement_name(&message), sql),
                            }
                            if history::reads_history(sql) {
                                history.log().write().await;
                            }
                        }
                        if tag == b'Q' {
                            syncs += 1;
                            syncs_in_copy = 0;
                        }
                        crate::sql::dialect::rewrite_message(message, &mut out);
                    }
                }
                continue;
            }
            if tag == b'B' && held.is_none() && input.len() >= whole {
                let named = bound_statement(&input[..whole]);
                if let Some((_, command, text)) = prepared.iter().find(|(n, _, _)| n == named) {
                    held = Some((command.clone(), Extended::default(), text.clone()));
                }
            }
            if held.is_none() {
                // The history follows the extended protocol's statements by name; the
                // names open the message, so they are read even from a partial one.
                let body = &input[5..whole.min(input.len())];
                match tag {
                    b'B' => {
                        let (portal, statement) = bound_names(body);
                        history.bind(portal, statement);
                    }
                    b'E' => history.execute(wire::take_cstr(body).map_or(&[][..], |(n, _)| n)),
                    b'C' if !body.is_empty() => {
                        let name = wire::take_cstr(&body[1..]).map_or(&[][..], |(n, _)| n);
                        history.close(body[0], name);
                    }
                    _ => {}
                }
            }
            if let Some((_, extended, _)) = held.as_mut() {
                match tag {
                    b'B' => extended.bound = true,
                    b'D' if input.get(5) == Some(&b'S') => extended.described_statement = true,
                    b'D' => extended.described_portal = true,
                    b'E' => extended.executed = true,
                    _ => {}
                }
            }
            if tag == b'S' {
                if let Some((command, extended, text)) = held.take() {
                    let _ = input.split_to(whole.min(input.len()));
                    if let Err(ending) = flush(engine, &mut out).await {
                        return ending;
                    }
                    let pieces = vec![Piece::S3(Box::new(command))];
                    let texts = vec![text];
                    if let Err(ending) = hand_over(jobs, pieces, texts, syncs, Some(extended)).await
                    {
                        return ending;
                    }
                    continue;
                }
            }
            if held.is_none() {
                match tag {
                    b'S' | b'F' => {
                        syncs += 1;
                        syncs_in_copy += u64::from(tag == b'S');
                        history.sync();
                    }
                    b'E' => syncs_in_copy = 0,
                    // The engine ignores a Sync that reaches it during COPY FROM STDIN (as
                    // tokio-postgres's, sent with its Execute, does): it owes no answer to it.
                    b'c' | b'f' => {
                        syncs -= syncs_in_copy;
                        history.unsync(syncs_in_copy);
                        syncs_in_copy = 0;
                    }
                    _ => {}
                }
            }
            if input.len() >= whole {
                let message = input.split_to(whole);
                if held.is_none() {
                    out.extend_from_slice(&message);
                }
            } else {
                streaming = whole - input.len();
                let piece = input.split();
                if held.is_none() {
                    out.extend_from_slice(&piece);
                }
            }
            if tag == b'X' {
                terminated = true;
            }
        }
        if let Err(ending) = flush(engine, &mut out).await {
            return ending;
        }
        if input.is_empty() {
            // Give a burst's buffer back rather than keep its high-water mark.
            if input.capacity() > 1024 * 1024 {
                input = BytesMut::with_capacity(16 * 1024);
            }
        }
    }
}

/// The statement a whole `Parse` message names.
fn statement_name(message: &[u8]) -> &[u8] {
    wire::take_cstr(&message[5..]).map_or(&[][..], |(name, _)| name)
}

/// The statement a whole `Bind` message binds (after its portal's name).
fn bound_statement(message: &[u8]) -> &[u8] {
    bound_names(&message[5..]).1
}

/// The portal and the statement a `Bind` message's body names.
fn bound_names(body: &[u8]) -> (&[u8], &[u8]) {
    match wire::take_cstr(body) {
        Some((portal, rest)) => (portal, wire::take_cstr(rest).map_or(&[][..], |(s, _)| s)),
        None => (&[][..], &[][..]),
    }
}

/// The SQL of a whole `Query` or `Parse` message, if it is UTF-8.
fn sql_of(message: &[u8]) -> Option<&str> {
    let body = &message[5..];
    let sql_at = match message[0] {
        b'P' => body.iter().position(|&b| b == 0)? + 1,
        _ => 0,
    };
    let len = body[sql_at..].iter().position(|&b| b == 0)?;
    std::str::from_utf8(&body[sql_at..sql_at + len]).ok()
}

async fn flush<W: AsyncWrite + Unpin>(
    engine: &tokio::sync::Mutex<W>,
    out: &mut BytesMut,
) -> Result<(), Ending> {
    if out.is_empty() {
        return Ok(());
    }
    let written = engine.lock().await.write_all(out).await;
    out.clear();
    written.map_err(|_| Ending::EngineClosed)
}

/// Hands a job to the engine's direction and waits until it is done.
async fn hand_over(
    jobs: &tokio::sync::mpsc::Sender<Job>,
    pieces: Vec<Piece>,
    texts: Vec<String>,
    syncs: u64,
    extended: Option<Extended>,
) -> Result<(), Ending> {
    let (done, finished) = tokio::sync::oneshot::channel();
    let job = Job {
        pieces,
        texts,
        syncs,
        extended,
        done,
    };
    if jobs.send(job).await.is_err() {
        return Err(Ending::EngineClosed);
    }
    finished.await.map_err(|_| Ending::EngineClosed)
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn forwarded(input: &[u8]) -> (Vec<u8>, bool) {
        let (mut client, mut ours) = tokio::io::duplex(64);
        let (engine_side, mut engine) = tokio::io::duplex(1 << 20);
        let input = input.to_vec();
        let writer = tokio::spawn(async move {
            client.write_all(&input).await.unwrap();
            drop(client);
        });
        let engine_side = tokio::sync::Mutex::new(engine_side);
        let (jobs, _queued) = tokio::sync::mpsc::channel(1);
        let (_dir, history) = test_history();
        let ending = forward_frontend(&mut ours, &engine_side, &jobs, &history).await;
        writer.await.unwrap();
        drop(engine_side);
        let mut got = Vec::new();
        engine.read_to_end(&mut got).await.unwrap();
        (got, matches!(ending, Ending::Terminated))
    }

    /// A session's part in a history of its own, kept in a temporary directory.
    fn test_history() -> (tempfile::TempDir, history::Session) {
        let dir = tempfile::tempdir().unwrap();
        let origin = history::Origin {
            pid: 1,
            user: "admin".into(),
            database: "dev".into(),
            tracked: true,
        };
        let log = Arc::new(history::Log::empty(dir.path()));
        (dir, history::Session::new(log, origin))
    }

    fn message(tag: u8, body: &[u8]) -> Vec<u8> {
        let mut out = BytesMut::new();
        put_message(&mut out, tag, body);
        out.to_vec()
    }

    #[tokio::test]
    async fn messages_pass_through_whole_and_in_pieces() {
        let mut input = message(b'Q', b"select 1\0");
        input.extend(message(b'd', &vec![7u8; 200_000]));
        input.extend(message(b'P', b"\0select $1\0\0\0"));
        input.extend(message(b'X', b""));
        let (got, terminated) = forwarded(&input).await;
        assert_eq!(got, input);
        assert!(terminated);
    }

    #[tokio::test]
    async fn a_client_that_leaves_mid_message_is_gone() {
        let mut input = message(b'Q', b"select 1\0");
        input.truncate(6);
        let (got, terminated) = forwarded(&input).await;
        assert!(got.is_empty());
        assert!(!terminated);
    }

    #[tokio::test]
    async fn bad_lengths_are_refused() {
        let (mut client, mut ours) = tokio::io::duplex(64);
        let (engine_side, _engine) = tokio::io::duplex(64);
        let engine_side = tokio::sync::Mutex::new(engine_side);
        let (jobs, _queued) = tokio::sync::mpsc::channel(1);
        client.write_all(&[b'Q', 0, 0, 0, 2]).await.unwrap();
        let (_dir, history) = test_history();
        let ending = forward_frontend(&mut ours, &engine_side, &jobs, &history).await;
        assert!(matches!(ending, Ending::Refused(e) if e.code == "08P01"));
        client.write_all(&[b'Q', 0x7f, 0, 0, 0]).await.unwrap();
        let (_dir, history) = test_history();
        let ending = forward_frontend(&mut ours, &engine_side, &jobs, &history).await;
        assert!(matches!(ending, Ending::Refused(e) if e.code == "08P01"));
    }
}
