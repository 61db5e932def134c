//! The serving loop: accepts TCP connections and speaks HTTP/1.1 on them with hyper, under limits
//! an Internet-facing service needs: a deadline for a request's headers, an idle keep-alive
//! timeout, a cap on open connections, and a graceful shutdown with a deadline after which
//! whatever is still open is closed.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::pin;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinSet;
use tower::ServiceExt;

/// The limits of [`serve`].
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// Connections open at once; at the cap the loop waits before accepting more.
    pub max_connections: usize,
    /// A connection that has not sent a whole request head this long after it opened, or after
    /// its previous answer, is closed.
    pub header_timeout: Duration,
    /// A keep-alive connection with no request this long after its last answer is closed
    /// (values above `header_timeout` make no difference: that timer runs while idle too).
    pub idle_timeout: Duration,
    /// After shutdown begins, requests in flight get this long to finish; then every connection
    /// still open is closed.
    pub shutdown_deadline: Duration,
}

impl Default for ServeOptions {
    fn default() -> Self {
        Self {
            max_connections: 4096,
            header_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(5),
            shutdown_deadline: Duration::from_secs(20),
        }
    }
}

/// Serves `router` on `listener` until `shutdown` completes, then stops accepting, lets requests
/// in flight finish within [`ServeOptions::shutdown_deadline`] and closes what is left.
///
/// Handlers see the peer address as `ConnectInfo<SocketAddr>`, as with axum's
/// `into_make_service_with_connect_info`.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    options: ServeOptions,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let slots = Arc::new(Semaphore::new(options.max_connections.max(1)));
    let (stop, stopping) = watch::channel(false);
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new()).header_read_timeout(options.header_timeout).keep_alive(true);
    let mut connections = JoinSet::new();
    let mut shutdown = pin!(shutdown);
    loop {
        while connections.try_join_next().is_some() {}
        let permit = tokio::select! {
            biased;
            () = &mut shutdown => break,
            permit = slots.clone().acquire_owned() => match permit {
                Ok(p) => p,
                Err(_) => break, // the semaphore is never closed
            },
        };
        let (stream, peer) = tokio::select! {
            biased;
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    accept_failed(&e).await;
                    continue;
                }
            },
        };
        let conn = Connection {
            http: http.clone(),
            router: router.clone(),
            peer,
            idle_timeout: options.idle_timeout,
            stopping: stopping.clone(),
            _permit: permit,
        };
        connections.spawn(conn.run(stream));
    }
    drop(listener);
    tracing::info!(open = connections.len(), "shutting down: no new connections; finishing requests in flight");
    // Receivers may all be gone already (no connection open): nothing to tell then.
    let _ = stop.send(true);
    let drained =
        tokio::time::timeout(options.shutdown_deadline, async { while connections.join_next().await.is_some() {} })
            .await;
    if drained.is_err() {
        tracing::warn!(
            open = connections.len(),
            deadline_secs = options.shutdown_deadline.as_secs(),
            "shutdown deadline passed; closing the remaining connections"
        );
        connections.shutdown().await;
    }
    tracing::info!("all connections closed");
    Ok(())
}

