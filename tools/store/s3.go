package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"storyguard/tools/endpoint"
)

// S3 is the Store on an S3-compatible server through minio-go v7, one
// bucket. Create it with Open (from the configuration) or NewS3.
type S3 struct {
	client *minio.Client
	core   minio.Core
	bucket string
	// Endpoint is the server's base URL, for example
	// "http://127.0.0.1:41234".
	Endpoint string
}

var _ Store = (*S3)(nil)

// S3Config is what NewS3 needs to reach a bucket.
type S3Config struct {
	// Endpoint is a base URL ("https://s3.example.org",
	// "http://127.0.0.1:9000"). Plain http is refused unless the host is
	// loopback or AllowHTTP is set.
	Endpoint  string
	Bucket    string
	Region    string
	AccessKey string
	SecretKey string
	AllowHTTP bool
}

// NewS3 makes an S3 store from c. It does no I/O; Check or the first call
// finds out whether the server answers. Loopback and custom endpoints use
// path-style requests (bucket in the path), which every S3-compatible server
// accepts; only *.amazonaws.com uses virtual-hosted style.
func NewS3(c S3Config) (*S3, error) { return newS3(c, nil) }

// newS3 is NewS3 with, when dial is set, every connection made by dial
// instead of to the endpoint's host (the embedded gateway's readiness
// probe reaches versitygw's unix socket this way, before the front server
// serves anyone).
func newS3(c S3Config, dial func(context.Context) (net.Conn, error)) (*S3, error) {
	u, err := endpoint.Parse(c.Endpoint)
	if err != nil {
		return nil, err
	}
	if u.Scheme == "http" && !c.AllowHTTP && !endpoint.IsLoopback(u.Hostname()) {
		return nil, fmt.Errorf("endpoint %s: plain HTTP to a non-loopback host; use https or set allow_http", u.Host)
	}
	if c.Bucket == "" {
		return nil, errors.New("bucket: must not be empty")
	}
	if c.AccessKey == "" || c.SecretKey == "" {
		return nil, errors.New("credentials: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must both be set")
	}
	lookup := minio.BucketLookupPath
	if strings.HasSuffix(u.Hostname(), ".amazonaws.com") {
		lookup = minio.BucketLookupDNS
	}
	tr, err := minio.DefaultTransport(u.Scheme == "https")
	if err != nil {
		return nil, fmt.Errorf("endpoint %s: %w", u.Host, err)
	}
	tr.MaxIdleConnsPerHost = 64
	if dial != nil {
		tr.DialContext = func(ctx context.Context, _, _ string) (net.Conn, error) { return dial(ctx) }
	}
	region := c.Region
	if region == "" {
		region = "us-east-1"
	}
	cl, err := minio.New(u.Host, &minio.Options{
		Creds:        credentials.NewStaticV4(c.AccessKey, c.SecretKey, ""),
		Secure:       u.Scheme == "https",
		Region:       region,
		BucketLookup: lookup,
		Transport:    tr,
		// Sync retries with its own backoff, reopening the body; minio-go's
		// own ten retries would only delay a clear failure.
		MaxRetries: 1,
	})
	if err != nil {
		return nil, fmt.Errorf("endpoint %s: %w", u.Host, err)
	}
	return &S3{client: cl, core: minio.Core{Client: cl}, bucket: c.Bucket, Endpoint: u.Scheme + "://" + u.Host}, nil
}

// Bucket returns the bucket name.
func (s *S3) Bucket() string { return s.bucket }

// Check proves the server answers, the credentials are accepted and the
// bucket exists: ErrAccessDenied or ErrNoBucket (wrapped) otherwise.
func (s *S3) Check(ctx context.Context) error {
	ok, err := s.client.BucketExists(ctx, s.bucket)
	if err != nil {
		return s.wrap("check", "", err)
	}
	if !ok {
		return fmt.Errorf("bucket %s at %s: %w", s.bucket, s.Endpoint, ErrNoBucket)
	}
	// HEAD bucket may succeed anonymously on a public bucket; a listing
	// needs the credentials.
	for o := range s.client.ListObjects(ctx, s.bucket, minio.ListObjectsOptions{MaxKeys: 1, Prefix: StatePrefix}) {
		if o.Err != nil {
			return s.wrap("list", StatePrefix, o.Err)
		}
		break
	}
	return nil
}

