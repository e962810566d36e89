package store

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
)

// ErrTransient is wrapped by a Store's errors that are worth retrying
// because the server said it is busy or failing. The S3 implementation
// marks them where it reads minio-go's answers (S3.wrap: a 5xx or 429
// answer, SlowDown, RequestTimeout, InternalError, ServiceUnavailable,
// RequestTimeTooSkewed); another Store wraps ErrTransient itself.
var ErrTransient = errors.New("transient failure")

// transientError is err marked ErrTransient; its message is err's.
type transientError struct{ err error }

func (e transientError) Error() string   { return e.err.Error() }
func (e transientError) Unwrap() []error { return []error{e.err, ErrTransient} }

// transient marks err as worth retrying (ErrTransient), keeping its
// message and what it wraps.
func transient(err error) error { return transientError{err} }

// IsTransient reports whether err is worth retrying: it wraps
// ErrTransient, or is a network failure (a net.Error, connection refused
// or reset, a broken pipe, an unexpected EOF). Refused credentials,
// missing keys or buckets, bad keys, failed preconditions and a cancelled
// or expired context are not, whatever else they wrap. It reads only the
// error chain and the standard library's types, never a client library's.
func IsTransient(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	if errors.Is(err, ErrAccessDenied) || errors.Is(err, ErrNotFound) || errors.Is(err, ErrNoBucket) || errors.Is(err, ErrBadKey) || errors.Is(err, ErrPrecondition) {
		return false
	}
	if errors.Is(err, ErrTransient) {
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return true
	}
	var oe *net.OpError
	if errors.As(err, &oe) {
		return true
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return true
	}
	msg := err.Error()
	for _, s := range []string{"connection refused", "connection reset", "broken pipe", "EOF", "server closed"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}
