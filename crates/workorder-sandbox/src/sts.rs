//! STS (`Sts`, version 2015-04-01) on the sandbox endpoint: `AssumeRole`,
//! `AssumeRoleWithOIDC` and `GetCallerIdentity`, answered with the real service's body shapes
//! and error codes, and the temporary credentials they issue.
//!
//! Invariants:
//! - Issued credentials (`STS.` id, secret, `SecurityToken`, whole-second expiry) authenticate
//!   Workorder and STS calls as the role's account until they expire; after that a call gets
//!   `InvalidSecurityToken.Expired`, as the real gateway answers.
//! - The issued-credentials table is bounded ([`MAX_ISSUED`]): when full, expired entries go
//!   first, then the oldest issued; an evicted id is then simply unknown.
//! - `AssumeRoleWithOIDC` is anonymous: the JWT is verified for real (signature with the
//!   provider's public key, `iss`, `aud`, `exp`), nothing else is asked of the caller.
//! - Secrets and tokens are [`SecretString`]s and appear only in the answer that issues them.

use std::collections::{HashMap, VecDeque};
use std::hash::{Hash as _, Hasher as _};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use jsonwebtoken::{Algorithm, DecodingKey, Validation, errors::ErrorKind};
use rand::Rng as _;
use rand::distr::Alphanumeric;
use secrecy::{ExposeSecret as _, SecretString};
use serde_json::{Value, json};
use time::OffsetDateTime;

use super::params::Params;
use super::reply::ErrorReply;
use super::state::{AccountSlot, Sandbox};
use super::verify::Caller;

/// The anonymous action (authenticated by its OIDC token, not by a signature).
pub(crate) use workorder_api::sts::ASSUME_ROLE_WITH_OIDC as OIDC_ACTION;
pub use workorder_api::sts::{MIN_SESSION_SECS, STS_ACTIONS, STS_VERSION};
/// Most issued credentials remembered at once.
pub const MAX_ISSUED: usize = 10_000;
/// `DurationSeconds` when none is sent, and a role's default `MaxSessionDuration`.
pub const DEFAULT_SESSION_SECS: u64 = 3600;
/// Longest `MaxSessionDuration` a role may have.
pub use workorder_api::sts::MAX_SESSION_SECS as MAX_SESSION_LIMIT_SECS;
/// Longest session policy.
const MAX_POLICY_LEN: usize = 2048;

/// A RAM role of a sandbox account.
#[derive(Debug, Clone)]
pub struct Role {
    /// The uid of the account that owns the role.
    pub account_uid: String,
    /// Role name (`acs:ram::<uid>:role/<name>`).
    pub name: String,
    /// Who may assume it: account uids (for `AssumeRole`) and OIDC provider ARNs (for
    /// `AssumeRoleWithOIDC`).
    pub trust: Vec<String>,
    /// When set, `AssumeRole` must carry exactly this `ExternalId` (the trust policy's
    /// `sts:ExternalId` condition).
    pub external_id: Option<SecretString>,
    /// The role's `MaxSessionDuration` (3600..=43200).
    pub max_session_secs: u64,
}

/// Name of the built-in demo role (in the demo account, trusted by it).
pub const DEMO_ROLE_NAME: &str = "sandbox-demo";
/// The external id the demo role requires (public on purpose: sandbox only).
pub const DEMO_EXTERNAL_ID: &str = "sandbox-demo-external-id";

impl Role {
    /// The built-in demo role, always present like the demo account:
    /// `acs:ram::1000000000000001:role/sandbox-demo`, assumable by the demo account with the
    /// external id `sandbox-demo-external-id`; its credentials act as the demo account.
    pub fn demo() -> Self {
        Self {
            account_uid: crate::accounts::DEMO_UID.to_owned(),
            name: DEMO_ROLE_NAME.to_owned(),
            trust: vec![crate::accounts::DEMO_UID.to_owned()],
            external_id: Some(SecretString::from(DEMO_EXTERNAL_ID)),
            max_session_secs: DEFAULT_SESSION_SECS,
        }
    }

    /// `acs:ram::<uid>:role/<name>`.
    pub fn arn(&self) -> String {
        format!("acs:ram::{}:role/{}", self.account_uid, self.name)
    }

    /// A stable numeric role id, as RAM shows one.
    fn id(&self) -> String {
        let mut hasher = std::hash::DefaultHasher::new();
        (&self.account_uid, &self.name).hash(&mut hasher);
        format!("3{:018}", hasher.finish() % 1_000_000_000_000_000_000)
    }
}

