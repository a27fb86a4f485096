//! A small typed client for coffer's OpenHands dialect: settings and secrets. It sends
//! `X-Session-API-Key` on every call and turns any non-2xx answer into
//! [`ClientError::Status`] with the body, so callers can assert on it.
#![forbid(unsafe_code)]

use reqwest::{Method, RequestBuilder, StatusCode};
use serde_json::{Value, json};

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("HTTP {status}: {body}")]
    Status { status: StatusCode, body: String },
    #[error(transparent)]
    Transport(#[from] reqwest::Error),
}

/// How `GET /api/settings` should show secret fields.
#[derive(Clone, Copy, Debug)]
pub enum Expose {
    Masked,
    Plaintext,
    Encrypted,
}

#[derive(Clone, Debug)]
pub struct CofferClient {
    base: String,
    session_key: Option<String>,
    http: reqwest::Client,
}

impl CofferClient {
    /// `base` is like `http://127.0.0.1:8000` (no trailing slash needed).
    pub fn new(base: &str, session_key: Option<&str>) -> CofferClient {
        CofferClient {
            base: base.trim_end_matches('/').to_owned(),
            session_key: session_key.map(str::to_owned),
            http: reqwest::Client::new(),
        }
    }

    pub async fn get_settings(&self, expose: Expose) -> Result<Value, ClientError> {
        let mut req = self.request(Method::GET, "/api/settings");
        match expose {
            Expose::Masked => {}
            Expose::Plaintext => req = req.header("X-Expose-Secrets", "plaintext"),
            Expose::Encrypted => req = req.header("X-Expose-Secrets", "encrypted"),
        }
        Ok(check(req.send().await?).await?.json().await?)
    }

    pub async fn patch_settings(&self, patch: &Value) -> Result<Value, ClientError> {
        let req = self.request(Method::PATCH, "/api/settings").json(patch);
        Ok(check(req.send().await?).await?.json().await?)
    }

    pub async fn list_secrets(&self) -> Result<Vec<(String, Option<String>)>, ClientError> {
        let body: Value = check(
            self.request(Method::GET, "/api/settings/secrets")
                .send()
                .await?,
        )
        .await?
        .json()
        .await?;
        let items = body["secrets"].as_array().cloned().unwrap_or_default();
        Ok(items
            .iter()
            .map(|s| {
                (
                    s["name"].as_str().unwrap_or_default().to_owned(),
                    s["description"].as_str().map(str::to_owned),
                )
            })
            .collect())
    }

    pub async fn put_secret(
        &self,
        name: &str,
        value: &str,
        description: Option<&str>,
    ) -> Result<(), ClientError> {
        let body = json!({"name": name, "value": value, "description": description});
        check(
            self.request(Method::PUT, "/api/settings/secrets")
                .json(&body)
                .send()
                .await?,
        )
        .await?;
        Ok(())
    }

    /// `None` when the secret does not exist (404).
    pub async fn get_secret(&self, name: &str) -> Result<Option<String>, ClientError> {
        let response = self
            .request(Method::GET, &format!("/api/settings/secrets/{name}"))
            .send()
            .await?;
        if response.status() == StatusCode::NOT_FOUND {
            return Ok(None);
        }
        Ok(Some(check(response).await?.text().await?))
    }

    pub async fn delete_secret(&self, name: &str) -> Result<(), ClientError> {
        check(
            self.request(Method::DELETE, &format!("/api/settings/secrets/{name}"))
                .send()
                .await?,
        )
        .await?;
        Ok(())
    }

    fn request(&self, method: Method, path: &str) -> RequestBuilder {
        let req = self.http.request(method, format!("{}{path}", self.base));
        match &self.session_key {
            Some(key) => req.header("X-Session-API-Key", key),
            None => req,
        }
    }
}

async fn check(response: reqwest::Response) -> Result<reqwest::Response, ClientError> {
    let status = response.status();
    if status.is_success() {
        Ok(response)
    } else {
        Err(ClientError::Status {
            status,
            body: response.text().await.unwrap_or_default(),
        })
    }
}
