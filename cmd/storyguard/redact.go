package main

import (
	"bytes"
	"errors"
	"io"
	"sync"
)

// redactor is Storyguard's output boundary: once the registry is open
// (openVault), every line written to stdout or stderr, and the error run
// returns, pass through the registry scanner and every registry term is
// replaced by its person id (identity.Scanner.Redact). Messages already
// name ids and positions only; this is the last line of defence for text
// Storyguard does not write itself, Hugo's error text above all (a
// template's errorf may quote a page), and for any message that echoes a
// value from outside by mistake. Before the registry is open, output passes
// unchanged: no term is known yet.
type redactor struct {
	mu     sync.Mutex
	redact func(string) string // nil until the registry is open
}

func (r *redactor) set(f func(string) string) {
	r.mu.Lock()
	r.redact = f
	r.mu.Unlock()
}

func (r *redactor) apply(s string) string {
	r.mu.Lock()
	f := r.redact
	r.mu.Unlock()
	if f == nil {
		return s
	}
	return f(s)
}

// redactWriter writes whole lines (up to '\n' or '\r', the latter for
// progress lines) through the redactor, so that a term is never split
// across two writes; Flush writes what is left.
type redactWriter struct {
	mu  sync.Mutex
	w   io.Writer
	r   *redactor
	buf []byte
}

func (w *redactWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = append(w.buf, p...)
	for {
		i := bytes.IndexAny(w.buf, "\n\r")
		if i < 0 {
			break
		}
		line := w.r.apply(string(w.buf[:i+1]))
		w.buf = w.buf[i+1:]
		if _, err := io.WriteString(w.w, line); err != nil {
			return len(p), err
		}
	}
	return len(p), nil
}

// Flush writes a last line without its end.
func (w *redactWriter) Flush() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.buf) == 0 {
		return nil
	}
	line := w.r.apply(string(w.buf))
	w.buf = nil
	_, err := io.WriteString(w.w, line)
	return err
}

// redactedError is an error whose text went through the redactor; errors.Is
// and errors.As still see the original.
type redactedError struct {
	err error
	msg string
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// redactError returns err with its text (and its hint) redacted, or err
// itself when nothing changes.
func (r *redactor) redactError(err error) error {
	if err == nil {
		return nil
	}
	msg := r.apply(err.Error())
	var h *hintError
	hint := ""
	if errors.As(err, &h) {
		hint = r.apply(h.hint)
		if msg == err.Error() && hint == h.hint {
			return err
		}
		return &hintError{err: &redactedError{err: err, msg: msg}, hint: hint}
	}
	if msg == err.Error() {
		return err
	}
	return &redactedError{err: err, msg: msg}
}