/// An OIDC identity provider registered in a sandbox account (RRSA's is the cluster's issuer).
#[derive(Debug, Clone)]
pub struct OidcProvider {
    /// `acs:ram::<uid>:oidc-provider/<name>`.
    pub arn: String,
    /// The `iss` its tokens must carry.
    pub issuer: String,
    /// The `aud` values accepted (any one must be in the token).
    pub audience: Vec<String>,
    /// The public key (PEM, RSA or EC) its tokens are signed with.
    pub public_key_pem: String,
    /// The account the provider belongs to.
    pub account_uid: String,
}

/// The STS side of the sandbox.
#[derive(Debug, Clone, Default)]
pub struct StsConfig {
    /// Every account's roles.
    pub roles: Vec<Role>,
    /// Registered OIDC providers.
    pub oidc_providers: Vec<OidcProvider>,
    /// When set, issued credentials live at most this long whatever `DurationSeconds` asked
    /// (for tests of expiry and refresh); the answer's `Expiration` tells the truth.
    pub max_lifetime: Option<Duration>,
}

/// Who a set of issued credentials stands for.
#[derive(Debug)]
pub(crate) struct IssuedKey {
    secret: SecretString,
    token: SecretString,
    expires_at: OffsetDateTime,
    /// The role's account: issued credentials act as it on the Workorder side.
    pub slot: Arc<AccountSlot>,
    role_name: String,
    role_id: String,
    session: String,
}

impl IssuedKey {
    pub fn secret(&self) -> &str {
        self.secret.expose_secret()
    }

    pub fn token(&self) -> &SecretString {
        &self.token
    }

    pub fn expired(&self) -> bool {
        OffsetDateTime::now_utc() >= self.expires_at
    }
}

#[derive(Debug, Default)]
struct Issued {
    keys: HashMap<String, Arc<IssuedKey>>,
    order: VecDeque<String>,
}

/// Roles, providers and the issued credentials.
#[derive(Debug)]
pub(crate) struct StsState {
    config: StsConfig,
    issued: Mutex<Issued>,
    capacity: usize,
}

impl StsState {
    /// The configured roles plus the demo role (unless a configured role has its ARN).
    pub fn new(mut config: StsConfig) -> Self {
        let demo = Role::demo();
        if !config.roles.iter().any(|r| r.arn() == demo.arn()) {
            config.roles.push(demo);
        }
        Self::with_capacity(config, MAX_ISSUED)
    }

    fn with_capacity(config: StsConfig, capacity: usize) -> Self {
        Self {
            config,
            issued: Mutex::new(Issued::default()),
            capacity: capacity.max(1),
        }
    }

    pub fn role_count(&self) -> usize {
        self.config.roles.len()
    }