// EnsureBucket creates the bucket if it is missing (when create is true,
// else ErrNoBucket) and enables versioning on it if it is not enabled.
// Open calls it for the embedded gateway; production buckets are made by
// their operator, so publish should call Check instead.
func (s *S3) EnsureBucket(ctx context.Context, create bool) error {
	ok, err := s.client.BucketExists(ctx, s.bucket)
	if err != nil {
		return s.wrap("check", "", err)
	}
	if !ok {
		if !create {
			return fmt.Errorf("bucket %s at %s: %w", s.bucket, s.Endpoint, ErrNoBucket)
		}
		if err := s.client.MakeBucket(ctx, s.bucket, minio.MakeBucketOptions{}); err != nil {
			return s.wrap("make bucket", "", err)
		}
	}
	st, err := s.Versioning(ctx)
	if err != nil {
		return err
	}
	if st != VersioningEnabled {
		if err := s.client.EnableVersioning(ctx, s.bucket); err != nil {
			return s.wrap("enable versioning", "", err)
		}
	}
	return nil
}

// List implements Store.
func (s *S3) List(ctx context.Context, prefix string) (map[string]Object, error) {
	if err := ValidatePrefix(prefix); err != nil {
		return nil, err
	}
	out := make(map[string]Object)
	for o := range s.client.ListObjects(ctx, s.bucket, minio.ListObjectsOptions{Prefix: prefix, Recursive: true}) {
		if o.Err != nil {
			return nil, s.wrap("list", prefix, o.Err)
		}
		out[o.Key] = Object{Key: o.Key, Size: o.Size, ETag: strings.Trim(o.ETag, `"`), LastModified: o.LastModified}
	}
	return out, nil
}

// Stat implements Store.
func (s *S3) Stat(ctx context.Context, key string) (Object, error) {
	if err := ValidateKey(key); err != nil {
		return Object{}, err
	}
	o, err := s.client.StatObject(ctx, s.bucket, key, minio.StatObjectOptions{})
	if err != nil {
		return Object{}, s.wrap("stat", key, err)
	}
	return Object{
		Key: key, Size: o.Size, ETag: strings.Trim(o.ETag, `"`),
		SHA256:       o.Metadata.Get("X-Amz-Meta-Sha256"),
		ContentType:  o.ContentType,
		CacheControl: o.Metadata.Get("Cache-Control"),
		VersionID:    o.VersionID, LastModified: o.LastModified,
	}, nil
}

// Get implements Store.
func (s *S3) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	if err := ValidateKey(key); err != nil {
		return nil, err
	}
	o, err := s.client.GetObject(ctx, s.bucket, key, minio.GetObjectOptions{})
	if err != nil {
		return nil, s.wrap("get", key, err)
	}
	// GetObject is lazy: Stat makes the request so a missing key fails here.
	if _, err := o.Stat(); err != nil {
		o.Close()
		return nil, s.wrap("get", key, err)
	}
	return o, nil
}

// Put implements Store. meta is validated (checkMeta): a media key must be
// named by the sha256 it carries.
func (s *S3) Put(ctx context.Context, key string, body io.Reader, size int64, meta Meta) (Object, error) {
	meta, err := checkMeta(key, meta)
	if err != nil {
		return Object{}, err
	}
	return s.put(ctx, key, body, size, meta, minio.PutObjectOptions{})
}

// PutIf implements Store. The precondition goes out as the S3 header
// (minio-go's SetMatchETagExcept("*") sends "If-None-Match: *",
// SetMatchETag "If-Match"), which AWS S3, MinIO and versitygw v1.8.0 (posix
// backend, backend.EvaluateObjectPutPreconditions under a per-key lock)
// check atomically with the write.
func (s *S3) PutIf(ctx context.Context, key string, body io.Reader, size int64, meta Meta, cond Precondition) (Object, error) {
	meta, err := checkMeta(key, meta)
	if err != nil {
		return Object{}, err
	}
	if err := cond.valid(key); err != nil {
		return Object{}, err
	}
	// A single PUT, never multipart: the precondition holds for one request.
	opts := minio.PutObjectOptions{DisableMultipart: true}
	if cond.IfAbsent {
		opts.SetMatchETagExcept("*")
	} else {
		opts.SetMatchETag(cond.IfETag)
	}
	return s.put(ctx, key, body, size, meta, opts)
}