/// Errors of `accept` that concern one connection (try the next at once) or the process (out of
/// file descriptors: wait a little so that others close, rather than spin).
async fn accept_failed(e: &std::io::Error) {
    use std::io::ErrorKind::*;
    if matches!(e.kind(), ConnectionAborted | ConnectionReset | ConnectionRefused | Interrupted) {
        tracing::debug!(error = %e, "accept failed");
    } else {
        tracing::warn!(error = %e, "accept failed; waiting 100 ms");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// One accepted connection and what it needs.
struct Connection {
    http: http1::Builder,
    router: Router,
    peer: SocketAddr,
    idle_timeout: Duration,
    stopping: watch::Receiver<bool>,
    /// Frees a slot under the connection cap when the connection ends.
    _permit: OwnedSemaphorePermit,
}

impl Connection {
    async fn run(mut self, stream: TcpStream) {
        crate::metrics::connections_changed(1.0);
        // Answers are small and written whole: send them at once rather than wait to coalesce.
        if let Err(e) = stream.set_nodelay(true) {
            tracing::debug!(error = %e, "cannot set TCP_NODELAY");
        }
        let activity = Arc::new(Activity::new());
        let (router, peer, seen) = (self.router.clone(), self.peer, activity.clone());
        let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            let answer = router.clone().oneshot(request);
            let busy = seen.begin();
            async move {
                let response = answer.await;
                drop(busy);
                response
            }
        });
        let mut conn = pin!(self.http.serve_connection(TokioIo::new(HeadErrors::new(stream)), service));
        let mut tick = tokio::time::interval((self.idle_timeout / 2).max(Duration::from_millis(100)));
        let (mut stopped, mut idle_closed) = (false, false);
        loop {
            tokio::select! {
                result = conn.as_mut() => {
                    if let Err(e) = result {
                        tracing::debug!(peer = %self.peer, error = %e, "connection ended with an error");
                    }
                    break;
                }
                // The sender gone means the server is gone: stop just the same.
                _ = self.stopping.wait_for(|stop| *stop), if !stopped => {
                    stopped = true;
                    conn.as_mut().graceful_shutdown();
                }
                _ = tick.tick(), if !idle_closed && !stopped => {
                    if activity.idle_for() > self.idle_timeout {
                        idle_closed = true;
                        conn.as_mut().graceful_shutdown();
                    }
                }
            }
        }
        crate::metrics::connections_changed(-1.0);
    }
}

/// A connection's stream that puts the API's JSON error in place of the bare answers hyper gives,
/// before any router sees the request, to a request line over 64 KiB (`414`) or a head beyond its
/// buffer (`431`): hyper writes such an answer as one head with no body and then closes the
/// connection, so a write that begins with that status line is swapped for a whole JSON answer.
/// The router never answers 414 or 431, and a body never begins with a status line, so nothing
/// else is touched. Reads pass through.
struct HeadErrors<S> {
    inner: S,
    /// The replacement answer still to be written, and how much of it is out.
    pending: Option<(&'static [u8], usize)>,
}

impl<S> HeadErrors<S> {
    fn new(inner: S) -> Self {
        Self { inner, pending: None }
    }
}

/// The JSON answer that replaces hyper's answer beginning `first`, if hyper refused the head.
fn head_error(first: &[u8]) -> Option<&'static [u8]> {
    static ANSWERS: std::sync::LazyLock<[(&[u8], Vec<u8>); 2]> = std::sync::LazyLock::new(|| {
        [
            (
                b"414 ",
                json_answer(
                    "414 URI Too Long",
                    "uri_too_long",
                    "the request line is over 64 KiB; send long input as a POST body",
                ),
            ),
            (
                b"431 ",
                json_answer(
                    "431 Request Header Fields Too Large",
                    "headers_too_large",
                    "the request head is larger than the server reads",
                ),
            ),
        ]
    });
    let status = first.strip_prefix(b"HTTP/1.1 ").or_else(|| first.strip_prefix(b"HTTP/1.0 "))?;
    ANSWERS.iter().find(|(code, _)| status.starts_with(code)).map(|(_, answer)| answer.as_slice())
}