    pub fn issued_count(&self) -> usize {
        self.lock().keys.len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Issued> {
        self.issued.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Issued credentials by `STS.` id (expired ones included, until evicted).
    pub fn find(&self, access_key_id: &str) -> Option<Arc<IssuedKey>> {
        self.lock().keys.get(access_key_id).cloned()
    }

    fn remember(&self, id: String, key: IssuedKey) {
        let mut issued = self.lock();
        if issued.keys.len() >= self.capacity {
            issued.keys.retain(|_, k| !k.expired());
            let Issued { keys, order } = &mut *issued;
            order.retain(|id| keys.contains_key(id));
            while issued.keys.len() >= self.capacity {
                match issued.order.pop_front() {
                    Some(oldest) => {
                        issued.keys.remove(&oldest);
                    }
                    None => break,
                }
            }
        }
        issued.order.push_back(id.clone());
        issued.keys.insert(id, Arc::new(key));
    }

    /// The role an ARN names, if configured.
    pub fn role_by_arn(&self, arn: &str) -> Option<&Role> {
        let (uid, name) = parse_role_arn(arn)?;
        self.role(uid, name)
    }

    fn role(&self, uid: &str, name: &str) -> Option<&Role> {
        self.config
            .roles
            .iter()
            .find(|r| r.account_uid == uid && r.name == name)
    }
}

/// Runs an authenticated STS action.
pub(crate) fn dispatch(
    sandbox: &Sandbox,
    caller: &Caller,
    params: &Params,
    request_id: &str,
) -> Result<String, ErrorReply> {
    match caller.action {
        "AssumeRole" => assume_role(sandbox, caller, params, request_id),
        "GetCallerIdentity" => Ok(caller_identity(caller, request_id)),
        // A signed AssumeRoleWithOIDC is still judged by its token alone.
        OIDC_ACTION => assume_role_with_oidc(sandbox, params, request_id),
        _ => Err(ErrorReply::api_not_found()),
    }
}

fn caller_identity(caller: &Caller, request_id: &str) -> String {
    let uid = &caller.slot.account.uid;
    let body = match &caller.issued {
        Some(key) => json!({
            "RequestId": request_id,
            "AccountId": uid,
            "Arn": format!("acs:ram::{uid}:assumed-role/{}/{}", key.role_name, key.session),
            "IdentityType": "AssumedRoleUser",
            "PrincipalId": format!("{}:{}", key.role_id, key.session),
            "RoleId": key.role_id,
            "UserId": "",
        }),
        None => {
            let user = &caller.slot.account.access_key_id;
            let user_id = numeric_id("2", &[uid, user]);
            json!({
                "RequestId": request_id,
                "AccountId": uid,
                "Arn": format!("acs:ram::{uid}:user/{user}"),
                "IdentityType": "RAMUser",
                "PrincipalId": user_id,
                "RoleId": "",
                "UserId": user_id,
            })
        }
    };
    body.to_string()
}

fn numeric_id(prefix: &str, parts: &[&str]) -> String {
    let mut hasher = std::hash::DefaultHasher::new();
    parts.hash(&mut hasher);
    format!("{prefix}{:015}", hasher.finish() % 1_000_000_000_000_000)
}

/// The parts of `acs:ram::<uid>:role/<name>`.
fn parse_role_arn(arn: &str) -> Option<(&str, &str)> {
    let rest = arn.strip_prefix("acs:ram::")?;
    let (uid, name) = rest.split_once(":role/")?;
    let valid_name = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '@' | '_' | '-'));
    (!uid.is_empty() && uid.chars().all(|c| c.is_ascii_digit()) && valid_name)
        .then_some((uid, name))
}

fn valid_session_name(name: &str) -> bool {
    (2..=64).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '@' | '_' | '-'))
}

fn valid_external_id(id: &str) -> bool {
    (2..=1224).contains(&id.len())
        && id.chars().all(|c| {
            c.is_ascii_alphanumeric()
                || matches!(c, '_' | '+' | '=' | ',' | '.' | '@' | ':' | '/' | '-')
        })
}

/// `DurationSeconds`: 900 up to the role's `MaxSessionDuration`, 3600 when absent.
fn duration(params: &Params, max: u64) -> Result<u64, ErrorReply> {
    let Some(raw) = params.non_empty("DurationSeconds") else {
        return Ok(DEFAULT_SESSION_SECS.min(max));
    };
    raw.trim()
        .parse::<u64>()
        .ok()
        .filter(|secs| (MIN_SESSION_SECS..=max).contains(secs))
        .ok_or_else(|| {
            ErrorReply::sts(
                400,
                "InvalidParameter.DurationSeconds",
                "The Min/Max value of DurationSeconds is 15min/1hr.",
            )
        })
}

/// A session policy: at most 2048 bytes, a JSON object with a `Statement` list.
fn check_policy(params: &Params) -> Result<(), ErrorReply> {
    let Some(policy) = params.non_empty("Policy") else {
        return Ok(());
    };
    if policy.len() > MAX_POLICY_LEN {
        return Err(ErrorReply::sts(
            400,
            "InvalidParameter.PolicySize",
            "The size of Policy must be smaller than 2048 bytes.",
        ));
    }
    let grammatical = serde_json::from_str::<Value>(policy)
        .ok()
        .is_some_and(|v| v.get("Statement").is_some_and(Value::is_array));
    if grammatical {
        Ok(())
    } else {
        Err(ErrorReply::sts(
            400,
            "InvalidParameter.PolicyGrammar",
            "The parameter Policy has not passed grammar check.",
        ))
    }
}

fn wrongly_formed(code: &'static str, name: &str) -> ErrorReply {
    ErrorReply::sts(
        400,
        code,
        format!("The parameter {name} is wrongly formed."),
    )
}

fn no_permission() -> ErrorReply {
    ErrorReply::sts(
        403,
        "NoPermission",
        "You are not authorized to do this action. You should be authorized by RAM.",
    )
}

