//! LookupSecret requests: one HTTP GET with exactly the stored headers, no redirects, a
//! timeout; a 2xx body (raw, not parsed, not trimmed) is the value. Errors say what
//! failed — a status, a timeout — and never carry the URL's query or a value.

use std::time::Duration;

use async_trait::async_trait;
use coffer_core::ops::conversations::{FetchError, SecretFetcher};
use coffer_crypto::SecretString;
use url::Url;

pub struct HttpSecretFetcher {
    http: reqwest::Client,
}

impl HttpSecretFetcher {
    pub fn new() -> HttpSecretFetcher {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("the HTTP client builds with default settings");
        HttpSecretFetcher { http }
    }
}

impl Default for HttpSecretFetcher {
    fn default() -> Self {
        Self::new()
    }
}

#[async_trait]
impl SecretFetcher for HttpSecretFetcher {
    async fn fetch(
        &self,
        url: &Url,
        headers: &[(String, String)],
        timeout: Duration,
    ) -> Result<SecretString, FetchError> {
        let mut request = self.http.get(url.clone()).timeout(timeout);
        for (name, value) in headers {
            request = request.header(name, value);
        }
        let failed = |e: reqwest::Error| {
            if e.is_timeout() {
                FetchError(format!("timed out after {:.1} s", timeout.as_secs_f64()))
            } else {
                FetchError(format!("request failed: {}", e.without_url()))
            }
        };
        let response = request.send().await.map_err(failed)?;
        let status = response.status();
        if !status.is_success() {
            return Err(FetchError(format!("HTTP {}", status.as_u16())));
        }
        let body = response.text().await.map_err(failed)?;
        Ok(SecretString::from(body))
    }
}
