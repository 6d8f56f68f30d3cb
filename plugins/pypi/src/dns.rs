//! Name resolution once per host for the life of the plugin. This project's link loses a DNS
//! answer now and then, and the system resolver then waits 5 s before asking again: with a
//! lookup per new connection (16 in flight), one request in a few dozen stalled 5 s. Index and
//! file hosts are few, so each is resolved once, on one thread at a time, and reused.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use ureq::config::Config;
use ureq::http::Uri;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::NextTimeout;

/// A resolver that remembers each host's addresses.
#[derive(Debug, Default)]
pub struct CachingResolver {
    inner: DefaultResolver,
    hosts: Mutex<HashMap<String, Arc<Mutex<Option<ResolvedSocketAddrs>>>>>,
}

impl Resolver for CachingResolver {
    fn resolve(
        &self,
        uri: &Uri,
        config: &Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let key = uri
            .authority()
            .map(|authority| format!("{}|{authority}", uri.scheme_str().unwrap_or("")))
            .unwrap_or_default();
        let slot = Arc::clone(
            self.hosts
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .entry(key)
                .or_default(),
        );
        // One lookup per host at a time: the other threads wait for its answer.
        let mut cached = slot.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(addresses) = cached.as_ref() {
            return Ok(addresses.clone());
        }
        let addresses = self.inner.resolve(uri, config, timeout)?;
        *cached = Some(addresses.clone());
        Ok(addresses)
    }
}