fn assume_role(
    sandbox: &Sandbox,
    caller: &Caller,
    params: &Params,
    request_id: &str,
) -> Result<String, ErrorReply> {
    let arn = params.required("RoleArn")?;
    let (uid, name) =
        parse_role_arn(arn).ok_or_else(|| wrongly_formed("InvalidParameter.RoleArn", "RoleArn"))?;
    let session = params.required("RoleSessionName")?;
    if !valid_session_name(session) {
        return Err(wrongly_formed(
            "InvalidParameter.RoleSessionName",
            "RoleSessionName",
        ));
    }
    let external_id = params.non_empty("ExternalId");
    if external_id.is_some_and(|id| !valid_external_id(id)) {
        return Err(wrongly_formed("InvalidParameter.ExternalId", "ExternalId"));
    }
    check_policy(params)?;
    let role = sandbox.sts.role(uid, name).ok_or_else(|| {
        ErrorReply::sts(
            404,
            "EntityNotExist.Role",
            "The specified Role not exists .",
        )
    })?;
    let secs = duration(params, role.max_session_secs)?;
    // Trust names the caller's account (for role chaining, the account of the role it holds).
    if !role.trust.contains(&caller.slot.account.uid) {
        return Err(no_permission());
    }
    if let Some(expected) = &role.external_id {
        let matches = external_id.is_some_and(|sent| {
            workorder_api::signer::signatures_match(expected.expose_secret(), sent)
        });
        if !matches {
            return Err(no_permission());
        }
    }
    let (credentials, key) = issue(sandbox, role, session, secs)?;
    let body = json!({
        "RequestId": request_id,
        "Credentials": credentials,
        "AssumedRoleUser": {
            "Arn": format!("{}/{session}", role.arn()),
            "AssumedRoleId": format!("{}:{session}", key),
        },
    });
    Ok(with_source_identity(body, params).to_string())
}

fn with_source_identity(mut body: Value, params: &Params) -> Value {
    if let Some(source) = params.non_empty("SourceIdentity") {
        body["SourceIdentity"] = json!(source);
    }
    body
}

/// Mints credentials for `role` and remembers them; returns the `Credentials` object and
/// the role id.
pub(crate) fn issue(
    sandbox: &Sandbox,
    role: &Role,
    session: &str,
    secs: u64,
) -> Result<(Value, String), ErrorReply> {
    let slot = sandbox
        .account_by_uid(&role.account_uid)
        .ok_or_else(ErrorReply::sts_internal)?;
    let mut lifetime = Duration::from_secs(secs);
    if let Some(cap) = sandbox.sts.config.max_lifetime {
        lifetime = lifetime.min(cap);
    }
    let now = OffsetDateTime::now_utc();
    // Whole seconds: `Expiration` has no fraction and the check uses exactly what was told.
    let expires_at = (now + lifetime)
        .replace_nanosecond(0)
        .map_err(|_| ErrorReply::sts_internal())?;
    let id = format!("STS.{}", random_text(24));
    let secret = random_text(40);
    // Real tokens start with `CAIS` and carry base64's `+ / =`, which clients must encode.
    let token = format!(
        "CAIS{}+{}/{}==",
        random_text(120),
        random_text(8),
        random_text(8)
    );
    let expiration = format_expiration(expires_at);
    let credentials = json!({
        "AccessKeyId": id,
        "AccessKeySecret": secret,
        "SecurityToken": token,
        "Expiration": expiration,
    });
    let role_id = role.id();
    sandbox.sts.remember(
        id,
        IssuedKey {
            secret: SecretString::from(secret),
            token: SecretString::from(token),
            expires_at,
            slot,
            role_name: role.name.clone(),
            role_id: role_id.clone(),
            session: session.to_owned(),
        },
    );
    Ok((credentials, role_id))
}

/// `yyyy-MM-ddTHH:mm:ssZ`, the one form the official libraries parse.
pub(crate) fn format_expiration(at: OffsetDateTime) -> String {
    workorder_api::request::format_timestamp(at)
}

pub(crate) fn random_text(len: usize) -> String {
    rand::rng()
        .sample_iter(Alphanumeric)
        .take(len)
        .map(char::from)
        .collect()
}

fn oidc_fail(status: u16, code: &'static str, message: impl Into<String>) -> ErrorReply {
    ErrorReply::sts(status, code, message)
}

