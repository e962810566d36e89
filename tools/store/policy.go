package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/minio/minio-go/v7"
)

// ErrPolicy is wrapped when a bucket policy grants more, or other, than
// PolicyFor allows.
var ErrPolicy = errors.New("bucket policy is not storyguard's")

// PolicyFor returns the bucket policy Storyguard requires (AWS IAM policy
// language, version 2012-10-17): anonymous s3:GetObject on
// arn:aws:s3:::BUCKET/media/* and arn:aws:s3:::BUCKET/site/*, and nothing
// else: no s3:ListBucket, nothing on state/ (DESIGN.md, "Object storage").
func PolicyFor(bucket string) string {
	return `{"Version":"2012-10-17","Statement":[{"Sid":"StoryguardPublicRead","Effect":"Allow",` +
		`"Principal":{"AWS":["*"]},"Action":["s3:GetObject"],"Resource":[` +
		`"arn:aws:s3:::` + bucket + `/media/*","arn:aws:s3:::` + bucket + `/site/*"]}]}`
}

// CheckPolicy parses a bucket policy document (JSON, as GetBucketPolicy
// returns it, an outside input) and returns nil only when it grants exactly
// what PolicyFor(bucket) grants: every statement Allow, principal "*",
// action s3:GetObject, resources only BUCKET/media/* and BUCKET/site/*, no
// conditions and no NotAction/NotResource/NotPrincipal; and both resources
// are granted. Any other document is an error wrapping ErrPolicy naming
// the field at fault.
func CheckPolicy(doc, bucket string) error {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("bucket %s: policy: %s: %w", bucket, fmt.Sprintf(format, a...), ErrPolicy)
	}
	if strings.TrimSpace(doc) == "" {
		return bad("no policy set")
	}
	var p struct {
		Version   string
		Statement json.RawMessage
	}
	if err := json.Unmarshal([]byte(doc), &p); err != nil {
		return bad("not JSON: %v", err)
	}
	var stmts []map[string]json.RawMessage
	if err := json.Unmarshal(p.Statement, &stmts); err != nil {
		var one map[string]json.RawMessage
		if err2 := json.Unmarshal(p.Statement, &one); err2 != nil || one == nil {
			return bad("field Statement: want a statement or a list of them")
		}
		stmts = []map[string]json.RawMessage{one}
	}
	if len(stmts) == 0 {
		return bad("field Statement: empty")
	}
	want := map[string]bool{
		"arn:aws:s3:::" + bucket + "/media/*": false,
		"arn:aws:s3:::" + bucket + "/site/*":  false,
	}
	for i, s := range stmts {
		for k := range s {
			switch k {
			case "Sid", "Effect", "Principal", "Action", "Resource":
			default:
				return bad("statement %d: field %s not allowed", i, k)
			}
		}
		var effect string
		if json.Unmarshal(s["Effect"], &effect) != nil || effect != "Allow" {
			return bad("statement %d: field Effect: want Allow", i)
		}
		if !principalIsAnyone(s["Principal"]) {
			return bad(`statement %d: field Principal: want "*"`, i)
		}
		acts, ok := stringOrList(s["Action"])
		if !ok || len(acts) == 0 {
			return bad("statement %d: field Action: want s3:GetObject", i)
		}
		for _, a := range acts {
			if a != "s3:GetObject" {
				return bad("statement %d: field Action: %q not allowed", i, a)
			}
		}
		res, ok := stringOrList(s["Resource"])
		if !ok || len(res) == 0 {
			return bad("statement %d: field Resource: missing", i)
		}
		for _, r := range res {
			if _, ok := want[r]; !ok {
				return bad("statement %d: field Resource: %q not allowed", i, r)
			}
			want[r] = true
		}
	}
	for r, granted := range want {
		if !granted {
			return bad("resource %s not granted", r)
		}
	}
	return nil
}

func principalIsAnyone(raw json.RawMessage) bool {
	if vals, ok := stringOrList(raw); ok {
		return slices.Equal(vals, []string{"*"})
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil || len(m) != 1 {
		return false
	}
	vals, ok := stringOrList(m["AWS"])
	return ok && slices.Equal(vals, []string{"*"})
}

func stringOrList(raw json.RawMessage) ([]string, bool) {
	if len(raw) == 0 {
		return nil, false
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return []string{s}, true
	}
	var l []string
	if json.Unmarshal(raw, &l) == nil {
		return l, true
	}
	return nil, false
}

// EnsurePolicy makes the bucket's policy PolicyFor(bucket): it reads the
// current policy; when CheckPolicy accepts it, nothing changes; otherwise
// it sets the policy and reads it back. When setting is refused
// (ErrAccessDenied: the credentials may publish but not administer the
// bucket), the current policy must already pass CheckPolicy, else the error
// wraps ErrPolicy: publishing into a bucket that lists its contents or
// exposes state/ is refused.
func (s *S3) EnsurePolicy(ctx context.Context) error {
	cur, err := s.client.GetBucketPolicy(ctx, s.bucket)
	if err != nil && !isNoPolicy(err) {
		return s.wrap("get policy", "", err)
	}
	if CheckPolicy(cur, s.bucket) == nil {
		return nil
	}
	if err := s.client.SetBucketPolicy(ctx, s.bucket, PolicyFor(s.bucket)); err != nil {
		werr := s.wrap("set policy", "", err)
		if errors.Is(werr, ErrAccessDenied) {
			return fmt.Errorf("%w; and the current one does not pass: %w", werr, CheckPolicy(cur, s.bucket))
		}
		return werr
	}
	return s.VerifyPolicy(ctx)
}

// VerifyPolicy reads the bucket policy and checks it with CheckPolicy,
// changing nothing (for dry runs and status).
func (s *S3) VerifyPolicy(ctx context.Context) error {
	cur, err := s.client.GetBucketPolicy(ctx, s.bucket)
	if err != nil && !isNoPolicy(err) {
		return s.wrap("get policy", "", err)
	}
	return CheckPolicy(cur, s.bucket)
}

func isNoPolicy(err error) bool {
	return err != nil && minio.ToErrorResponse(err).Code == "NoSuchBucketPolicy"
}
