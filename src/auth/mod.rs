//! JWT authentication: keys, JWKS, claims → principal (see issue 4).
