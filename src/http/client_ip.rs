//! Which address a request comes from: the peer of the connection, unless that peer is a trusted
//! reverse proxy, in which case the right-most `X-Forwarded-For` entry that is not itself a
//! trusted proxy (entries further left were written by the client and prove nothing).

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use ipnet::IpNet;

use super::AppState;

/// The networks whose `X-Forwarded-For` is believed (`--trusted-proxy`).
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(pub Arc<Vec<IpNet>>);

impl TrustedProxies {
    pub fn new(nets: Vec<IpNet>) -> Self {
        Self(Arc::new(nets))
    }

    /// Whether `ip` is one of the trusted proxies (IPv4-mapped IPv6 counts as IPv4).
    pub fn trusts(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.0.iter().any(|net| net.contains(&ip))
    }

    /// The client's address given the connection's `peer` and the `X-Forwarded-For` values in
    /// order of appearance.
    ///
    /// # Examples
    /// ```
    /// use liaison::http::client_ip::TrustedProxies;
    /// let proxies = TrustedProxies::new(vec!["10.0.0.0/8".parse().unwrap()]);
    /// let peer = "10.0.0.2".parse().unwrap();
    /// let client = proxies.client(peer, ["6.6.6.6, 203.0.113.7, 10.0.0.1"]);
    /// assert_eq!(client, "203.0.113.7".parse::<std::net::IpAddr>().unwrap());
    /// // Not from a trusted proxy: the header is ignored.
    /// assert_eq!(proxies.client("198.51.100.1".parse().unwrap(), ["1.2.3.4"]).to_string(), "198.51.100.1");
    /// ```
    pub fn client<'a>(&self, peer: IpAddr, forwarded_for: impl IntoIterator<Item = &'a str>) -> IpAddr {
        if !self.trusts(peer) {
            return peer;
        }
        let hops: Vec<&str> = forwarded_for.into_iter().flat_map(|v| v.split(',')).collect();
        let mut client = peer;
        for hop in hops.iter().rev() {
            let Some(ip) = parse_hop(hop) else {
                // A hop we cannot read: stop at the last address we could vouch for.
                break;
            };
            client = ip;
            if !self.trusts(ip) {
                break;
            }
        }
        client
    }
}

/// One `X-Forwarded-For` entry: an address, maybe with a port (`1.2.3.4:5678`, `[::1]:80`).
fn parse_hop(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim();
    hop.parse::<IpAddr>().ok().or_else(|| hop.parse::<SocketAddr>().ok().map(|s| s.ip())).map(|ip| ip.to_canonical())
}

/// The address a request came from (the unspecified address when the server was not started
/// with connection info, so that such requests still share one limit).
pub struct ClientIp(pub IpAddr);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let peer =
            parts.extensions.get::<ConnectInfo<SocketAddr>>().map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |c| c.0.ip());
        let forwarded = parts.headers.get_all("x-forwarded-for").iter().filter_map(|v| v.to_str().ok());
        Ok(ClientIp(state.trusted_proxies.client(peer, forwarded)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn proxies(nets: &[&str]) -> TrustedProxies {
        TrustedProxies::new(nets.iter().map(|n| n.parse().unwrap()).collect())
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn without_trusted_proxies_the_peer_is_the_client() {
        assert_eq!(proxies(&[]).client(ip("127.0.0.1"), ["9.9.9.9"]), ip("127.0.0.1"));
    }

    #[test]
    fn the_right_most_untrusted_hop_is_the_client() {
        let p = proxies(&["127.0.0.1/32", "10.0.0.0/8"]);
        assert_eq!(p.client(ip("127.0.0.1"), ["1.1.1.1, 2.2.2.2", "10.1.1.1"]), ip("2.2.2.2"));
        assert_eq!(p.client(ip("127.0.0.1"), ["[2001:db8::1]:443"]), ip("2001:db8::1"));
    }

    #[test]
    fn a_trusted_peer_without_the_header_is_the_client() {
        assert_eq!(proxies(&["127.0.0.1/32"]).client(ip("127.0.0.1"), []), ip("127.0.0.1"));
    }

    #[test]
    fn garbage_in_the_header_stops_the_walk() {
        let p = proxies(&["127.0.0.1/32"]);
        assert_eq!(p.client(ip("127.0.0.1"), ["5.5.5.5, junk"]), ip("127.0.0.1"));
    }

    #[test]
    fn ipv4_mapped_peers_match_ipv4_networks() {
        let p = proxies(&["127.0.0.1/32"]);
        assert_eq!(p.client(ip("::ffff:127.0.0.1"), ["8.8.8.8"]), ip("8.8.8.8"));
    }
}
