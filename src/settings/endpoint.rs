//! Where a tenant's calls go: the central Workorder host, a regional one, or any URL (plain
//! `http://` too, for the sandbox and tests). The value of `tenants.<id>.endpoint` (and of the
//! embedded sandbox's address), parsed once here; `upstream` posts to it as it is.

use std::fmt;

use reqwest::Url;

/// The central endpoint, valid for every region the SDK knows except the two mapped ones.
pub const CENTRAL_ENDPOINT: &str = "https://workorder.aliyuncs.com";

/// The endpoint reached from inside an Alibaba Cloud VPC.
pub const VPC_ENDPOINT: &str = "https://workorder-vpc.aliyuncs.com";

/// A parsed endpoint URL plus the `Host` header value that V3 signs.
#[derive(Clone, PartialEq, Eq)]
pub struct Endpoint {
    url: Url,
    host: String,
}

impl Endpoint {
    /// Parses an `http(s)://host[:port][/]` URL. Paths, queries and credentials are refused:
    /// RPC calls always go to `/`.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let url = Url::parse(raw.trim()).map_err(|e| format!("not a URL ({e})"))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(format!("scheme {:?} is not http or https", url.scheme()));
        }
        if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
            return Err("the endpoint must be a bare origin (calls always go to /)".to_owned());
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err("the endpoint must not carry credentials".to_owned());
        }
        let host_name = url
            .host_str()
            .ok_or_else(|| "the URL has no host".to_owned())?;
        let host = match url.port() {
            Some(port) => format!("{host_name}:{port}"),
            None => host_name.to_owned(),
        };
        Ok(Self { url, host })
    }

    /// The endpoint the official SDK picks for `region` (`endpoint_rule = central`).
    pub fn for_region(region: &str) -> Self {
        let raw = match region {
            "ap-northeast-1" | "ap-southeast-1" => {
                format!("https://workorder.{region}.aliyuncs.com")
            }
            _ => CENTRAL_ENDPOINT.to_owned(),
        };
        Self::parse(&raw).unwrap_or_else(|e| unreachable!("built-in endpoint {raw}: {e}"))
    }

    /// The endpoint the official SDK picks for `region` with `network = vpc`: the VPC host,
    /// except for the two regions mapped to their own host, which keep it. No setting picks it
    /// (a VPC endpoint is configured as a URL): it stays to pin down the SDK's mapping.
    #[cfg(test)]
    fn for_region_in_vpc(region: &str) -> Self {
        match region {
            "ap-northeast-1" | "ap-southeast-1" => Self::for_region(region),
            _ => Self::parse(VPC_ENDPOINT)
                .unwrap_or_else(|e| unreachable!("built-in endpoint {VPC_ENDPOINT}: {e}")),
        }
    }

    /// The URL requests are posted to.
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// `host[:port]`, as the transport sends it in the `Host` header.
    pub fn host(&self) -> &str {
        &self.host
    }
}

impl Default for Endpoint {
    fn default() -> Self {
        Self::for_region("")
    }
}

impl fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Endpoint({})", self.url)
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.url.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regional_hosts_follow_the_sdk_map() {
        assert_eq!(
            Endpoint::for_region("cn-hangzhou").host(),
            "workorder.aliyuncs.com"
        );
        assert_eq!(
            Endpoint::for_region("ap-southeast-1").host(),
            "workorder.ap-southeast-1.aliyuncs.com"
        );
    }

    #[test]
    fn vpc_calls_use_the_vpc_host_except_in_the_mapped_regions() {
        assert_eq!(
            Endpoint::for_region_in_vpc("cn-hangzhou").host(),
            "workorder-vpc.aliyuncs.com"
        );
        assert_eq!(
            Endpoint::for_region_in_vpc("ap-northeast-1").host(),
            "workorder.ap-northeast-1.aliyuncs.com"
        );
    }

    #[test]
    fn ports_are_part_of_the_host_and_paths_are_refused() {
        assert_eq!(
            Endpoint::parse("http://127.0.0.1:9000").map(|e| e.host().to_owned()),
            Ok("127.0.0.1:9000".to_owned())
        );
        assert!(Endpoint::parse("https://example.com/api").is_err());
        assert!(Endpoint::parse("ftp://example.com").is_err());
    }
}