fn json_answer(status: &str, code: &str, message: &str) -> Vec<u8> {
    let body = serde_json::json!({ "error": { "code": code, "message": message } }).to_string();
    format!(
        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\
         cache-control: no-store\r\nx-content-type-options: nosniff\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

impl<S: tokio::io::AsyncWrite + Unpin> HeadErrors<S> {
    /// When a write of `len` bytes beginning `first` is hyper's refusal, takes it whole (and drops
    /// it) and starts writing the replacement, which goes on in later writes, flushes or shutdown.
    fn swap(&mut self, cx: &mut std::task::Context<'_>, first: &[u8], len: usize) -> Option<std::io::Result<usize>> {
        self.pending = Some((head_error(first)?, 0));
        Some(match self.drain(cx) {
            std::task::Poll::Ready(Err(e)) => Err(e),
            _ => Ok(len),
        })
    }

    /// Writes out what is left of a replacement answer.
    fn drain(&mut self, cx: &mut std::task::Context<'_>) -> std::task::Poll<std::io::Result<()>> {
        use std::task::Poll;
        while let Some((bytes, done)) = self.pending {
            match std::pin::Pin::new(&mut self.inner).poll_write(cx, &bytes[done..]) {
                Poll::Ready(Ok(0)) => return Poll::Ready(Err(std::io::ErrorKind::WriteZero.into())),
                Poll::Ready(Ok(n)) => {
                    self.pending = (done + n < bytes.len()).then_some((bytes, done + n));
                }
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => return Poll::Pending,
            }
        }
        Poll::Ready(Ok(()))
    }
}

impl<S: tokio::io::AsyncRead + Unpin> tokio::io::AsyncRead for HeadErrors<S> {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<S: tokio::io::AsyncWrite + Unpin> tokio::io::AsyncWrite for HeadErrors<S> {
    fn poll_write(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        std::task::ready!(self.drain(cx))?;
        if let Some(taken) = self.swap(cx, buf, buf.len()) {
            return std::task::Poll::Ready(taken);
        }
        std::pin::Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> std::task::Poll<std::io::Result<usize>> {
        std::task::ready!(self.drain(cx))?;
        let first = bufs.iter().find(|b| !b.is_empty()).map_or(&[][..], |b| &b[..]);
        if let Some(taken) = self.swap(cx, first, bufs.iter().map(|b| b.len()).sum()) {
            return std::task::Poll::Ready(taken);
        }
        std::pin::Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::task::ready!(self.drain(cx))?;
        std::pin::Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::task::ready!(self.drain(cx))?;
        std::pin::Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// What a connection is doing: requests in flight, and when the last one was answered.
struct Activity {
    opened: Instant,
    in_flight: AtomicUsize,
    answered_any: AtomicBool,
    last_answer_ms: AtomicU64,
}

impl Activity {
    fn new() -> Self {
        Self {
            opened: Instant::now(),
            in_flight: AtomicUsize::new(0),
            answered_any: AtomicBool::new(false),
            last_answer_ms: AtomicU64::new(0),
        }
    }

    fn begin(self: &Arc<Self>) -> Busy {
        self.in_flight.fetch_add(1, Ordering::SeqCst);
        Busy(self.clone())
    }

    /// How long the connection has been idle between requests; zero before its first answer
    /// (the header timeout covers that) and while a request is in flight.
    fn idle_for(&self) -> Duration {
        if self.in_flight.load(Ordering::SeqCst) > 0 || !self.answered_any.load(Ordering::SeqCst) {
            return Duration::ZERO;
        }
        let last = Duration::from_millis(self.last_answer_ms.load(Ordering::SeqCst));
        self.opened.elapsed().saturating_sub(last)
    }
}

/// A request in flight; dropping it records the answer.
struct Busy(Arc<Activity>);

impl Drop for Busy {
    fn drop(&mut self) {
        let a = &self.0;
        a.last_answer_ms.store(a.opened.elapsed().as_millis() as u64, Ordering::SeqCst);
        a.answered_any.store(true, Ordering::SeqCst);
        a.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Raises the soft limit on open files to the hard limit, so that many slow clients do not run
/// the process out of descriptors at a default soft limit of 1,024. Returns the (soft, hard)
/// limits now in force.
pub fn raise_open_files_limit() -> std::io::Result<(u64, u64)> {
    let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit only writes the struct we pass, which lives for the call.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    // Linux refuses an infinite soft limit for open files (it is capped by fs.nr_open).
    let target = if limit.rlim_max == libc::RLIM_INFINITY { 1 << 20 } else { limit.rlim_max };
    if limit.rlim_cur < target {
        let raised = libc::rlimit { rlim_cur: target, rlim_max: limit.rlim_max };
        // SAFETY: setrlimit only reads the struct we pass.
        if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &raised) } != 0 {
            return Err(std::io::Error::last_os_error());
        }
        limit = raised;
    }
    Ok((limit.rlim_cur, limit.rlim_max))
}