func (s *S3) put(ctx context.Context, key string, body io.Reader, size int64, meta Meta, opts minio.PutObjectOptions) (Object, error) {
	opts.UserMetadata = map[string]string{"sha256": meta.SHA256}
	opts.ContentType, opts.CacheControl = meta.ContentType, meta.CacheControl
	info, err := s.client.PutObject(ctx, s.bucket, key, body, size, opts)
	if err != nil {
		return Object{}, s.wrap("put", key, err)
	}
	return Object{Key: key, Size: info.Size, ETag: strings.Trim(info.ETag, `"`), SHA256: meta.SHA256,
		ContentType: meta.ContentType, CacheControl: meta.CacheControl, VersionID: info.VersionID}, nil
}

// Delete implements Store.
func (s *S3) Delete(ctx context.Context, key string) error {
	if err := validateDeleteKey(key); err != nil {
		return err
	}
	if err := s.client.RemoveObject(ctx, s.bucket, key, minio.RemoveObjectOptions{}); err != nil {
		return s.wrap("delete", key, err)
	}
	return nil
}

// ListVersions implements Store. On a bucket that never had versioning the
// server lists each object once, with version id "null".
func (s *S3) ListVersions(ctx context.Context, prefix string) ([]Version, error) {
	if err := ValidatePrefix(prefix); err != nil {
		return nil, err
	}
	var out []Version
	for o := range s.client.ListObjects(ctx, s.bucket, minio.ListObjectsOptions{Prefix: prefix, Recursive: true, WithVersions: true}) {
		if o.Err != nil {
			return nil, s.wrap("list versions", prefix, o.Err)
		}
		out = append(out, Version{Key: o.Key, VersionID: o.VersionID, IsDeleteMarker: o.IsDeleteMarker, IsLatest: o.IsLatest, Size: o.Size})
	}
	return out, nil
}

// DeleteVersion implements Store. Deleting a version that is already gone
// succeeds (S3 answers 204), so purges are idempotent.
func (s *S3) DeleteVersion(ctx context.Context, key, versionID string) error {
	if err := validateDeleteKey(key); err != nil {
		return err
	}
	if versionID == "" {
		return fmt.Errorf("delete version of %s: empty version id", key)
	}
	if err := s.client.RemoveObject(ctx, s.bucket, key, minio.RemoveObjectOptions{VersionID: versionID}); err != nil {
		return s.wrap("delete version "+versionID+" of", key, err)
	}
	return nil
}

// ListUploads implements Store.
func (s *S3) ListUploads(ctx context.Context, prefix string) ([]PendingUpload, error) {
	if err := ValidatePrefix(prefix); err != nil {
		return nil, err
	}
	var out []PendingUpload
	for u := range s.client.ListIncompleteUploads(ctx, s.bucket, prefix, true) {
		if u.Err != nil {
			return nil, s.wrap("list incomplete uploads", prefix, u.Err)
		}
		out = append(out, PendingUpload{Key: u.Key, UploadID: u.UploadID})
	}
	return out, nil
}

// AbortUpload implements Store.
func (s *S3) AbortUpload(ctx context.Context, key, uploadID string) error {
	if err := validateDeleteKey(key); err != nil {
		return err
	}
	if err := s.core.AbortMultipartUpload(ctx, s.bucket, key, uploadID); err != nil {
		if errors.Is(s.wrap("", key, err), ErrNotFound) {
			return nil
		}
		return s.wrap("abort upload "+uploadID+" of", key, err)
	}
	return nil
}

// Versioning implements Store.
func (s *S3) Versioning(ctx context.Context) (VersioningStatus, error) {
	v, err := s.client.GetBucketVersioning(ctx, s.bucket)
	if err != nil {
		return "", s.wrap("get versioning", "", err)
	}
	switch v.Status {
	case "Enabled":
		return VersioningEnabled, nil
	case "Suspended":
		return VersioningSuspended, nil
	case "":
		return VersioningOff, nil
	}
	return "", fmt.Errorf("bucket %s: unknown versioning status %q", s.bucket, v.Status)
}

