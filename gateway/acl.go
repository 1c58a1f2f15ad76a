package gateway

import (
	"context"
	"encoding/xml"
	"strings"
)

// Access in datamon is granted per repo to users and keys, not per bucket
// or object by ACLs. GetBucketAcl / GetObjectAcl answer what is true for
// the caller: its own permission on the bucket (from the backend, which
// owns the grant rules); other identities' grants are datamon's to list
// (the identity API), not the ACL's. PutBucketAcl / PutObjectAcl accept
// only what already holds: the "private" (or bucket-owner-full-control)
// canned ACL without a body.

// Permission levels a PermissionBackend reports.
const (
	PermRead  = "read"
	PermWrite = "write"
	PermAdmin = "admin"
)

// PermissionBackend is implemented by backends that can tell a caller's
// permission on a bucket; without it GetBucketAcl / GetObjectAcl answer
// NotImplemented rather than guess.
type PermissionBackend interface {
	// BucketPermission is id's permission on bucket (PermRead, PermWrite
	// or PermAdmin; a read-only bucket never reports more than PermRead),
	// ErrNoSuchBucket or ErrAccessDenied.
	BucketPermission(ctx context.Context, id Identity, bucket string) (string, error)
}

type accessControlPolicy struct {
	XMLName xml.Name `xml:"AccessControlPolicy"`
	NS      string   `xml:"xmlns,attr"`
	Owner   xmlOwner `xml:"Owner"`
	Grants  []grant  `xml:"AccessControlList>Grant"`
}

type grant struct {
	Grantee    grantee `xml:"Grantee"`
	Permission string  `xml:"Permission"`
}

type grantee struct {
	XMLNS       string `xml:"xmlns:xsi,attr"`
	Type        string `xml:"xsi:type,attr"`
	ID          string `xml:"ID"`
	DisplayName string `xml:"DisplayName"`
}

// repoAdmins is the owner shown to callers who are not admins themselves:
// a datamon repo is owned by whoever holds admin on it.
var repoAdmins = xmlOwner{ID: "datamon-repo-admins", DisplayName: "repo admins"}

// aclFor answers the caller's permission on the bucket as an ACL.
func (r *req) aclFor(object bool) error {
	pb, ok := r.s.backend.(PermissionBackend)
	if !ok {
		return notImplemented("ACLs on this backend")
	}
	perm, err := pb.BucketPermission(r.ctx(), r.auth.id, r.bucket)
	if err != nil {
		return err
	}
	if object {
		if _, err := r.s.backend.HeadObject(r.ctx(), r.auth.id, r.bucket, r.key); err != nil {
			return err
		}
	}
	o := r.owner()
	var perms []string
	switch perm {
	case PermAdmin:
		perms = []string{"FULL_CONTROL"}
	case PermWrite:
		perms = []string{"READ", "WRITE"}
		if object {
			perms = []string{"READ"} // overwriting a key is a bucket WRITE
		}
	default:
		perms = []string{"READ"}
	}
	out := accessControlPolicy{NS: s3NS, Owner: repoAdmins}
	if perm == PermAdmin {
		out.Owner = o
	}
	for _, p := range perms {
		out.Grants = append(out.Grants, grant{
			Grantee:    grantee{XMLNS: "http://www.w3.org/2001/XMLSchema-instance", Type: "CanonicalUser", ID: o.ID, DisplayName: o.DisplayName},
			Permission: p,
		})
	}
	return r.writeXML(out)
}

func (r *req) getACL() error { return r.aclFor(false) }

func (r *req) getObjectACL() error { return r.aclFor(true) }

// putACL serves PutBucketAcl / PutObjectAcl: checkBehaviour has already
// refused every canned ACL but private / bucket-owner-full-control and
// every grant header; an AccessControlPolicy body (explicit grants) is
// refused here. Needs write permission, and the target must exist.
func (r *req) putACL() error {
	body, err := r.smallBody(64<<10, true)
	if err != nil {
		return err
	}
	if len(strings.TrimSpace(string(body))) > 0 {
		return notImplemented("ACL grants in an AccessControlPolicy body (access is granted per repo to datamon users and keys)")
	}
	if r.header("X-Amz-Acl") == "" {
		return errf(400, "MissingSecurityHeader", "Your request was missing a required header: x-amz-acl or an AccessControlPolicy body")
	}
	pb, ok := r.s.backend.(PermissionBackend)
	if !ok {
		return notImplemented("ACLs on this backend")
	}
	perm, err := pb.BucketPermission(r.ctx(), r.auth.id, r.bucket)
	if err != nil {
		return err
	}
	if perm == PermRead {
		return errAccessDenied
	}
	if r.key != "" {
		if _, err := r.s.backend.HeadObject(r.ctx(), r.auth.id, r.bucket, r.key); err != nil {
			return err
		}
	}
	return r.ok(200)
}
