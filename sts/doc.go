// Package sts is the S3 gateway's token service: it implements
// gateway.Tokens on top of a jwtauth.Verifier.
//
//   - Bearer: "Authorization: Bearer <JWT>" on S3 requests, with the
//     token's user and grants.
//   - AssumeRoleWithWebIdentity (the AWS STS query API, 2011-06-15): a JWT
//     from a configured issuer is exchanged for temporary S3 credentials
//     (AccessKeyId, SecretAccessKey, SessionToken, Expiration) that aws cli,
//     boto3 and every AWS SDK use unmodified. RoleArn and RoleSessionName are
//     required, as the SDKs insist on sending them; roles are configured by
//     ARN (arn:aws:iam::datamon:role/NAME) and map to grant sets.
//   - Session: SigV4 requests signed with those credentials
//     (X-Amz-Security-Token).
//
// The credentials are stateless, so any node verifies them without Raft: the
// session token is a JWT (github.com/golang-jwt/jwt/v5, HS256 only) signed
// with a key derived by HKDF-SHA256 from the cluster secret, carrying the
// access key id, the user, the grants and the expiry; the secret access key
// is an HMAC of the access key id under a second derived key. Changing the
// cluster secret invalidates every outstanding credential; nothing else can
// revoke one before it expires, which is why their lifetime is bounded by
// Config.MaxDuration and by the web identity token's own "exp".
//
// Grants of the credentials are the token's grants intersected with the
// role's (jwtauth.Intersect): a role narrows what a token may do and never
// widens it; a role with "*=admin" passes the token's grants through. A role
// that leaves nothing of the token's grants is refused (AccessDenied).
//
// Errors follow the STS XML error format (ErrorResponse/Error/Code):
// MissingParameter, InvalidParameterValue, ValidationError, InvalidAction
// (400); InvalidIdentityToken, ExpiredTokenException, AccessDenied (403).
// ParseRequest, the request parser, is fuzzed.
package sts
