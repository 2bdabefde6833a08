//! The cap on open connections of one client address.
//!
//! The overall cap ([`super::connection_limit`]) keeps the process alive, but one client could
//! still fill it and lock everyone else out. So each connection is counted against its peer
//! address when it opens (a slot in the connection's extensions, which live as long as the
//! connection) and uncounted when it closes. A request on a connection that put its address
//! over the cap is answered 429 with `Connection: close` before its body is read, except the
//! orchestrator's probes (`/healthz`, `/readyz`), which must answer whoever asks.
//!
//! IPv6 clients usually hold a whole /64, so IPv6 addresses are counted by their /64 prefix.

use std::{
    any::Any,
    collections::HashMap,
    net::{IpAddr, Ipv6Addr},
    sync::{Arc, Mutex},
};

use actix_web::{
    Error, HttpResponse,
    body::{EitherBody, MessageBody},
    dev::{Extensions, ServiceRequest, ServiceResponse},
    middleware::Next,
    rt::net::TcpStream,
};
use domain::security_log::Refusal;

use crate::{client_error::ClientError, error_code::ErrorCode};

/// Open connections by client address, shared by every worker.
#[derive(Debug, Clone)]
pub struct AddressTable {
    open: Arc<Mutex<HashMap<IpAddr, usize>>>,
    cap: usize,
}

/// One open connection's place in the [`AddressTable`]; dropping it (the connection closed)
/// gives the place back.
#[derive(Debug)]
pub struct ConnectionSlot {
    table: AddressTable,
    client: IpAddr,
    over_cap: bool,
}

impl AddressTable {
    pub fn new(cap: usize) -> Self {
        Self {
            open: Arc::default(),
            cap,
        }
    }

    /// Counts a connection from `peer`.
    pub fn open(&self, peer: IpAddr) -> ConnectionSlot {
        let client = client_of(peer);
        let count = {
            let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
            let count = open.entry(client).or_default();
            *count += 1;
            *count
        };
        // Logged when the address crosses the cap, not for every connection beyond it: a flood
        // of connections must not become a flood of log lines.
        if count == self.cap + 1 {
            Refusal::new(
                "connections refused",
                "too many connections from one address",
            )
            .peer(Some(client))
            .cap(self.cap)
            .log();
        }
        ConnectionSlot {
            table: self.clone(),
            client,
            over_cap: count > self.cap,
        }
    }

    /// Open connections of `peer`'s client address.
    #[cfg(test)]
    fn count(&self, peer: IpAddr) -> usize {
        let open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        open.get(&client_of(peer)).copied().unwrap_or(0)
    }
}

impl Drop for ConnectionSlot {
    fn drop(&mut self) {
        let mut open = self.table.open.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(count) = open.get_mut(&self.client) {
            *count -= 1;
            if *count == 0 {
                open.remove(&self.client);
            }
        }
    }
}

/// The address a client is counted by: IPv4 as it is, IPv6 by its /64.
fn client_of(peer: IpAddr) -> IpAddr {
    match peer.to_canonical() {
        IpAddr::V6(v6) => IpAddr::V6(Ipv6Addr::from(u128::from(v6) & !(u64::MAX as u128))),
        v4 => v4,
    }
}

/// The `HttpServer::on_connect` hook that counts each plain TCP connection in `table`.
pub fn on_connect(table: AddressTable) -> impl Fn(&dyn Any, &mut Extensions) + Send + Sync {
    move |io, extensions| {
        if let Some(peer) = io
            .downcast_ref::<TcpStream>()
            .and_then(|stream| stream.peer_addr().ok())
        {
            extensions.insert(table.open(peer.ip()));
        }
    }
}

/// Middleware: refuses requests on connections over their address's cap, before any handler
/// (and so before any body) runs.
pub async fn refuse_over_cap(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, Error> {
    let over_cap = req
        .conn_data::<ConnectionSlot>()
        .is_some_and(|slot| slot.over_cap);
    if over_cap && !matches!(req.path(), "/healthz" | "/readyz") {
        let mut response: HttpResponse = ClientError::new(
            ErrorCode::LimitExceeded,
            "too many connections from this address",
        )
        .into();
        response
            .head_mut()
            .set_connection_type(actix_web::http::ConnectionType::Close);
        return Ok(req.into_response(response).map_into_right_body());
    }
    Ok(next.call(req).await?.map_into_left_body())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connections_are_counted_while_open() {
        let table = AddressTable::new(2);
        let peer: IpAddr = "192.0.2.7".parse().unwrap();
        let first = table.open(peer);
        let second = table.open(peer);
        let third = table.open(peer);
        assert!(!first.over_cap && !second.over_cap && third.over_cap);
        assert_eq!(table.count(peer), 3);
        drop((first, third));
        assert_eq!(table.count(peer), 1);
        assert!(!table.open(peer).over_cap);
        drop(second);
        assert_eq!(table.count(peer), 0);
        assert!(
            table.open.lock().unwrap().is_empty(),
            "closed addresses are forgotten"
        );
    }

    #[test]
    fn ipv6_clients_are_counted_by_their_slash_64() {
        let table = AddressTable::new(1);
        let _a = table.open("2001:db8:1:2::1".parse().unwrap());
        let b = table.open("2001:db8:1:2:ffff::9".parse().unwrap());
        let c = table.open("2001:db8:1:3::1".parse().unwrap());
        assert!(b.over_cap && !c.over_cap);
        let mapped = table.open("::ffff:192.0.2.7".parse().unwrap());
        assert_eq!(table.count("192.0.2.7".parse().unwrap()), 1);
        drop(mapped);
    }
}
