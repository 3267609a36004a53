//! Listening sockets, made one way for every listener the emulator opens (the API's and each
//! SQL endpoint's).

use std::net::ToSocketAddrs;

/// How many connections may wait to be accepted. A burst of clients connecting at once (a
/// pool opening, a test suite's 200 concurrent requests) is more than the 128 a listener gets
/// by default: the connections past it lose their SYN and retry a second later.
const BACKLOG: u32 = 4096;

/// A listener on `host:port` (the first of its addresses that binds), with address reuse as
/// std's listeners have it and a backlog of [`BACKLOG`] (the kernel caps it at `somaxconn`).
/// Must be called within the runtime.
pub fn listen(host: &str, port: u16) -> std::io::Result<tokio::net::TcpListener> {
    let mut last = None;
    for addr in (host, port).to_socket_addrs()? {
        let socket = match addr {
            std::net::SocketAddr::V4(_) => tokio::net::TcpSocket::new_v4()?,
            std::net::SocketAddr::V6(_) => tokio::net::TcpSocket::new_v6()?,
        };
        socket.set_reuseaddr(true)?;
        match socket.bind(addr).and_then(|()| socket.listen(BACKLOG)) {
            Ok(listener) => return Ok(listener),
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(|| {
        std::io::Error::new(
            std::io::ErrorKind::AddrNotAvailable,
            format!("{host} has no address"),
        )
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// More clients than a default backlog connect at once, none accepted yet: each handshake
    /// completes without the retry (a second after a lost SYN) that an overflowing queue causes.
    #[tokio::test]
    async fn a_burst_of_connections_waits_in_the_backlog() {
        let listener = listen("127.0.0.1", 0).unwrap();
        let addr = listener.local_addr().unwrap();
        // As many as the kernel lets wait (its cap, somaxconn, is 4096 on current kernels).
        let cap = std::fs::read_to_string("/proc/sys/net/core/somaxconn")
            .ok()
            .and_then(|s| s.trim().parse::<usize>().ok())
            .unwrap_or(128);
        let connects = (0..cap.min(300)).map(|_| tokio::net::TcpStream::connect(addr));
        let all = futures_util::future::join_all(connects);
        let streams = tokio::time::timeout(std::time::Duration::from_millis(900), all)
            .await
            .expect("every connection is queued at once");
        assert!(streams.iter().all(Result::is_ok));
        drop(listener);
    }
}