// wrap turns a minio-go error into one naming the operation, the bucket and
// the key, wrapping a sentinel where one applies: ErrTransient for a 5xx or
// 429 answer and S3's SlowDown, RequestTimeout, InternalError,
// ServiceUnavailable and RequestTimeTooSkewed codes, so that retries (Sync,
// the purges) need no minio-go type. It never includes the
// credentials (minio-go errors do not carry them).
func (s *S3) wrap(op, key string, err error) error {
	where := "bucket " + s.bucket
	if key != "" {
		where += " key " + key
	}
	if op != "" {
		op += " "
	}
	r := minio.ToErrorResponse(err)
	switch r.Code {
	case "NoSuchKey", "NoSuchVersion", "NoSuchUpload":
		return fmt.Errorf("%s%s: %w", op, where, ErrNotFound)
	case "NoSuchBucket":
		return fmt.Errorf("%s%s at %s: %w", op, where, s.Endpoint, ErrNoBucket)
	case "PreconditionFailed", "ConditionalRequestConflict":
		return fmt.Errorf("%s%s: %s: %w", op, where, r.Code, ErrPrecondition)
	case "AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidToken", "ExpiredToken":
		return fmt.Errorf("%s%s at %s: %s: %w", op, where, s.Endpoint, r.Code, ErrAccessDenied)
	}
	if r.StatusCode == http.StatusNotFound && r.Code == "" {
		return fmt.Errorf("%s%s: %w", op, where, ErrNotFound)
	}
	if r.StatusCode == http.StatusPreconditionFailed {
		return fmt.Errorf("%s%s: %w", op, where, ErrPrecondition)
	}
	if r.StatusCode == http.StatusForbidden {
		return fmt.Errorf("%s%s at %s: %w", op, where, s.Endpoint, ErrAccessDenied)
	}
	err = fmt.Errorf("%s%s: %w", op, where, err)
	switch {
	case r.Code == "SlowDown", r.Code == "RequestTimeout", r.Code == "InternalError", r.Code == "ServiceUnavailable", r.Code == "RequestTimeTooSkewed",
		r.StatusCode >= 500, r.StatusCode == http.StatusTooManyRequests:
		return transient(err)
	}
	return err
}

// Open connects to a store. With c.Endpoint set it uses that server
// (NewS3: credentials c.AccessKey/SecretKey, TLS unless loopback or
// c.AllowHTTP, region c.Region) and calls Check: the bucket must exist
// (ErrNoBucket) and accept the credentials (ErrAccessDenied). With
// c.Endpoint empty it starts the embedded gateway over the folder dir as a
// child process (StartGateway with opts.Gateway) with fresh random
// credentials, and ensures bucket c.Bucket exists with versioning enabled.
// The io.Closer stops the child (it is a no-op for a remote endpoint);
// call it even when later steps fail.
func Open(ctx context.Context, c S3Config, dir string, opts OpenOptions) (*S3, io.Closer, error) {
	if c.Endpoint != "" {
		s, err := NewS3(c)
		if err != nil {
			return nil, nil, err
		}
		if err := s.Check(ctx); err != nil {
			return nil, nil, err
		}
		return s, nopCloser{}, nil
	}
	g, err := StartGateway(ctx, GatewayOptions{
		Command: opts.Gateway, Dir: dir, Bucket: c.Bucket,
		Region: c.Region, Log: opts.Log, StartTimeout: opts.StartTimeout,
	})
	if err != nil {
		return nil, nil, err
	}
	s, err := g.Store()
	if err != nil {
		g.Close()
		return nil, nil, err
	}
	return s, g, nil
}

// OpenOptions tunes Open.
type OpenOptions struct {
	// Gateway is how to start the embedded gateway; the zero value runs
	// this executable as "<exe> store serve ...".
	Gateway Command
	// Log receives the gateway's own output (nil: discarded).
	Log io.Writer
	// StartTimeout bounds the gateway's start (0: 20 s).
	StartTimeout time.Duration
}

type nopCloser struct{}

func (nopCloser) Close() error { return nil }
