// Package auth holds the building blocks of authentication: the password
// policy and password hashing, signed access tokens with key rotation,
// opaque refresh and one-time tokens stored only as keyed hashes, and rate
// limiting in process or on Redis.
//
// Nothing here speaks HTTP or SQL. The HTTP layer and the services compose
// these pieces; keeping them pure lets every rule be tested in isolation and
// quoted exactly in the security documentation.
package auth