fn token_invalid(message: &str) -> ErrorReply {
    oidc_fail(401, "AuthenticationFail.OIDCToken.Invalid", message)
}

/// Anonymous: the OIDC token is the credential.
pub(crate) fn assume_role_with_oidc(
    sandbox: &Sandbox,
    params: &Params,
    request_id: &str,
) -> Result<String, ErrorReply> {
    let provider_arn = params.required("OIDCProviderArn")?;
    let arn = params.required("RoleArn")?;
    let session = params.required("RoleSessionName")?;
    let token = params.get("OIDCToken").unwrap_or_default().trim();
    let (uid, name) =
        parse_role_arn(arn).ok_or_else(|| wrongly_formed("InvalidParameter.RoleArn", "RoleArn"))?;
    if !valid_session_name(session) {
        return Err(wrongly_formed(
            "InvalidParameter.RoleSessionName",
            "RoleSessionName",
        ));
    }
    check_policy(params)?;
    let provider = sandbox
        .sts
        .config
        .oidc_providers
        .iter()
        .find(|p| p.arn == provider_arn)
        .ok_or_else(|| {
            oidc_fail(
                401,
                "AuthenticationFail.NoPermission",
                "No such OIDC Provider registered.",
            )
        })?;
    let claims = verify_oidc_token(provider, token)?;
    let role = sandbox.sts.role(uid, name).ok_or_else(|| {
        ErrorReply::sts(
            404,
            "EntityNotExist.Role",
            format!("The role not exists: {arn}. "),
        )
    })?;
    if !role.trust.contains(&provider.arn) {
        return Err(oidc_fail(
            401,
            "AuthenticationFail.NoPermission",
            "There is no permission",
        ));
    }
    let secs = duration(params, role.max_session_secs)?;
    let (credentials, role_id) = issue(sandbox, role, session, secs)?;
    let epoch = |name: &str| {
        claims
            .get(name)
            .and_then(Value::as_i64)
            .and_then(|s| OffsetDateTime::from_unix_timestamp(s).ok())
            .map(format_expiration)
    };
    let client_ids = match claims.get("aud") {
        Some(Value::String(aud)) => aud.clone(),
        Some(Value::Array(auds)) => auds
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(","),
        _ => String::new(),
    };
    Ok(json!({
        "RequestId": request_id,
        "Credentials": credentials,
        "AssumedRoleUser": {
            "Arn": format!("{}/{session}", role.arn()),
            "AssumedRoleId": format!("{role_id}:{session}"),
        },
        "OIDCTokenInfo": {
            "Issuer": claims.get("iss").and_then(Value::as_str).unwrap_or_default(),
            "Subject": claims.get("sub").and_then(Value::as_str).unwrap_or_default(),
            "ClientIds": client_ids,
            "IssuanceTime": epoch("iat"),
            "ExpirationTime": epoch("exp"),
            "VerificationInfo": "Success",
        },
    })
    .to_string())
}

/// Verifies the token's signature with the provider's key, and its `iss`, `aud` and `exp`.
fn verify_oidc_token(provider: &OidcProvider, token: &str) -> Result<Value, ErrorReply> {
    if token.is_empty() {
        return Err(token_invalid("The OIDCToken can not empty."));
    }
    if token.split('.').count() != 3 {
        return Err(token_invalid(
            "The number of Jwt field should be divided into 3 parts with '.' .",
        ));
    }
    let header = jsonwebtoken::decode_header(token)
        .map_err(|_| token_invalid("The Jwt header can not be decoded by base64."))?;
    let key = match header.alg {
        Algorithm::RS256
        | Algorithm::RS384
        | Algorithm::RS512
        | Algorithm::PS256
        | Algorithm::PS384
        | Algorithm::PS512 => DecodingKey::from_rsa_pem(provider.public_key_pem.as_bytes()),
        Algorithm::ES256 | Algorithm::ES384 => {
            DecodingKey::from_ec_pem(provider.public_key_pem.as_bytes())
        }
        other => {
            return Err(token_invalid(&format!(
                "The algorithm {other:?} of the Jwt is unknown."
            )));
        }
    }
    .map_err(|_| {
        oidc_fail(
            401,
            "AuthenticationFail.OIDCToken.InvalidSignature",
            "OIDC token validate failed: invalid signature.",
        )
    })?;
    let mut validation = Validation::new(header.alg);
    validation.leeway = 0;
    validation.set_issuer(&[&provider.issuer]);
    validation.set_audience(&provider.audience);
    validation.set_required_spec_claims(&["exp", "iss", "aud"]);
    jsonwebtoken::decode::<Value>(token, &key, &validation)
        .map(|data| data.claims)
        .map_err(|e| match e.kind() {
            ErrorKind::ExpiredSignature => oidc_fail(
                401,
                "AuthenticationFail.OIDCToken.Expired",
                "This JsonWebToken is expired.",
            ),
            ErrorKind::InvalidAudience => oidc_fail(
                401,
                "AuthenticationFail.OIDCToken.AudienceNotMatch",
                "Invalid audience.",
            ),
            ErrorKind::InvalidIssuer => oidc_fail(
                401,
                "AuthenticationFail.OIDCToken.IssuerNotMatch",
                "The issuer in the OIDC Token doesn't match the OIDC Provider registered.",
            ),
            ErrorKind::InvalidSignature
            | ErrorKind::InvalidEcdsaKey
            | ErrorKind::InvalidRsaKey(_) => oidc_fail(
                401,
                "AuthenticationFail.OIDCToken.InvalidSignature",
                "OIDC token validate failed: invalid signature.",
            ),
            _ => token_invalid("The Jwt content is invalid."),
        })
}

/// Checks a provider's key once at load, so a bad PEM fails at start rather than per call.
pub(crate) fn check_public_key(pem: &str) -> Result<(), String> {
    DecodingKey::from_rsa_pem(pem.as_bytes())
        .or_else(|_| DecodingKey::from_ec_pem(pem.as_bytes()))
        .map(|_| ())
        .map_err(|e| format!("not an RSA or EC public key in PEM: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_arns_are_parsed_strictly() {
        assert_eq!(
            parse_role_arn("acs:ram::1000000000000001:role/gateway"),
            Some(("1000000000000001", "gateway"))
        );
        for bad in [
            "acs:ram::abc:role/x",
            "acs:ram::1:user/x",
            "acs:ram::1:role/",
            "acs:ram:1:role/x",
            "acs:ram::1:role/a b",
        ] {
            assert_eq!(parse_role_arn(bad), None, "{bad}");
        }
    }

    #[test]
    fn session_names_and_external_ids_follow_the_documented_alphabets() {
        assert!(valid_session_name("wog-tenant.acme@1_2-3"));
        assert!(!valid_session_name("a"));
        assert!(!valid_session_name(&"a".repeat(65)));
        assert!(!valid_session_name("has space"));
        assert!(valid_external_id("abc:/+=,.@-_"));
        assert!(!valid_external_id("x"));
        assert!(!valid_external_id("no spaces"));
    }

    fn key(expires_in: i64) -> IssuedKey {
        IssuedKey {
            secret: SecretString::from("s"),
            token: SecretString::from("t"),
            expires_at: OffsetDateTime::now_utc() + time::Duration::seconds(expires_in),
            slot: Arc::new(AccountSlot::new(crate::Account::demo())),
            role_name: "r".to_owned(),
            role_id: "1".to_owned(),
            session: "s".to_owned(),
        }
    }

    #[test]
    fn the_issued_table_is_bounded_dropping_expired_then_oldest() {
        let state = StsState::with_capacity(StsConfig::default(), 3);
        state.remember("STS.old".to_owned(), key(3600));
        state.remember("STS.expired".to_owned(), key(-1));
        state.remember("STS.mid".to_owned(), key(3600));
        // Full: the expired entry goes first.
        state.remember("STS.new".to_owned(), key(3600));
        assert_eq!(state.issued_count(), 3);
        assert!(state.find("STS.expired").is_none());
        // Full of live entries: the oldest goes.
        state.remember("STS.newer".to_owned(), key(3600));
        assert_eq!(state.issued_count(), 3);
        assert!(state.find("STS.old").is_none());
        for id in ["STS.mid", "STS.new", "STS.newer"] {
            assert!(state.find(id).is_some(), "{id}");
        }
        for _ in 0..100 {
            state.remember(format!("STS.{}", random_text(8)), key(3600));
        }
        assert_eq!(state.issued_count(), 3);
        assert_eq!(state.lock().order.len(), 3);
    }

    #[test]
    fn expirations_have_whole_seconds_and_a_z() {
        let at = OffsetDateTime::from_unix_timestamp(1_428_580_339).unwrap();
        assert_eq!(format_expiration(at), "2015-04-09T11:52:19Z");
    }
}
